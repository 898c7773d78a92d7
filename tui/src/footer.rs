//! The footer: the keys that work where the operator is, as the key table hints them.

use crate::keymap::{self, Context};
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, context: Context, theme: &Theme) {
    frame.render_widget(Paragraph::new(hint_line(context, theme)), area);
}

/// The hints of a context as one line: each key, then what it does.
pub fn hint_line(context: Context, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for hint in keymap::hints(context) {
        spans.push(Span::styled(hint.keys, theme.key()));
        spans.push(Span::raw(format!(" {}  ", hint.label)));
    }
    Line::from(spans)
}
