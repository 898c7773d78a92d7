//! The three panes. Each draws only the rows that fit: the table is built from the visible slice
//! of the filtered rows, so a pane costs the same with ten entries or a hundred thousand.

pub mod audit;
pub mod flights;
pub mod passengers;

use crate::app::{App, Focus, ListView};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

/// The pane's frame: its number and name, how many rows pass the filter, and the filter.
pub fn block<'a>(
    app: &App,
    focus: Focus,
    name: &str,
    view: &ListView,
    total: usize,
    extra: String,
) -> Block<'a> {
    let focused = app.focus == focus && app.overlay.is_none();
    let number = match focus {
        Focus::Flights => 1,
        Focus::Passengers => 2,
        Focus::Audit => 3,
    };
    let count = if view.rows.len() == total {
        format!("{total}")
    } else {
        format!("{} of {total}", view.rows.len())
    };
    let mut spans = vec![Span::styled(
        format!(" {number} {name} ({count}){extra} "),
        app.theme.border(focused),
    )];
    if view.editing || !view.filter.value().is_empty() {
        let cursor = if view.editing { "▏" } else { "" };
        spans.push(Span::styled(
            format!("/{}{cursor} ", view.filter.value()),
            app.theme.key(),
        ));
    }
    Block::default()
        .title(Line::from(spans))
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(app.theme.border(focused))
}

/// The visible slice of the view's rows and the selected row's place in it.
pub fn visible(view: &ListView, area: Rect) -> (&[usize], Option<usize>) {
    let height = crate::ui::list_height(area);
    let start = view.offset.min(view.rows.len());
    let end = (start + height).min(view.rows.len());
    let selected = (view.selected >= start && view.selected < end).then(|| view.selected - start);
    (&view.rows[start..end], selected)
}

pub fn row_style(app: &App, focus: Focus) -> Style {
    app.theme
        .selected(app.focus == focus && app.overlay.is_none())
}
