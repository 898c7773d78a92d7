//! The rule every free-text field follows: trimmed, not empty, at most 255 characters, printable.

use crate::error::{DomainError, MAX_FIELD_CHARS};

/// Checks a field as an operator typed it and returns it trimmed.
pub fn field(field: &'static str, raw: &str) -> Result<String, DomainError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(DomainError::Empty { field });
    }
    let chars = trimmed.chars().count();
    if chars > MAX_FIELD_CHARS {
        return Err(DomainError::TooLong { field, chars });
    }
    if let Some(c) = trimmed.chars().find(|c| c.is_control()) {
        return Err(DomainError::ControlCharacter {
            field,
            found: format!("U+{:04X}", c as u32),
        });
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_unicode() {
        assert_eq!(field("name", "  Åsa Öberg 李 ").unwrap(), "Åsa Öberg 李");
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
}
