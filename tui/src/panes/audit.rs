//! The audit log, newest first, and the full JSON of one entry.

use crate::app::{App, AuditKind, Focus};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, Table, TableState};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let view = &app.audit_view;
    let mut extra = String::new();
    if app.audit_kind != AuditKind::All {
        extra.push_str(&format!(" {}", app.audit_kind.label()));
    }
    if !app.following {
        extra.push_str(" · paused");
        if app.unseen > 0 {
            extra.push_str(&format!(", {} new", app.unseen));
        }
    }
    let block = super::block(app, Focus::Audit, "Audit log", view, app.audit.len(), extra);
    if app.audit.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("No events yet.", app.theme.dim())).block(block),
            area,
        );
        return;
    }
    let (slice, selected) = super::visible(view, area);
    let rows = slice.iter().filter_map(|&i| app.audit.get(i)).map(|r| {
        Row::new(vec![
            number(&r.entry),
            r.time.clone(),
            r.entry.meta_data.event_name.clone(),
            r.summary.clone(),
        ])
    });
    let header = Row::new(vec!["#", "Time", "Event", "Summary"]).style(app.theme.header());
    let table = Table::new(
        rows,
        [
            // Room for a position in a long log: the whole log counts, not one stream.
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Length(22),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .block(block)
    .row_highlight_style(super::row_style(app, Focus::Audit));
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
}

/// The position in the whole log where the backend gives one: it orders entries across flights
/// and is the live stream's id. An original deployment has only the per-stream event number.
fn number(entry: &flightdeck_core::contract::AuditEntry) -> String {
    entry
        .position
        .map_or_else(|| entry.event_number.to_string(), |p| p.to_string())
}

pub fn draw_details(frame: &mut Frame, app: &App, size: Rect, scroll: u16) {
    let Some(row) = app.selected_audit() else {
        return;
    };
    let json = serde_json::to_string_pretty(&row.entry)
        .unwrap_or_else(|e| format!("cannot show this entry: {e}"));
    let lines: Vec<Line> = json.lines().map(|l| Line::from(l.to_owned())).collect();
    let area = crate::ui::centered(size, 90, size.height.saturating_sub(4));
    let title = format!(
        "{} · {} #{}",
        row.entry.meta_data.event_name,
        row.entry.event_type,
        number(&row.entry)
    );
    let max_scroll = (lines.len() as u16).saturating_sub(area.height.saturating_sub(2));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll.min(max_scroll), 0))
            .block(crate::ui::dialog(&title, app)),
        area,
    );
}
