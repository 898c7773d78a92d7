//! The passengers of the selected flight: name and status.

use crate::app::{App, Focus};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let view = &app.passengers_view;
    let flight = app.selected_flight();
    let on = flight
        .map(|f| format!(" on {}", f.flight_number))
        .unwrap_or_default();
    let block = super::block(
        app,
        Focus::Passengers,
        "Passengers",
        view,
        app.passengers.len(),
        on,
    );
    let empty = match flight {
        None => Some("Select a flight to see its passengers."),
        Some(f) if app.passengers_of != Some(f.id) => Some("Loading passengers…"),
        Some(_) if app.passengers.is_empty() => Some("No passengers yet. Press a to add one."),
        Some(_) => None,
    };
    if let Some(text) = empty {
        frame.render_widget(
            Paragraph::new(Span::styled(text, app.theme.dim())).block(block),
            area,
        );
        return;
    }
    let (slice, selected) = super::visible(view, area);
    let rows = slice
        .iter()
        .filter_map(|&i| app.passengers.get(i))
        .map(|p| {
            Row::new(vec![
                Cell::from(p.name.as_str()),
                Cell::from(Span::styled(
                    p.status.label(),
                    app.theme.passenger_status(p.status),
                )),
            ])
        });
    let header = Row::new(vec!["Name", "Status"]).style(app.theme.header());
    let table = Table::new(rows, [Constraint::Fill(1), Constraint::Length(12)])
        .header(header)
        .block(block)
        .row_highlight_style(super::row_style(app, Focus::Passengers));
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
}
