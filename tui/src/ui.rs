//! The screen: where each pane goes, the status bar, the toast line, the footer and the overlays.
//! Drawing reads the state and never changes it.

use crate::app::{App, Feed, Focus, Link, Overlay};
use crate::form::Form;
use crate::keys;
use crate::panes;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

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

pub fn draw(frame: &mut Frame, app: &App) {
    let size = frame.area();
    let Some(areas) = areas(size) else {
        let text = format!(
            "The window is {}×{}; flightdeck needs at least {MIN_WIDTH}×{MIN_HEIGHT}. Please make it bigger.",
            size.width, size.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), size);
        return;
    };
    draw_status(frame, app, areas.status);
    panes::flights::draw(frame, app, areas.flights);
    panes::passengers::draw(frame, app, areas.passengers);
    panes::audit::draw(frame, app, areas.audit);
    draw_toast(frame, app, areas.toast);
    draw_footer(frame, app, areas.footer);
    match &app.overlay {
        None => {}
        Some(Overlay::Help) => draw_help(frame, app, size),
        Some(Overlay::Details { scroll }) => panes::audit::draw_details(frame, app, size, *scroll),
        Some(Overlay::ConfirmDelete(flight)) => {
            let passengers = flight
                .passenger_count
                .map(|n| format!(" and its {n} passenger{}", if n == 1 { "" } else { "s" }))
                .unwrap_or_else(|| " and its passengers".to_owned());
            let text = vec![
                Line::from(format!(
                    "Delete flight {} ({} → {}){passengers}?",
                    flight.flight_number, flight.origin, flight.destination
                )),
                Line::from(""),
                Line::from(vec![
                    Span::styled("y", app.theme.key()),
                    Span::raw(" delete   "),
                    Span::styled("any other key", app.theme.key()),
                    Span::raw(" keep it"),
                ]),
            ];
            let area = centered(size, 60, 5);
            frame.render_widget(Clear, area);
            frame.render_widget(
                Paragraph::new(text)
                    .wrap(Wrap { trim: true })
                    .block(dialog("Delete flight", app)),
                area,
            );
        }
        Some(Overlay::Form(form)) => draw_form(frame, app, form, size),
    }
}

pub fn dialog<'a>(title: &'a str, app: &App) -> Block<'a> {
    Block::default()
        .title(Span::styled(
            format!(" {title} "),
            Style::new().add_modifier(Modifier::BOLD),
        ))
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(app.theme.border(true))
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

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let feed = match app.feed {
        Feed::Starting => "starting",
        Feed::Live => "live",
        Feed::Polling => "polling",
    };
    let link = match &app.link {
        Link::Connecting => "connecting".to_owned(),
        Link::Connected => "connected".to_owned(),
        Link::Down {
            retry_in: Some(d), ..
        } => format!("down, retry in {}s", d.as_secs().max(1)),
        Link::Down { retry_in: None, .. } => "down".to_owned(),
    };
    let mut text = format!(
        " flightdeck │ {} {} │ {feed} │ {link}",
        app.mode.label(),
        app.backend
    );
    if let Some(busy) = &app.busy {
        text.push_str(&format!(" │ {busy}…"));
    }
    if let Some(err) = &app.last_error {
        text.push_str(&format!(" │ last error: {err}"));
    }
    frame.render_widget(
        Paragraph::new(one_line(&text)).style(app.theme.status_bar()),
        area,
    );
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn draw_toast(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(toast) = &app.toast {
        let line = Line::from(Span::styled(
            format!(" {} ", one_line(&toast.text)),
            app.theme.tone(toast.tone),
        ));
        frame.render_widget(Paragraph::new(line), area);
    }
}

fn key_spans<'a>(app: &App, bindings: &'a [keys::Binding]) -> Vec<Span<'a>> {
    let mut spans = vec![Span::raw(" ")];
    for (key, what) in bindings {
        spans.push(Span::styled(*key, app.theme.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    spans
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let bindings: &[keys::Binding] = match &app.overlay {
        Some(Overlay::Form(_)) => keys::FORM,
        Some(Overlay::Help) => &[("Esc ?", "close help")],
        Some(Overlay::Details { .. }) => &[("↑ ↓ PgUp PgDn", "scroll"), ("Esc Enter", "close")],
        Some(Overlay::ConfirmDelete(_)) => &[("y", "delete"), ("any other key", "keep")],
        None if app.view(app.focus).editing => &[("Enter", "keep filter"), ("Esc", "clear filter")],
        None => keys::footer(app.focus),
    };
    frame.render_widget(Paragraph::new(Line::from(key_spans(app, bindings))), area);
}

fn draw_help(frame: &mut Frame, app: &App, size: Rect) {
    let mut lines = Vec::new();
    let mut section = |title: &str, bindings: &[keys::Binding]| {
        lines.push(Line::from(Span::styled(
            title.to_owned(),
            Style::new().add_modifier(Modifier::BOLD),
        )));
        for (key, what) in bindings {
            lines.push(Line::from(vec![
                Span::styled(format!("  {key:<20}"), app.theme.key()),
                Span::raw(*what),
            ]));
        }
    };
    section("Everywhere", keys::GLOBAL);
    section("Flights", keys::FLIGHTS);
    section("Passengers", keys::PASSENGERS);
    section("Audit log", keys::AUDIT);
    section("Forms", keys::FORM);
    lines.push(Line::from(
        "Mouse: a click focuses a pane and selects a row; the wheel scrolls.",
    ));
    let height = lines.len() as u16 + 2;
    let area = centered(size, 70, height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(dialog("Keys", app)), area);
}

fn draw_form(frame: &mut Frame, app: &App, form: &Form, size: Rect) {
    let label_width = form.fields.iter().map(|f| f.label.len()).max().unwrap_or(0) as u16 + 2;
    let width = 76.min(size.width);
    let height = form.fields.len() as u16 * 2 + 3;
    let area = centered(size, width, height);
    frame.render_widget(Clear, area);
    let title = form.title();
    let block = dialog(&title, app);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let input_width = inner.width.saturating_sub(label_width + 1).min(32);
    for (i, field) in form.fields.iter().enumerate() {
        let y = inner.y + i as u16 * 2;
        if y >= inner.bottom() {
            break;
        }
        let focused = i == form.focus;
        let label_style = if focused {
            app.theme.key()
        } else {
            Style::new()
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format!("{}:", field.label), label_style)),
            Rect::new(inner.x, y, label_width, 1),
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
            input_area,
        );
        if let Some(error) = &field.error {
            let x = input_area.right() + 1;
            if x < inner.right() {
                frame.render_widget(
                    Paragraph::new(Span::styled(error.as_str(), app.theme.error_text()))
                        .wrap(Wrap { trim: true }),
                    Rect::new(x, y, inner.right() - x, 2.min(inner.bottom() - y)),
                );
            }
        }
        if focused {
            let cursor = field.input.visual_cursor().saturating_sub(scroll) as u16;
            frame.set_cursor_position((input_area.x + cursor.min(input_width), y));
        }
    }
    let hint_y = inner.bottom().saturating_sub(1);
    if hint_y > inner.y + (form.fields.len() as u16 * 2).saturating_sub(1) {
        frame.render_widget(
            Paragraph::new(Line::from(key_spans(app, keys::FORM))),
            Rect::new(inner.x, hint_y, inner.width, 1),
        );
    }
}
