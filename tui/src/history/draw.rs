//! How the history view looks: the timeline on the left, the flight and its manifest after the
//! selected event on the right, the key hints at the bottom. A `*` marks what that event changed.
//! Drawing reads the view and never changes it.

use super::timeline::{Field, Mark};
use super::HistoryView;
use crate::footer;
use crate::keymap::Context;
use crate::panes::audit_row::short_time;
use crate::text::{fit, one_line};
use crate::theme::{Theme, Tone};
use flightdeck_core::PassengerStatus;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// The mark beside what the selected event changed.
const CHANGED: &str = "*";

/// The timeline's rows at this window size: all but the borders and the footer.
pub fn timeline_height(size: Rect) -> u16 {
    size.height.saturating_sub(3).max(1)
}

impl HistoryView {
    pub fn draw(&self, frame: &mut Frame, size: Rect, theme: &Theme) {
        frame.render_widget(Clear, size);
        let [body, foot] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(size);
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(body);
        let title = format!(" {} ", self.title());
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border(true))
            .title(Span::styled(title, theme.header()));
        let inner = block.inner(left);
        frame.render_widget(block, left);
        frame.render_widget(Paragraph::new(self.timeline(inner, theme)), inner);
        let heading = match self.selected() {
            Some(entry) => format!(" After revision {} ", entry.revision),
            None => " Flight ".to_owned(),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border(false))
            .title(heading);
        let inner = block.inner(right);
        frame.render_widget(block, right);
        frame.render_widget(Paragraph::new(self.state(inner, theme)), inner);
        footer::draw(frame, foot, Context::History, theme);
    }

    fn timeline(&self, area: Rect, theme: &Theme) -> Vec<Line<'static>> {
        let width = usize::from(area.width);
        if let Some(error) = self.error() {
            return vec![Line::from(Span::styled(
                fit(&format!("Could not read the history: {error}"), width),
                theme.tone(Tone::Bad),
            ))];
        }
        if !self.read {
            return vec![Line::from("Reading the history…")];
        }
        if self.entries.is_empty() {
            return vec![Line::from("No events for this flight.")];
        }
        let height = usize::from(area.height).max(1);
        // The selected row stays in view; the window moves only as far as it must.
        let first = (self.selected + 1).saturating_sub(height);
        self.entries
            .iter()
            .zip(&self.summaries)
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(i, (entry, summary))| {
                let text = format!(
                    "{:>3} {} {:<22} {}",
                    entry.revision,
                    short_time(&entry.created),
                    one_line(&entry.event_name),
                    summary
                );
                let style = if i == self.selected {
                    theme.selected(true)
                } else {
                    Style::new()
                };
                Line::from(Span::styled(fit(&text, width), style))
            })
            .collect()
    }

    fn state(&self, area: Rect, theme: &Theme) -> Vec<Line<'static>> {
        let width = usize::from(area.width);
        let (Some(entry), Some(changes)) = (self.selected(), self.selected_changes()) else {
            return vec![];
        };
        let changed = theme.tone(Tone::Info);
        let row = |changed_now: bool, label: &str, value: String, style: Style| {
            let style = if changed_now { changed } else { style };
            Line::from(vec![
                Span::styled(mark(changed_now).to_owned(), changed),
                Span::raw(format!("{label:<11}")),
                Span::styled(fit(&value, width.saturating_sub(12)), style),
            ])
        };
        let mut lines = match &entry.flight {
            None => vec![row(
                changes.field(Field::Gone),
                "Flight",
                "deleted".to_owned(),
                theme.tone(Tone::Bad),
            )],
            Some(flight) => {
                let boarded = entry
                    .passengers
                    .iter()
                    .filter(|p| {
                        matches!(
                            p.status,
                            PassengerStatus::Boarded | PassengerStatus::Arrived
                        )
                    })
                    .count();
                vec![
                    row(
                        changes.field(Field::Number),
                        "Flight",
                        one_line(&flight.flight_number),
                        Style::new(),
                    ),
                    row(
                        changes.field(Field::Route),
                        "Route",
                        format!(
                            "{} → {}",
                            one_line(&flight.origin),
                            one_line(&flight.destination)
                        ),
                        Style::new(),
                    ),
                    row(
                        changes.field(Field::Status),
                        "Status",
                        flight.status.label().to_owned(),
                        theme.flight_status(flight.status),
                    ),
                    row(
                        false,
                        "Passengers",
                        format!("{}, {boarded} boarded", entry.passengers.len()),
                        Style::new(),
                    ),
                ]
            }
        };
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(" Manifest", theme.header())));
        if entry.passengers.is_empty() {
            lines.push(Line::from(Span::styled(" no passengers", theme.dim())));
        }
        for passenger in &entry.passengers {
            let mark = changes.passengers.get(&passenger.id);
            let name_style = if mark == Some(&Mark::New) || mark == Some(&Mark::Name) {
                changed
            } else {
                Style::new()
            };
            let status_style = if mark == Some(&Mark::Status) || mark == Some(&Mark::New) {
                changed
            } else {
                theme.passenger_status(passenger.status)
            };
            let name_width = width.saturating_sub(24).max(8);
            lines.push(Line::from(vec![
                Span::styled(self::mark(mark.is_some()).to_owned(), changed),
                Span::styled(
                    format!(
                        "{:<name_width$} ",
                        fit(&one_line(&passenger.name), name_width)
                    ),
                    name_style,
                ),
                Span::styled(passenger.status.label().to_owned(), status_style),
            ]));
        }
        lines
    }
}

fn mark(changed: bool) -> &'static str {
    if changed {
        CHANGED
    } else {
        " "
    }
}
