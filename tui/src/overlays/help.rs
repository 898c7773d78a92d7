//! The help: every binding of the key table, by where it works.

use super::dialog_box::dialog_box;
use crate::keymap::{self, Context};
use crate::layout::centered;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

#[derive(Clone, Debug, Default)]
pub struct Help;

impl Help {
    pub fn draw(&self, frame: &mut Frame, size: Rect, theme: &Theme) {
        let mut lines = Vec::new();
        for context in Context::HELP {
            lines.push(Line::from(Span::styled(
                context.title(),
                Style::new().add_modifier(Modifier::BOLD),
            )));
            for binding in keymap::of(context) {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {:<20}", binding.keys), theme.key()),
                    Span::raw(binding.label),
                ]));
            }
        }
        lines.push(Line::from(
            "Mouse: a click focuses a pane and selects a row; the wheel scrolls.",
        ));
        let height = lines.len() as u16 + 2;
        let area = centered(size, 70, height);
        frame.render_widget(Clear, area);
        frame.render_widget(Paragraph::new(lines).block(dialog_box("Keys", theme)), area);
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::*;
    use crate::theme::Theme;

    #[test]
    fn help_overlay_lists_every_key() {
        let mut console = loaded(140, 40, Theme::plain());
        console.update(ch('?'));
        let screen = snapshot("help", &console);
        for key in [
            "Tab / Shift-Tab",
            "1 2 3",
            "PgUp PgDn Home End",
            "/",
            "q  Ctrl-C",
            "n",
            "x  Delete",
            "b  Enter",
            "f",
            "t",
        ] {
            assert!(screen.contains(key), "{key} missing from help");
        }
    }
}
