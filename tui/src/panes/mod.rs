//! What the three panes share: the input a pane takes, moving and filtering its list, the mouse,
//! and its frame. Each pane draws only the rows that fit: the table is built from the visible
//! slice of the filtered rows, so a pane costs the same with ten entries or a hundred thousand.

pub mod audit;
pub mod audit_row;
pub mod flights;
pub mod passengers;

use crate::focus::Focus;
use crate::keymap::Action;
use crate::layout;
use crate::list::ListView;
use crate::theme::Theme;
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

/// What the root hands a pane.
#[derive(Clone, Copy, Debug)]
pub enum Input {
    Action(Action),
    /// A key typed into the filter.
    FilterKey(KeyEvent),
    /// The mouse over the pane, which sits at the `Rect`.
    Mouse(MouseEvent, Rect),
}

/// How a pane is drawn this frame.
#[derive(Clone, Copy, Debug)]
pub struct Look<'a> {
    pub theme: &'a Theme,
    /// It has the keys (and no dialog covers the screen).
    pub focused: bool,
}

/// What a pane's list did with the input every pane takes alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shared {
    Done,
    /// The filter changed: the pane shows the rows that pass it now.
    Refilter,
    /// The input is the pane's own.
    NotShared,
}

/// Moving, filtering and the mouse, the same in every pane.
pub fn shared(view: &mut ListView, input: &Input, height: usize) -> Shared {
    match input {
        Input::Action(Action::Move(step)) => view.step(*step, height),
        Input::Action(Action::Filter) => view.start_filter(),
        Input::Action(Action::KeepFilter) => view.stop_filter(),
        Input::Action(Action::ClearFilter) => {
            view.stop_filter();
            if view.clear_filter() {
                return Shared::Refilter;
            }
        }
        Input::FilterKey(key) => {
            if view.type_filter(*key) {
                return Shared::Refilter;
            }
        }
        Input::Mouse(mouse, area) => match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(row) = layout::row_at(*area, mouse.row) {
                    let index = view.offset() + row;
                    if index < view.rows().len() {
                        view.select(index, height);
                    }
                }
            }
            MouseEventKind::ScrollDown => view.move_by(3, height),
            MouseEventKind::ScrollUp => view.move_by(-3, height),
            _ => {}
        },
        Input::Action(_) => return Shared::NotShared,
    }
    Shared::Done
}

/// The pane's frame: its number and name, how many rows pass the filter, and the filter.
pub fn block<'a>(
    look: Look,
    focus: Focus,
    name: &str,
    view: &ListView,
    total: usize,
    extra: String,
) -> Block<'a> {
    let theme = look.theme;
    let count = if view.rows().len() == total {
        format!("{total}")
    } else {
        format!("{} of {total}", view.rows().len())
    };
    let mut spans = vec![Span::styled(
        format!(" {} {name} ({count}){extra} ", focus.number()),
        theme.border(look.focused),
    )];
    if view.editing() || !view.filter().is_empty() {
        let cursor = if view.editing() { "▏" } else { "" };
        spans.push(Span::styled(
            format!("/{}{cursor} ", view.filter()),
            theme.key(),
        ));
    }
    Block::default()
        .title(Line::from(spans))
        .borders(Borders::ALL)
        .border_type(if look.focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(theme.border(look.focused))
}

/// The visible slice of the view's rows and the selected row's place in it.
pub fn visible(view: &ListView, area: Rect) -> (&[usize], Option<usize>) {
    let height = layout::list_height(area);
    let rows = view.rows();
    let start = view.offset().min(rows.len());
    let end = (start + height).min(rows.len());
    let selected = view.selected();
    let selected = (selected >= start && selected < end).then(|| selected - start);
    (&rows[start..end], selected)
}

/// The widths the pane's table gives its columns: the sum ratatui's table does, so that a
/// cell's text can be cut to its column with an ellipsis rather than by the table, without.
pub fn column_widths(area: Rect, constraints: &[Constraint]) -> Vec<usize> {
    let inner = Rect::new(0, 0, area.width.saturating_sub(2), 1);
    Layout::horizontal(constraints.iter().copied())
        .flex(Flex::Start)
        .spacing(1)
        .split(inner)
        .iter()
        .map(|r| usize::from(r.width))
        .collect()
}

pub fn row_style(look: Look) -> Style {
    look.theme.selected(look.focused)
}
