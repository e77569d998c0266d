//! Bytes → text, with the encoding named.

use std::borrow::Cow;

use super::IngestError;

/// Decodes bytes to text: a BOM decides (UTF-8, UTF-16LE/BE); else valid UTF-8; else
/// Windows-1252, the encoding of most non-UTF-8 spreadsheet exports.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), IngestError> {
    let (text, encoding): (Cow<'_, str>, &'static str) = if let Some((enc, _bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _had_errors) = enc.decode_with_bom_removal(bytes);
        (text, enc.name())
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (Cow::Borrowed(text), "UTF-8")
    } else {
        let (text, _had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
        (text, encoding_rs::WINDOWS_1252.name())
    };
    if let Some(offset) = binary_offset(&text) {
        return Err(IngestError::NotText { offset });
    }
    Ok((text, encoding))
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
