//! The rule every free-text field follows: trimmed, not empty, at most 255 characters, printable,
//! and stored in Unicode's composed form (NFC), so that text which looks the same is the same.

use crate::error::{DomainError, MAX_FIELD_CHARS};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Checks a field as an operator typed it and returns it trimmed and in NFC.
pub fn field(field: &'static str, raw: &str) -> Result<String, DomainError> {
    let text: String = raw.trim().nfc().collect();
    if text.is_empty() {
        return Err(DomainError::Empty { field });
    }
    let chars = text.chars().count();
    if chars > MAX_FIELD_CHARS {
        return Err(DomainError::TooLong { field, chars });
    }
    if let Some(c) = text.chars().find(|c| unprintable(*c)) {
        return Err(DomainError::ControlCharacter {
            field,
            found: format!("U+{:04X}", c as u32),
        });
    }
    if !text.chars().any(|c| !c.is_whitespace() && !joiner(c)) {
        // Only joiners and spaces: nothing an operator could read back.
        return Err(DomainError::Empty { field });
    }
    Ok(text)
}

/// Control characters, and format characters (category Cf: zero-width spaces, direction
/// overrides, byte-order marks), which change how text looks or reads without being seen.
fn unprintable(c: char) -> bool {
    c.is_control() || (c.general_category() == GeneralCategory::Format && !joiner(c))
}

/// The zero-width joiner and non-joiner are format characters that some scripts (Persian,
/// the Indic scripts) and emoji sequences need inside words; they are allowed there.
fn joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_unicode() {
        assert_eq!(field("name", "  Åsa Öberg 李 ").unwrap(), "Åsa Öberg 李");
        assert_eq!(
            field("name", "می\u{200C}خواهم").unwrap(),
            "می\u{200C}خواهم",
            "a Persian word with its non-joiner"
        );
    }

    #[test]
    fn refuses_empty_long_and_control() {
        assert_eq!(
            field("origin", " \t "),
            Err(DomainError::Empty { field: "origin" })
        );
        let long = "x".repeat(256);
        assert_eq!(
            field("origin", &long),
            Err(DomainError::TooLong {
                field: "origin",
                chars: 256
            })
        );
        assert!(
            field("origin", &"é".repeat(255)).is_ok(),
            "255 characters, more bytes"
        );
        let err = field("name", "Ann\u{7}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "name contains a control character (U+0007); use printable text"
        );
    }

    #[test]
    fn refuses_invisible_format_characters() {
        for (text, found) in [
            ("\u{200B}", "U+200B"),
            ("OSL\u{202E}", "U+202E"),
            ("\u{FEFF}Ann", "U+FEFF"),
            ("A\u{2066}nn", "U+2066"),
        ] {
            assert_eq!(
                field("origin", text),
                Err(DomainError::ControlCharacter {
                    field: "origin",
                    found: found.into()
                }),
                "{text:?}"
            );
        }
        assert_eq!(
            field("name", "\u{200D}"),
            Err(DomainError::Empty { field: "name" })
        );
    }

    #[test]
    fn stores_the_composed_form() {
        let decomposed = "Zoe\u{0308}";
        let composed = "Zo\u{00EB}";
        assert_eq!(field("name", decomposed).unwrap(), composed);
        assert_eq!(field("name", composed).unwrap(), composed);
    }
}
