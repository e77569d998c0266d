//! Serde helpers that carry number arrays as little-endian bytes: through serde-wasm-bindgen
//! they cross to the page as one `Uint8Array` copy instead of a JS array built element by
//! element (which costs the main thread tens of milliseconds for a few thousand points).

/// `Vec<f64>` as bytes.
pub mod f64s {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        serde_bytes::serialize(&bytes, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let bytes = serde_bytes::ByteBuf::deserialize(d)?;
        Ok(bytes.chunks_exact(8).filter_map(|c| c.try_into().ok().map(f64::from_le_bytes)).collect())
    }
}

/// `Vec<usize>` (small values: segment labels) as u32 bytes.
pub mod indices {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[usize], s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = values.iter().flat_map(|&v| u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes()).collect();
        serde_bytes::serialize(&bytes, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<usize>, D::Error> {
        let bytes = serde_bytes::ByteBuf::deserialize(d)?;
        Ok(bytes.chunks_exact(4).filter_map(|c| c.try_into().ok().map(|b| u32::from_le_bytes(b) as usize)).collect())
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Both {
        #[serde(with = "super::f64s")]
        x: Vec<f64>,
        #[serde(with = "super::indices")]
        l: Vec<usize>,
    }

    #[test]
    fn arrays_round_trip_exactly() {
        let v = Both { x: vec![1.5, -0.0, f64::MAX, 1e-300], l: vec![0, 3, 9] };
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<Both>(&json).unwrap(), v);
    }
}
