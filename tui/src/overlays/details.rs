//! An audit entry's details: the whole entry as pretty JSON, scrolled with the keys.

use super::dialog_box::{clear, dialog_box};
use super::scroll::Scroll;
use crate::layout::centered;
use crate::list::Step;
use crate::panes::audit_row::number;
use crate::text::{one_line, width, wrap};
use crate::theme::Theme;
use flightdeck_core::contract::AuditEntry;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const WIDTH: u16 = 90;

#[derive(Clone, Debug)]
pub struct Details {
    entry: Box<AuditEntry>,
    scroll: Scroll,
}

impl Details {
    pub fn new(entry: Box<AuditEntry>) -> Self {
        Self {
            entry,
            scroll: Scroll::default(),
        }
    }

    pub fn scroll(&mut self, step: Step) {
        self.scroll.step(step);
    }

    /// Lays the entry out at this screen size, so that scrolling stops at its last line.
    pub fn fit(&mut self, size: Rect) {
        let area = area(size);
        let lines = self.lines(area.width.saturating_sub(2)).len();
        self.scroll.fit(lines, area.height.saturating_sub(2));
    }

    /// The entry as pretty JSON, each line wrapped to `columns` under its own indentation,
    /// so that a long value is read whole rather than cut at the box's edge.
    fn lines(&self, columns: u16) -> Vec<String> {
        let json = serde_json::to_string_pretty(&self.entry)
            .unwrap_or_else(|e| format!("cannot show this entry: {e}"));
        let columns = usize::from(columns).max(8);
        let mut lines = Vec::new();
        for line in json.lines() {
            let line = one_line(line);
            let body = line.trim_start();
            let indent = &line[..line.len() - body.len()];
            // Deep indentation must not leave a value a column or two.
            let indent = if width(indent) + 8 > columns {
                ""
            } else {
                indent
            };
            let room = columns - width(indent);
            for (n, part) in wrap(body, room - 2).into_iter().enumerate() {
                let more = if n == 0 { "" } else { "  " };
                lines.push(format!("{indent}{more}{part}"));
            }
        }
        lines
    }

    pub fn draw(&self, frame: &mut Frame, size: Rect, theme: &Theme) {
        let entry = &self.entry;
        let area = area(size);
        let lines: Vec<Line> = self
            .lines(area.width.saturating_sub(2))
            .into_iter()
            .map(Line::from)
            .collect();
        let more = match self.scroll.more() {
            (false, false) => "",
            (false, true) => " · ↓ more",
            (true, false) => " · ↑ more",
            (true, true) => " · ↑ ↓ more",
        };
        let title = format!(
            "{} · {} #{}{more}",
            one_line(&entry.meta_data.event_name),
            one_line(&entry.event_type),
            number(entry)
        );
        clear(frame, area);
        frame.render_widget(
            Paragraph::new(lines)
                .scroll((self.scroll.top(), 0))
                .block(dialog_box(&title, theme)),
            area,
        );
    }
}

fn area(size: Rect) -> Rect {
    centered(size, WIDTH, size.height.saturating_sub(4))
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

    #[test]
    fn a_long_value_is_wrapped_whole_and_the_end_can_be_reached() {
        use crate::msg::Msg;
        use flightdeck_core::EventTypeOperation;
        let long = format!("{} end-of-the-name", "Åsa Öberg-Lindqvist ".repeat(12));
        let mut console = loaded(60, 20, Theme::plain());
        console.update(Msg::Audit(entry(
            5,
            "Rename passenger",
            EventTypeOperation::Update,
            serde_json::json!({"id": uuid::Uuid::from_u128(7), "name": long, "status": 1}),
        )));
        console.update(ch('3'));
        console.update(key(KeyCode::Enter));
        console.update(key(KeyCode::End));
        let screen = text(&render(&console));
        assert!(screen.contains("end-of-the-name"), "{screen}");
        assert!(
            screen.contains(r#""position": 5"#),
            "the last line: {screen}"
        );
        assert!(screen.contains("↑ more"), "{screen}");
        for line in screen.lines() {
            assert!(
                !line.contains("Lindqvi ") && !line.contains("Åsa Ö║"),
                "{line}"
            );
        }
        console.update(key(KeyCode::Home));
        let screen = text(&render(&console));
        assert!(
            screen.contains(r#""created""#) && screen.contains("↓ more"),
            "{screen}"
        );
    }
}

#[cfg(test)]
mod wide {
    use crate::fixtures::*;
    use crate::msg::Msg;
    use crate::theme::Theme;
    use crossterm::event::KeyCode;
    use flightdeck_core::FlightStatus;

    /// Wherever a wide character falls under the box's left edge, the edge is drawn.
    #[test]
    fn a_wide_character_under_a_dialogs_edge_leaves_the_border_whole() {
        for pad in 0..30 {
            let mut console = loaded(140, 40, Theme::plain());
            let mut tokyo = flights();
            tokyo[0] = flight(
                1,
                "JL5",
                &format!("{}東京", "A".repeat(pad)),
                "羽田",
                FlightStatus::WaitingForBoarding,
                0,
                0,
            );
            console.update(Msg::Flights(Ok(tokyo)));
            console.update(ch('3'));
            console.update(key(KeyCode::Enter));
            let screen = text(&render(&console));
            for line in screen.lines().filter(|l| l.contains("JL5")) {
                assert_eq!(
                    line.matches('║').count(),
                    2,
                    "origin padded by {pad}: the box's edge is lost:\n{screen}"
                );
            }
        }
    }
}
