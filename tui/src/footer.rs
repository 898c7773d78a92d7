//! The footer: the keys that work where the operator is, as the key table hints them. A hint
//! is never cut in two: on a narrow screen the footer leaves some out (never the help's) and
//! says so with '…', and a dialog puts them on as many lines as they need.

use crate::keymap::{self, Context, Hint};
use crate::text::width;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, context: Context, theme: &Theme) {
    frame.render_widget(
        Paragraph::new(hint_line(context, theme, usize::from(area.width))),
        area,
    );
}

fn columns(hint: &Hint) -> usize {
    width(hint.keys) + 1 + width(hint.label) + 2
}

fn spans(hints: &[Hint], theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw(" ")];
    for hint in hints {
        spans.push(Span::styled(hint.keys, theme.key()));
        spans.push(Span::raw(format!(" {}  ", hint.label)));
    }
    spans
}

/// The hints of a context as one line of at most `room` columns.
pub fn hint_line(context: Context, theme: &Theme, room: usize) -> Line<'static> {
    let hints = keymap::hints(context);
    let total: usize = 1 + hints.iter().map(columns).sum::<usize>();
    if total <= room {
        return Line::from(spans(&hints, theme));
    }
    // The help's hint stays: it leads to every other key.
    let help = hints.iter().find(|h| h.keys == "?").copied();
    let reserved = 1 + 2 + help.as_ref().map_or(0, columns);
    let mut kept = Vec::new();
    let mut used = reserved;
    for hint in hints.iter().filter(|h| Some(**h) != help) {
        if used + columns(hint) > room {
            break;
        }
        used += columns(hint);
        kept.push(*hint);
    }
    let mut line = spans(&kept, theme);
    line.push(Span::raw("… "));
    if let Some(help) = help {
        line.push(Span::styled(help.keys, theme.key()));
        line.push(Span::raw(format!(" {}", help.label)));
    }
    Line::from(line)
}

/// The hints of a context on as many lines of at most `room` columns as they need.
pub fn hint_lines(context: Context, theme: &Theme, room: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut current: Vec<Hint> = Vec::new();
    let mut used = 1;
    for hint in keymap::hints(context) {
        if !current.is_empty() && used + columns(&hint) > room + 2 {
            lines.push(Line::from(spans(&current, theme)));
            current.clear();
            used = 1;
        }
        used += columns(&hint);
        current.push(hint);
    }
    if !current.is_empty() {
        lines.push(Line::from(spans(&current, theme)));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_narrow_footer_keeps_whole_hints_and_the_help() {
        let theme = Theme::plain();
        let wide = text(&hint_line(Context::Flights, &theme, 200));
        assert!(
            wide.contains("x delete") && wide.ends_with("q quit  "),
            "{wide}"
        );
        let narrow = text(&hint_line(Context::Flights, &theme, 60));
        assert!(width(&narrow) <= 60, "{narrow}");
        assert!(narrow.ends_with("… ? help"), "{narrow}");
        assert!(narrow.contains("n new  e edit"), "{narrow}");
        let lines: Vec<String> = hint_lines(Context::Form, &theme, 40)
            .iter()
            .map(text)
            .collect();
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| width(l.trim_end()) <= 40), "{lines:?}");
        assert!(lines.concat().contains("Esc cancel"), "{lines:?}");
    }
}
