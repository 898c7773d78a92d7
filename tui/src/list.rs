//! A list's view: which rows pass the filter (indices into the data, in display order), which one
//! is selected, which one is shown first, and the filter itself while it is typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};
use unicode_normalization::UnicodeNormalization;

/// A move of the selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
}

/// Text as the filter compares it: case does not matter, nor whether an accent was typed as
/// one character or as a letter and a combining mark (the server stores NFC, a terminal or a
/// paste may send either). Lowercasing can decompose, so NFC comes last.
pub fn fold(text: &str) -> String {
    text.to_lowercase().nfc().collect()
}

/// A filter's text, folded, ready to be looked for in rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Needle(String);

impl Needle {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn admits(&self, text: &str) -> bool {
        self.0.is_empty() || fold(text).contains(&self.0)
    }

    /// As `admits`, for text folded once beforehand.
    pub fn admits_folded(&self, folded: &str) -> bool {
        self.0.is_empty() || folded.contains(&self.0)
    }
}

#[derive(Clone, Debug, Default)]
pub struct ListView {
    rows: Vec<usize>,
    selected: usize,
    offset: usize,
    filter: Input,
    editing: bool,
}

impl ListView {
    /// The shown rows, as indices into the list's data.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// The selected row's place among the shown rows.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The place of the first row on screen.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The data index of the selected row.
    pub fn selected_row(&self) -> Option<usize> {
        self.rows.get(self.selected).copied()
    }

    pub fn filter(&self) -> &str {
        self.filter.value()
    }

    /// Whether keys go to the filter rather than the list.
    pub fn editing(&self) -> bool {
        self.editing
    }

    /// The filter as rows are compared with it.
    pub fn needle(&self) -> Needle {
        Needle(fold(self.filter.value().trim()))
    }

    /// Shows these rows and keeps the selection on `keep` (a place among them) if given, else
    /// where it was.
    pub fn show(&mut self, rows: Vec<usize>, keep: Option<usize>, height: usize) {
        self.rows = rows;
        let index = keep.unwrap_or(self.selected);
        self.select(index, height);
    }

    /// Shows nothing, from the top: the data is about to be replaced by another's.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.selected = 0;
        self.offset = 0;
    }

    /// Keeps the selection inside the rows and on screen.
    pub fn clamp(&mut self, height: usize) {
        if self.rows.is_empty() {
            self.selected = 0;
            self.offset = 0;
            return;
        }
        self.selected = self.selected.min(self.rows.len() - 1);
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(height));
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.clamp(height);
    }

    pub fn step(&mut self, step: Step, height: usize) {
        let page = height.max(1) as isize;
        let delta = match step {
            Step::Up => -1,
            Step::Down => 1,
            Step::PageUp => -page,
            Step::PageDown => page,
            Step::First => isize::MIN / 2,
            Step::Last => isize::MAX / 2,
        };
        self.move_by(delta, height);
    }

    pub fn select(&mut self, index: usize, height: usize) {
        self.selected = index;
        self.clamp(height);
    }

    /// Selects the first row and shows it at the top.
    pub fn select_first(&mut self, height: usize) {
        self.select(0, height);
        self.offset = 0;
    }

    /// A row shown above all others: the selection stays on its row, or moves to the new one.
    pub fn push_front(&mut self, row: usize, select_it: bool) {
        self.rows.insert(0, row);
        if select_it {
            self.selected = 0;
            self.offset = 0;
        } else {
            self.selected += 1;
            self.offset += 1;
        }
    }

    pub fn start_filter(&mut self) {
        self.editing = true;
    }

    pub fn stop_filter(&mut self) {
        self.editing = false;
    }

    /// Empties the filter; says whether it held anything.
    pub fn clear_filter(&mut self) -> bool {
        let had = !self.filter.value().is_empty();
        self.filter.reset();
        had
    }

    /// Types a key into the filter; says whether its text changed.
    pub fn type_filter(&mut self, key: KeyEvent) -> bool {
        let request = match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                InputRequest::InsertChar(c)
            }
            KeyCode::Char('u') => InputRequest::DeleteLine,
            KeyCode::Backspace => InputRequest::DeletePrevChar,
            KeyCode::Delete => InputRequest::DeleteNextChar,
            KeyCode::Left => InputRequest::GoToPrevChar,
            KeyCode::Right => InputRequest::GoToNextChar,
            _ => return false,
        };
        self.filter.handle(request).is_some_and(|c| c.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_compares_nfc_forms_and_ignores_case() {
        let stored = "Cafe\u{301} Zu\u{308}rich";
        let typed = |text: &str| {
            let mut view = ListView::default();
            for c in text.chars() {
                view.type_filter(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            }
            view.needle()
        };
        assert!(typed("caf\u{e9}").admits(stored), "é as one character");
        assert!(typed("CAF\u{c9} Z\u{dc}").admits(stored), "in capitals");
        assert!(
            typed("cafe\u{301}").admits("Caf\u{e9}"),
            "the other way round"
        );
        assert!(!typed("cafe ").admits(stored), "an accent still counts");
    }
}
