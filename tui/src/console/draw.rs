//! The whole screen: each component draws itself where the layout puts it, the open dialog last.
//! Drawing reads the state and never changes it.

use super::Console;
use crate::focus::Focus;
use crate::footer;
use crate::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use crate::panes::Look;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

impl Console {
    pub fn draw(&self, frame: &mut Frame) {
        let size = frame.area();
        let Some(areas) = layout::areas(size) else {
            let text = format!(
                "The window is {}×{}; flightdeck needs at least {MIN_WIDTH}×{MIN_HEIGHT}. Please make it bigger.",
                size.width, size.height
            );
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), size);
            return;
        };
        let theme = &self.theme;
        let look = |focus| Look {
            theme,
            focused: self.focus == focus && self.overlay.is_none(),
        };
        self.status
            .draw(frame, areas.status, self.running.as_deref(), theme);
        self.flights
            .draw(frame, areas.flights, look(Focus::Flights));
        self.passengers.draw(
            frame,
            areas.passengers,
            self.flights.selected(),
            look(Focus::Passengers),
        );
        self.audit.draw(frame, areas.audit, look(Focus::Audit));
        self.toasts.draw(frame, areas.toast, theme);
        footer::draw(frame, areas.footer, self.context(), theme);
        if let Some(overlay) = &self.overlay {
            overlay.draw(frame, size, theme);
        }
    }
}

#[cfg(test)]
mod tests;
