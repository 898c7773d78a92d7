//! The backend's status view: readiness, the stores, the log head and the checkpoint, live
//! subscribers, version and start time, as `GET /api/status` last answered (read every second
//! while the console runs, see `status_watch`).

use super::dialog_box::dialog_box;
use crate::layout::centered;
use crate::status_watch::StatusWatch;
use crate::theme::{Theme, Tone};
use flightdeck_core::backend_status::BackendStatus;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

#[derive(Clone, Debug, Default)]
pub struct StatusView {
    watch: StatusWatch,
}

impl StatusView {
    pub fn new(watch: &StatusWatch) -> Self {
        Self {
            watch: watch.clone(),
        }
    }

    /// A newer answer came.
    pub fn show(&mut self, watch: &StatusWatch) {
        self.watch = watch.clone();
    }

    pub fn draw(&self, frame: &mut Frame, size: Rect, theme: &Theme) {
        let mut lines = match &self.watch.latest {
            _ if self.watch.absent => vec![Line::from(
                "This backend reports no status (an original deployment has no /status).",
            )],
            Some(status) => rows(status, theme),
            None if self.watch.error.is_none() => vec![Line::from("Asking the backend…")],
            None => vec![],
        };
        if let Some(error) = &self.watch.error {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!("Not answering now: {error}"),
                theme.tone(Tone::Bad),
            )));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            "Read again every second while open.",
            theme.dim(),
        )));
        let height = lines.len() as u16 + 2;
        let area = centered(size, 64, height);
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(dialog_box("Backend status", theme)),
            area,
        );
    }
}

fn rows(status: &BackendStatus, theme: &Theme) -> Vec<Line<'static>> {
    let position = |p: Option<u64>| p.map_or_else(|| "none yet".to_owned(), |p| p.to_string());
    let checkpoint = match status.lag() {
        0 => format!("{} (caught up)", position(status.checkpoint)),
        lag => format!("{} ({lag} behind the log)", position(status.checkpoint)),
    };
    let ready = if status.ready {
        Span::styled("yes", theme.tone(Tone::Good))
    } else {
        Span::styled("no (see /health/ready for why)", theme.tone(Tone::Bad))
    };
    let row = |name: &str, value: Span<'static>| {
        Line::from(vec![
            Span::styled(format!("{name:<18}"), theme.key()),
            value,
        ])
    };
    vec![
        row("Ready", ready),
        row("Event store", Span::raw(status.event_store.name())),
        row("Read model", Span::raw(status.read_model.name())),
        row("Log head", Span::raw(position(status.log_position))),
        row("Checkpoint", Span::raw(checkpoint)),
        row(
            "Live subscribers",
            Span::raw(status.live_subscribers.to_string()),
        ),
        row("Version", Span::raw(status.version.clone())),
        row("Started", Span::raw(status.started_at.clone())),
    ]
}

#[cfg(test)]
mod tests {
    use crate::fixtures::*;
    use crate::msg::{Effect, Msg};
    use crate::overlays::Overlay;
    use crate::theme::Theme;
    use flightdeck_core::backend_status::{BackendStatus, EventStoreKind, ReadModelKind};
    use std::time::{Duration, Instant};

    fn status(head: u64, checkpoint: u64) -> BackendStatus {
        BackendStatus {
            ready: head == checkpoint,
            event_store: EventStoreKind::EventStoreDb,
            read_model: ReadModelKind::Postgres,
            log_position: Some(head),
            checkpoint: Some(checkpoint),
            live_subscribers: 2,
            version: "0.1.0".into(),
            started_at: "2026-11-27T09:00:00Z".into(),
        }
    }

    #[test]
    fn s_shows_the_status_and_the_bar_shows_a_lasting_lag() {
        let mut console = loaded(140, 40, Theme::plain());
        let t0 = Instant::now();
        let next = console.update(Msg::Status(t0, Ok(Some(status(40, 40)))));
        assert_eq!(
            next,
            vec![Effect::LoadStatus {
                after: Duration::from_secs(1)
            }]
        );
        console.update(ch('s'));
        assert!(matches!(console.overlay(), Some(Overlay::Status(_))));
        let screen = text(&render(&console));
        for line in [
            "Backend status",
            "Ready             yes",
            "Event store       eventstoredb",
            "Read model        postgres",
            "Log head          40",
            "Checkpoint        40 (caught up)",
            "Live subscribers  2",
            "Started           2026-11-27T09:00:00Z",
        ] {
            assert!(screen.contains(line), "'{line}' missing:\n{screen}");
        }
        // Newer answers show while the view is open.
        console.update(Msg::Status(
            t0 + Duration::from_secs(1),
            Ok(Some(status(45, 41))),
        ));
        let screen = text(&render(&console));
        assert!(screen.contains("41 (4 behind the log)"), "{screen}");
        assert!(
            !screen.contains("lag"),
            "a moment behind is not lag yet:\n{screen}"
        );
        console.update(Msg::Status(
            t0 + Duration::from_secs(2),
            Ok(Some(status(46, 41))),
        ));
        let screen = text(&render(&console));
        assert!(
            screen.contains("lag: read model 5 events behind"),
            "{screen}"
        );
        console.update(ch('s'));
        assert!(console.overlay().is_none(), "s closes it again");
    }

    #[test]
    fn a_backend_without_status_says_so() {
        let mut console = loaded(140, 40, Theme::plain());
        console.update(Msg::Status(Instant::now(), Ok(None)));
        console.update(ch('s'));
        assert!(console.overlay().is_none());
        let screen = text(&render(&console));
        assert!(
            screen.contains("This backend reports no status"),
            "{screen}"
        );
    }
}
