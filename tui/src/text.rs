//! Text as a line of the screen can hold it.

/// Line breaks and other control characters would tear a line (a table row, the status bar)
/// apart: each becomes a space.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
