//! Where everything goes on a screen of a given size: the status bar, the three panes, the toast
//! line and the footer, and the arithmetic of rows within a pane. Pure: no drawing.

use crate::focus::Focus;
use ratatui::layout::{Constraint, Layout, Rect};

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 20;
/// From this width on, the audit log gets its own column.
pub const WIDE: u16 = 120;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub status: Rect,
    pub flights: Rect,
    pub passengers: Rect,
    pub audit: Rect,
    pub toast: Rect,
    pub footer: Rect,
}

impl Areas {
    pub fn pane(&self, focus: Focus) -> Rect {
        match focus {
            Focus::Flights => self.flights,
            Focus::Passengers => self.passengers,
            Focus::Audit => self.audit,
        }
    }
}

/// The layout for a terminal of this size, or `None` when it is too small to be of use.
pub fn areas(size: Rect) -> Option<Areas> {
    if size.width < MIN_WIDTH || size.height < MIN_HEIGHT {
        return None;
    }
    let [status, main, toast, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(size);
    let (flights, passengers, audit) = if size.width >= WIDE {
        let [left, audit] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(main);
        let [flights, passengers] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(left);
        (flights, passengers, audit)
    } else {
        let [flights, passengers, audit] = Layout::vertical([
            Constraint::Percentage(40),
            Constraint::Percentage(25),
            Constraint::Percentage(35),
        ])
        .areas(main);
        (flights, passengers, audit)
    };
    Some(Areas {
        status,
        flights,
        passengers,
        audit,
        toast,
        footer,
    })
}

/// Rows a pane's table can show: its height less the borders and the header.
pub fn list_height(pane: Rect) -> usize {
    usize::from(pane.height.saturating_sub(3))
}

/// Which of a pane's shown rows a screen row falls on (0 is the first below the header), or
/// `None` on the border or the header.
pub fn row_at(pane: Rect, row: u16) -> Option<usize> {
    let first = pane.y + 2;
    (row >= first && row < pane.bottom().saturating_sub(1)).then(|| usize::from(row - first))
}

/// A box of at most `width`×`height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
