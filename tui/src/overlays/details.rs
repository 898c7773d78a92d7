//! An audit entry's details: the whole entry as pretty JSON, scrolled with the keys.

use super::dialog_box::dialog_box;
use crate::layout::centered;
use crate::list::Step;
use crate::panes::audit_row::number;
use crate::theme::Theme;
use flightdeck_core::contract::AuditEntry;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

/// Lines a page key scrolls.
const PAGE: u16 = 10;

#[derive(Clone, Debug)]
pub struct Details {
    entry: Box<AuditEntry>,
    scroll: u16,
}

impl Details {
    pub fn new(entry: Box<AuditEntry>) -> Self {
        Self { entry, scroll: 0 }
    }

    pub fn scroll(&mut self, step: Step) {
        self.scroll = match step {
            Step::Up => self.scroll.saturating_sub(1),
            Step::Down => self.scroll.saturating_add(1),
            Step::PageUp => self.scroll.saturating_sub(PAGE),
            Step::PageDown => self.scroll.saturating_add(PAGE),
            Step::First => 0,
            Step::Last => self.scroll,
        };
    }

    pub fn draw(&self, frame: &mut Frame, size: Rect, theme: &Theme) {
        let entry = &self.entry;
        let json = serde_json::to_string_pretty(entry)
            .unwrap_or_else(|e| format!("cannot show this entry: {e}"));
        let lines: Vec<Line> = json.lines().map(|l| Line::from(l.to_owned())).collect();
        let area = centered(size, 90, size.height.saturating_sub(4));
        let title = format!(
            "{} · {} #{}",
            entry.meta_data.event_name,
            entry.event_type,
            number(entry)
        );
        // Scrolled past the end, the last page stays in view.
        let max_scroll = (lines.len() as u16).saturating_sub(area.height.saturating_sub(2));
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(lines)
                .scroll((self.scroll.min(max_scroll), 0))
                .block(dialog_box(&title, theme)),
            area,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::*;
    use crate::theme::Theme;
    use crossterm::event::KeyCode;

    #[test]
    fn audit_details_show_the_full_entry_as_pretty_json() {
        let mut console = loaded(140, 40, Theme::plain());
        console.update(ch('3'));
        console.update(key(KeyCode::Down));
        console.update(key(KeyCode::Enter));
        let screen = snapshot("audit_details", &console);
        // The title numbers the entry by its position in the whole log, as the pane does.
        assert!(screen.contains("Board passenger · Board #3"));
        assert!(screen.contains(r#""name": "Ann Lee","#));
        assert!(screen.contains(r#""eventTypeOperation": 2,"#));
    }
}
