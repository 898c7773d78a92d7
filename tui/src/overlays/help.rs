//! The help: every binding of the key table, by where it works. On a screen too short for all
//! of it, it scrolls.

use super::dialog_box::{clear, dialog_box};
use super::scroll::Scroll;
use crate::keymap::{self, Context};
use crate::layout::centered;
use crate::list::Step;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const WIDTH: u16 = 70;

#[derive(Clone, Debug, Default)]
pub struct Help {
    scroll: Scroll,
}

impl Help {
    pub fn scroll(&mut self, step: Step) {
        self.scroll.step(step);
    }

    /// Lays the help out at this screen size, so that scrolling stops at its last line.
    pub fn fit(&mut self, size: Rect) {
        let lines = lines(&Theme::plain()).len();
        let inner = area(size, lines).height.saturating_sub(2);
        self.scroll.fit(lines, inner);
    }

    pub fn draw(&self, frame: &mut Frame, size: Rect, theme: &Theme) {
        let lines = lines(theme);
        let area = area(size, lines.len());
        let title = match self.scroll.more() {
            (false, false) => "Keys".to_owned(),
            (false, true) => "Keys · ↓ more".to_owned(),
            (true, false) => "Keys · ↑ more".to_owned(),
            (true, true) => "Keys · ↑ ↓ more".to_owned(),
        };
        clear(frame, area);
        frame.render_widget(
            Paragraph::new(lines)
                .scroll((self.scroll.top(), 0))
                .block(dialog_box(&title, theme)),
            area,
        );
    }
}

/// Between the status bar and the footer, which says how to scroll and close it.
fn area(size: Rect, lines: usize) -> Rect {
    let height = u16::try_from(lines).unwrap_or(u16::MAX).saturating_add(2);
    let between = Rect::new(
        size.x,
        size.y.saturating_add(1),
        size.width,
        size.height.saturating_sub(2),
    );
    centered(between, WIDTH, height)
}

fn lines(theme: &Theme) -> Vec<Line<'static>> {
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
    lines
}

#[cfg(test)]
mod tests {
    use crate::fixtures::*;
    use crate::msg::Msg;
    use crate::theme::Theme;
    use crossterm::event::KeyCode;

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

    #[test]
    fn help_scrolls_where_the_screen_is_too_short_for_it() {
        const FIRST: &str = "next / previous pane";
        const LAST: &str = "Mouse: a click focuses";
        for (width, height) in [(80, 24), (60, 20)] {
            let mut console = loaded(width, height, Theme::plain());
            console.update(ch('?'));
            let screen = text(&render(&console));
            assert!(screen.contains(FIRST) && !screen.contains(LAST), "{screen}");
            assert!(screen.contains("↓ more"), "{screen}");

            console.update(key(KeyCode::End));
            let screen = text(&render(&console));
            assert!(screen.contains(LAST) && !screen.contains(FIRST), "{screen}");
            assert!(screen.contains("↑ more"), "{screen}");
            // Past the end it stays on the last page, so one key up leaves it at once.
            console.update(key(KeyCode::Down));
            assert!(text(&render(&console)).contains(LAST));
            console.update(ch('k'));
            let screen = text(&render(&console));
            assert!(!screen.contains(LAST), "{screen}");

            console.update(key(KeyCode::Home));
            console.update(key(KeyCode::PageDown));
            let screen = text(&render(&console));
            assert!(!screen.contains(FIRST), "a page down: {screen}");
            console.update(ch('g'));
            console.update(ch('j'));
            let screen = text(&render(&console));
            assert!(
                !screen.contains("Everywhere") && screen.contains(FIRST),
                "{screen}"
            );

            // A taller window shows it all again.
            console.update(Msg::Resize(140, 60));
            let screen = text(&render(&console));
            assert!(
                screen.contains("Everywhere") && screen.contains(LAST),
                "{screen}"
            );
        }
    }
}
