//! Bytes → text, with the encoding named and every invalid byte sequence counted.

use std::borrow::Cow;

use super::IngestError;

/// Text decoded from a file's bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// The encoding's name (`UTF-8`, `UTF-16LE`, `windows-1252`, ...).
    pub encoding: &'static str,
    /// Why this encoding, for the page.
    pub reason: String,
    /// Byte sequences that were not valid in that encoding, each replaced by U+FFFD.
    pub bad_sequences: usize,
}

/// Decodes bytes to text: the user's encoding if given; else a BOM decides (UTF-8,
/// UTF-16LE/BE); else UTF-8 when the file is UTF-8 (a few invalid sequences in a file that
/// is otherwise UTF-8 become U+FFFD in their cells only); else Windows-1252, the encoding
/// of most non-UTF-8 spreadsheet exports.
pub fn decode<'a>(bytes: &'a [u8], forced: Option<&str>) -> Result<Decoded<'a>, IngestError> {
    let decoded = if let Some(enc) = forced.and_then(|label| encoding_rs::Encoding::for_label(label.trim().as_bytes())) {
        let (text, had_errors) = enc.decode_with_bom_removal(bytes);
        let bad_sequences = if had_errors { text.matches('\u{FFFD}').count() } else { 0 };
        Decoded { text, encoding: enc.name(), reason: "chosen by you".to_owned(), bad_sequences }
    } else if let Some((enc, _bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_with_bom_removal(bytes);
        let bad_sequences = if had_errors { text.matches('\u{FFFD}').count() } else { 0 };
        Decoded { text, encoding: enc.name(), reason: "the file starts with a byte-order mark".to_owned(), bad_sequences }
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        Decoded { text: Cow::Borrowed(text), encoding: "UTF-8", reason: "every byte sequence is valid UTF-8".to_owned(), bad_sequences: 0 }
    } else {
        let evidence = utf8_evidence(bytes);
        if evidence.is_utf8() {
            Decoded {
                text: String::from_utf8_lossy(bytes),
                encoding: "UTF-8",
                reason: format!(
                    "{} characters are valid UTF-8 and {} byte sequences are not: read as UTF-8, the invalid bytes shown as �",
                    evidence.valid_multibyte, evidence.invalid
                ),
                bad_sequences: evidence.invalid,
            }
        } else {
            let (text, _had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Decoded {
                text,
                encoding: encoding_rs::WINDOWS_1252.name(),
                reason: "not UTF-8 (accented letters are single bytes): read as Windows-1252 (Latin-1)".to_owned(),
                bad_sequences: 0,
            }
        }
    };
    if let Some(offset) = binary_offset(&decoded.text) {
        return Err(IngestError::NotText { offset });
    }
    Ok(decoded)
}

/// How much of a file reads as UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Utf8Evidence {
    /// Valid characters of two or more bytes (accented letters, €, ...).
    valid_multibyte: usize,
    /// Maximal invalid sequences (each becomes one U+FFFD, as `from_utf8_lossy` does).
    invalid: usize,
}

impl Utf8Evidence {
    /// A Windows-1252 file almost never holds a valid multi-byte UTF-8 sequence (its accented
    /// letters are single bytes followed by ASCII), and holds an invalid one for nearly every
    /// accented letter. A UTF-8 file damaged in a few cells holds valid sequences and a few
    /// invalid ones. So: UTF-8 when there is valid evidence and the invalid sequences are
    /// few, or far fewer than the valid ones.
    fn is_utf8(self) -> bool {
        self.valid_multibyte > 0 && (self.invalid <= 16 || self.invalid * 4 <= self.valid_multibyte)
    }
}

fn utf8_evidence(bytes: &[u8]) -> Utf8Evidence {
    let mut evidence = Utf8Evidence { valid_multibyte: 0, invalid: 0 };
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                evidence.valid_multibyte += count_multibyte(valid.as_bytes());
                return evidence;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                evidence.valid_multibyte += count_multibyte(valid);
                evidence.invalid += 1;
                match e.error_len() {
                    Some(len) => rest = after.get(len..).unwrap_or(&[]),
                    None => return evidence,
                }
            }
        }
    }
}

/// Characters of two or more bytes in valid UTF-8: their lead bytes.
fn count_multibyte(valid: &[u8]) -> usize {
    valid.iter().filter(|&&b| b >= 0xC0).count()
}

/// Position of the first sign that the text is binary: a NUL, or too many control characters.
fn binary_offset(text: &str) -> Option<usize> {
    let mut controls = 0usize;
    for (i, c) in text.char_indices().take(64 * 1024) {
        if c == '\0' {
            return Some(i);
        }
        if c.is_control() && !matches!(c, '\t' | '\r' | '\n' | '\x0c') {
            controls += 1;
            if controls > 8 {
                return Some(i);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_bad_bytes_in_utf8_stay_utf8() {
        let bytes = "name\nFrançoise\nZürich\n".bytes().chain(*b"M\xfcller\xff\xc3(\n").collect::<Vec<u8>>();
        let d = decode(&bytes, None).unwrap();
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.contains("Françoise") && d.text.contains("Zürich"));
        assert_eq!(d.bad_sequences, 3);
        assert!(d.text.contains("M\u{FFFD}ller\u{FFFD}\u{FFFD}("));
    }

    #[test]
    fn windows_1252_files_are_read_as_such() {
        let d = decode(b"name\nFran\xe7oise\nZ\xfcrich\nJos\xe9\n", None).unwrap();
        assert_eq!((d.encoding, d.bad_sequences), ("windows-1252", 0));
        assert!(d.text.contains("Françoise") && d.text.contains("José"));
    }

    #[test]
    fn the_users_encoding_wins() {
        let d = decode(b"name\nFran\xc3\xa7oise\n", Some("windows-1252")).unwrap();
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("FranÃ§oise"));
        let d = decode(b"name\nJos\xe9\n", Some("utf-8")).unwrap();
        assert_eq!((d.encoding, d.bad_sequences), ("UTF-8", 1));
    }
}
