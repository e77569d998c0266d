//! "Try it with sample data": a synthetic customer file the project makes itself, with five
//! documented personas, so a new user sees the whole journey without a file of their own.
//!
//! | persona | customers | age | income (k$) | spending score | visits / month |
//! |---|---|---|---|---|---|
//! | High-value regulars | 60 | 32–45 | ~95 | ~82 | ~9 |
//! | Careful high earners | 55 | 45–60 | ~90 | ~18 | ~2 |
//! | Young enthusiasts | 50 | 18–27 | ~30 | ~78 | ~7 |
//! | Budget-minded retirees | 65 | 55–70 | ~28 | ~20 | ~2 |
//! | Middle of the road | 70 | 28–42 | ~58 | ~50 | ~4 |
//!
//! Values are drawn from a seeded ChaCha8 stream with Irwin–Hall noise (sums of uniforms,
//! no libm), so the file is byte-for-byte the same natively and in the browser.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The file name the sample goes by.
pub const SAMPLE_FILE_NAME: &str = "sample-customers.csv";

struct Persona {
    count: usize,
    age: (u64, u64),
    income: f64,
    spending: f64,
    visits: f64,
}

const PERSONAS: [Persona; 5] = [
    Persona { count: 60, age: (32, 45), income: 95.0, spending: 82.0, visits: 9.0 },
    Persona { count: 55, age: (45, 60), income: 90.0, spending: 18.0, visits: 2.0 },
    Persona { count: 50, age: (18, 27), income: 30.0, spending: 78.0, visits: 7.0 },
    Persona { count: 65, age: (55, 70), income: 28.0, spending: 20.0, visits: 2.0 },
    Persona { count: 70, age: (28, 42), income: 58.0, spending: 50.0, visits: 4.0 },
];

fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Roughly normal noise with the given standard deviation (Irwin–Hall of 12 uniforms).
fn noise(rng: &mut ChaCha8Rng, sd: f64) -> f64 {
    ((0..12).map(|_| uniform(rng)).sum::<f64>() - 6.0) * sd
}

/// The sample file as CSV text (header + 300 customers, shuffled).
pub fn sample_customers_csv() -> String {
    customers_csv(1)
}

/// The sample's personas with `scale` times as many customers each (the same stream: a
/// `scale` of 1 is the sample itself). The engine's warm-up reads a larger one
/// (`worker::warm`).
pub fn customers_csv(scale: usize) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut rows: Vec<(String, u64, f64, f64, f64)> = Vec::new();
    for p in &PERSONAS {
        for _ in 0..p.count * scale {
            let gender = if rng.next_u64() % 2 == 0 { "Female" } else { "Male" };
            let age = p.age.0 + rng.next_u64() % (p.age.1 - p.age.0 + 1);
            let income = (p.income + noise(&mut rng, 6.0)).round().max(8.0);
            let spending = (p.spending + noise(&mut rng, 6.0)).round().clamp(1.0, 100.0);
            let visits = (p.visits + noise(&mut rng, 1.2)).round().max(0.0);
            rows.push((gender.to_owned(), age, income, spending, visits));
        }
    }
    // Fisher–Yates with the same stream: personas are not in blocks.
    for i in (1..rows.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        rows.swap(i, j);
    }
    let mut out = String::from("CustomerID,Gender,Age,Annual Income (k$),Spending Score (1-100),Visits per Month\n");
    for (i, (gender, age, income, spending, visits)) in rows.iter().enumerate() {
        out.push_str(&format!("C{:04},{gender},{age},{income},{spending},{visits}\n", i + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clean::CleaningOptions;
    use crate::core::ingest::IngestOptions;
    use crate::core::pipeline::{clean, load, segment, SegmentOptions};

    #[test]
    fn the_sample_is_stable_and_shaped_as_documented() {
        let csv = sample_customers_csv();
        assert_eq!(csv, sample_customers_csv());
        assert_eq!(csv.lines().count(), 301);
        assert!(csv.starts_with("CustomerID,Gender,Age,Annual Income (k$),Spending Score (1-100),Visits per Month\nC0001,"));
    }

    #[test]
    fn the_sample_segments_into_its_five_personas() {
        let file = load(SAMPLE_FILE_NAME, sample_customers_csv().as_bytes(), &IngestOptions::default(), &mut |_| {}).unwrap();
        let options = CleaningOptions::suggested(&file.profile);
        let names: Vec<&str> = options.numeric.iter().map(|f| file.table.headers[f.column].as_str()).collect();
        assert_eq!(names, ["Age", "Annual Income (k$)", "Spending Score (1-100)", "Visits per Month"]);
        let cleaned = clean(&file, &options).unwrap();
        let s = segment(&file, &cleaned, &SegmentOptions::new(5, 42)).unwrap();
        let mut sizes: Vec<usize> = s.segments.iter().map(|x| x.size).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, [50, 55, 60, 65, 70]);
        assert!(
            s.segments.iter().any(|x| x.persona.as_deref() == Some("High-value customers")),
            "{:?}",
            s.segments.iter().map(|x| &x.name).collect::<Vec<_>>()
        );
    }
}
