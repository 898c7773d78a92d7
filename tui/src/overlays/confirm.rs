//! The confirmation before a flight is deleted with its passengers: `y` deletes, any other key
//! keeps it.

use super::dialog_box::{clear, dialog_box};
use crate::layout::centered;
use crate::theme::Theme;
use flightdeck_core::contract::Flight;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

#[derive(Clone, Debug)]
pub struct ConfirmDelete {
    flight: Flight,
}

impl ConfirmDelete {
    pub fn new(flight: Flight) -> Self {
        Self { flight }
    }

    pub fn flight(&self) -> &Flight {
        &self.flight
    }

    pub fn draw(&self, frame: &mut Frame, size: Rect, theme: &Theme) {
        let flight = &self.flight;
        let passengers = flight
            .passenger_count
            .map(|n| format!(" and its {n} passenger{}", if n == 1 { "" } else { "s" }))
            .unwrap_or_else(|| " and its passengers".to_owned());
        let text = vec![
            Line::from(format!(
                "Delete flight {} ({} → {}){passengers}?",
                flight.flight_number, flight.origin, flight.destination
            )),
            Line::from(""),
            Line::from(vec![
                Span::styled("y", theme.key()),
                Span::raw(" delete   "),
                Span::styled("any other key", theme.key()),
                Span::raw(" keep it"),
            ]),
        ];
        let area = centered(size, 60, 5);
        clear(frame, area);
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .block(dialog_box("Delete flight", theme)),
            area,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::*;
    use crate::msg::Command;
    use crate::overlays::Overlay;
    use crossterm::event::KeyCode;

    #[test]
    fn esc_cancels_a_form_and_delete_needs_y() {
        let mut console = fixture();
        console.update(ch('a'));
        assert!(matches!(console.overlay(), Some(Overlay::Form(_))));
        assert!(console.update(key(KeyCode::Esc)).is_empty());
        assert!(console.overlay().is_none());
        console.update(key(KeyCode::Delete));
        assert!(matches!(console.overlay(), Some(Overlay::ConfirmDelete(_))));
        assert!(runs(&console.update(ch('n'))).is_empty());
        assert_eq!(toast(&console), "Kept flight SK101");
        console.update(ch('x'));
        assert!(
            matches!(runs(&console.update(ch('y')))[..], [Command::Delete(f)] if f.flight_number == "SK101")
        );
    }

    #[test]
    fn delete_asks_for_confirmation() {
        let mut console = loaded(100, 30, crate::theme::Theme::plain());
        console.update(ch('x'));
        let screen = snapshot("confirm_delete", &console);
        assert!(screen.contains("Delete flight SK101 (ARN → CPH) and its 3 passengers?"));
        assert!(screen.contains("y delete"));
    }
}
