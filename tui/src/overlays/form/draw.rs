//! A form on screen: each field on a line of its own, its error beside it where there is room
//! and under it where there is not, wrapped at word boundaries; the box grows to hold them.

use super::Form;
use crate::footer;
use crate::keymap::Context;
use crate::layout::centered;
use crate::overlays::dialog_box::{clear, dialog_box};
use crate::text::wrap;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const WIDTH: u16 = 76;
const INPUT_WIDTH: u16 = 32;
/// Narrower than this beside the input, an error goes under the field instead.
const BESIDE: u16 = 24;

/// Where a field's parts go, in rows from the top of the box's inside.
struct Placed {
    row: u16,
    error: Vec<String>,
}

struct Layout {
    area: Rect,
    label_width: u16,
    input_width: u16,
    /// The column of the errors, from the box's inside, and whether they sit beside.
    error_x: u16,
    beside: bool,
    fields: Vec<Placed>,
    /// The form's notice, wrapped, and the row it starts on.
    notice: Vec<String>,
    notice_row: u16,
}

impl Form {
    fn layout(&self, size: Rect) -> Layout {
        let label_width = self.fields.iter().map(|f| f.label.len()).max().unwrap_or(0) as u16 + 2;
        let width = WIDTH.min(size.width);
        let inner = width.saturating_sub(2);
        let input_width = inner.saturating_sub(label_width + 1).min(INPUT_WIDTH);
        let beside_x = label_width + input_width + 1;
        let beside = inner.saturating_sub(beside_x) >= BESIDE;
        let (error_x, error_width) = if beside {
            (beside_x, inner - beside_x)
        } else {
            (label_width, inner.saturating_sub(label_width))
        };
        let mut row = 0u16;
        let mut fields = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            let error = field
                .error
                .as_deref()
                .map(|e| wrap(e, usize::from(error_width)))
                .unwrap_or_default();
            let lines = error.len() as u16;
            let rows = if beside { lines.max(1) } else { 1 + lines };
            fields.push(Placed { row, error });
            // A blank row after each field.
            row += rows + 1;
        }
        let notice = self
            .notice()
            .map(|n| wrap(n, usize::from(inner)))
            .unwrap_or_default();
        let notice_row = row;
        // A blank row after the notice too.
        let row = row + notice.len() as u16 + u16::from(!notice.is_empty());
        let hints = footer::hint_lines(Context::Form, &Theme::plain(), usize::from(inner)).len();
        // The hints, then the borders.
        let height = row + hints as u16 + 2;
        Layout {
            area: centered(size, width, height),
            label_width,
            input_width,
            error_x,
            beside,
            fields,
            notice,
            notice_row,
        }
    }

    /// Each field with its error, the cursor in the focused one, the keys' hint last.
    pub fn draw(&self, frame: &mut Frame, size: Rect, theme: &Theme) {
        let layout = self.layout(size);
        let area = layout.area;
        clear(frame, area);
        let title = self.title();
        let block = dialog_box(&title, theme);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let label_width = layout.label_width;
        let input_width = layout.input_width;
        // The last rows hold the hints; nothing else may take them.
        let hints = footer::hint_lines(Context::Form, theme, usize::from(inner.width));
        let bottom = inner.bottom().saturating_sub(hints.len() as u16);
        for (i, (field, placed)) in self.fields.iter().zip(&layout.fields).enumerate() {
            let y = inner.y + placed.row;
            if y >= bottom {
                break;
            }
            let focused = i == self.focus;
            let label_style = if focused { theme.key() } else { Style::new() };
            frame.render_widget(
                Paragraph::new(Span::styled(format!("{}:", field.label), label_style)),
                Rect::new(inner.x, y, label_width.min(inner.width), 1),
            );
            let input_area = Rect::new(inner.x + label_width, y, input_width, 1);
            let scroll = field
                .input
                .visual_scroll(usize::from(input_width.saturating_sub(1)));
            let input_style = Style::new().add_modifier(Modifier::UNDERLINED);
            frame.render_widget(
                Paragraph::new(field.input.value())
                    .style(input_style)
                    .scroll((0, scroll as u16)),
                input_area.intersection(inner),
            );
            let first = if layout.beside { y } else { y + 1 };
            for (n, line) in placed.error.iter().enumerate() {
                let row = first + n as u16;
                let x = inner.x + layout.error_x;
                if row >= bottom || x >= inner.right() {
                    break;
                }
                frame.render_widget(
                    Paragraph::new(Span::styled(line.as_str(), theme.error_text())),
                    Rect::new(x, row, inner.right() - x, 1),
                );
            }
            if focused {
                let cursor = field.input.visual_cursor().saturating_sub(scroll) as u16;
                frame.set_cursor_position((input_area.x + cursor.min(input_width), y));
            }
        }
        let style = if self.sending() {
            theme.dim()
        } else {
            theme.error_text()
        };
        for (n, line) in layout.notice.iter().enumerate() {
            let row = inner.y + layout.notice_row + n as u16;
            if row >= bottom {
                break;
            }
            frame.render_widget(
                Paragraph::new(Span::styled(line.as_str(), style)),
                Rect::new(inner.x, row, inner.width, 1),
            );
        }
        if bottom > inner.y {
            frame.render_widget(
                Paragraph::new(hints),
                Rect::new(inner.x, bottom, inner.width, inner.bottom() - bottom),
            );
        }
    }
}
