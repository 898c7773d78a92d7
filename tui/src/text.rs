//! Text as a line of the screen can hold it: one line, cut to a width with an ellipsis, or
//! wrapped at word boundaries. Widths are terminal columns (a CJK character takes two, a
//! combining mark none), and a mark is never parted from the letter it sits on.

use unicode_width::UnicodeWidthChar;
use unicode_width::UnicodeWidthStr;

const ELLIPSIS: char = '…';

/// Line breaks and other control characters would tear a line (a table row, the status bar)
/// apart: each becomes a space.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Columns the text takes on screen.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// The longest start of `s` that takes at most `columns`, with the marks on its last letter.
fn head(s: &str, columns: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = char_width(c);
        if w > 0 && used + w > columns {
            return &s[..i];
        }
        used += w;
    }
    s
}

/// The longest end of `s` that takes at most `columns`, starting on a letter, not a mark.
fn tail(s: &str, columns: usize) -> &str {
    let mut used = 0;
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        let w = char_width(c);
        if w == 0 {
            continue;
        }
        if used + w > columns {
            break;
        }
        used += w;
        start = i;
    }
    &s[start..]
}

/// `s` in at most `columns`, its end replaced by '…' when it does not fit.
pub fn fit(s: &str, columns: usize) -> String {
    if width(s) <= columns {
        return s.to_owned();
    }
    if columns == 0 {
        return String::new();
    }
    format!("{}{ELLIPSIS}", head(s, columns - 1))
}

/// `s` in at most `columns`, its middle replaced by '…': both ends of a URL or a path stay.
pub fn fit_middle(s: &str, columns: usize) -> String {
    if width(s) <= columns {
        return s.to_owned();
    }
    if columns == 0 {
        return String::new();
    }
    let room = columns - 1;
    let front = head(s, room.div_ceil(2));
    let back = tail(s, room - width(front));
    format!("{front}{ELLIPSIS}{back}")
}

/// Two texts with a separator in at most `columns`, each shortened with '…' only as far as it
/// must be, so that both ends show: a long origin never hides the destination.
pub fn fit_pair(left: &str, separator: &str, right: &str, columns: usize) -> String {
    let whole = width(left) + width(separator) + width(right);
    if whole <= columns {
        return format!("{left}{separator}{right}");
    }
    let room = columns.saturating_sub(width(separator));
    if room < 2 {
        return fit(&format!("{left}{separator}{right}"), columns);
    }
    let half = room / 2;
    let (l, r) = match (width(left) <= half, width(right) <= room - half) {
        (true, _) => (width(left), room - width(left)),
        (_, true) => (room - width(right), width(right)),
        _ => (half, room - half),
    };
    format!("{}{separator}{}", fit(left, l), fit(right, r))
}

/// `s` in lines of at most `columns`, broken at spaces; a word longer than a line is broken
/// where the line ends. Line breaks in `s` are kept.
pub fn wrap(s: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    for paragraph in s.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let mut word = word;
            loop {
                let gap = usize::from(!line.is_empty());
                if width(&line) + gap + width(word) <= columns {
                    if gap == 1 {
                        line.push(' ');
                    }
                    line.push_str(word);
                    break;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    continue;
                }
                // A word wider than a whole line: as much as fits, the rest on the next.
                let part = head(word, columns);
                let part = if part.is_empty() {
                    word.chars().next().map_or("", |c| &word[..c.len_utf8()])
                } else {
                    part
                };
                lines.push(part.to_owned());
                word = &word[part.len()..];
                if word.is_empty() {
                    break;
                }
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_an_ellipsis_by_columns() {
        assert_eq!(fit("SK101", 10), "SK101");
        assert_eq!(fit("LONGFLIGHTNUMBER", 10), "LONGFLIGH…");
        assert_eq!(fit("東京東京", 5), "東京…");
        assert_eq!(fit("東京東京", 4), "東…");
        assert_eq!(
            fit("e\u{301}e\u{301}e\u{301}", 2),
            "e\u{301}…",
            "the mark stays on its letter"
        );
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn fit_middle_keeps_both_ends() {
        let url = "http://flightdeck.operations.example.internal:5000/api";
        let short = fit_middle(url, 24);
        assert_eq!(width(&short), 24, "{short}");
        assert!(
            short.starts_with("http://fligh") && short.ends_with(":5000/api"),
            "{short}"
        );
        assert!(short.contains('…'));
        assert_eq!(fit_middle("abc", 3), "abc");
    }

    #[test]
    fn fit_pair_keeps_both_ends_of_a_route() {
        assert_eq!(fit_pair("OSL", " → ", "BGO", 20), "OSL → BGO");
        let long = "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        assert_eq!(fit_pair(long, " → ", "BGO", 15), "Aaaaaaaa… → BGO");
        assert_eq!(fit_pair("BGO", " → ", long, 15), "BGO → Aaaaaaaa…");
        let route = fit_pair(long, " → ", long, 15);
        assert_eq!(route, "Aaaaa… → Aaaaa…");
        let wide = fit_pair("東京東京東京", " → ", "大阪大阪大阪", 15);
        assert!(width(&wide) <= 15 && wide.contains("京… → 大阪"), "{wide}");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_long_words_where_they_must() {
        assert_eq!(
            wrap("origin is 300 characters long; at most 255 are allowed", 20),
            [
                "origin is 300",
                "characters long; at",
                "most 255 are allowed"
            ]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        assert_eq!(wrap("東京東京", 3), ["東", "京", "東", "京"]);
        for line in wrap("\"name\": \"Åsa 李小龍 with a very long name indeed\"", 9) {
            assert!(width(&line) <= 9, "{line}");
        }
    }
}
