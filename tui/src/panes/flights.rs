//! Flights: number, route, status, passengers boarded of total.

use crate::app::{App, Focus};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let view = &app.flights_view;
    let block = super::block(
        app,
        Focus::Flights,
        "Flights",
        view,
        app.flights.len(),
        String::new(),
    );
    if app.flights.is_empty() {
        let text = if app.flights_loaded {
            "No flights yet. Press n to create one."
        } else {
            "Loading flights…"
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, app.theme.dim())).block(block),
            area,
        );
        return;
    }
    let (slice, selected) = super::visible(view, area);
    let rows = slice.iter().filter_map(|&i| app.flights.get(i)).map(|f| {
        let boarded = match (f.boarded_count, f.passenger_count) {
            (Some(b), Some(t)) => format!("{b}/{t}"),
            _ => "…".to_owned(),
        };
        Row::new(vec![
            Cell::from(f.flight_number.as_str()),
            Cell::from(format!("{} → {}", f.origin, f.destination)),
            Cell::from(Span::styled(
                f.status.label(),
                app.theme.flight_status(f.status),
            )),
            Cell::from(Line::from(boarded).right_aligned()),
        ])
    });
    let header = Row::new(vec!["Flight", "Route", "Status", "Boarded"]).style(app.theme.header());
    let table = Table::new(
        rows,
        [
            Constraint::Length(10),
            Constraint::Fill(1),
            Constraint::Length(20),
            Constraint::Length(9),
        ],
    )
    .header(header)
    .block(block)
    .row_highlight_style(super::row_style(app, Focus::Flights));
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
}
