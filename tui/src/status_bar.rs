//! The status bar: where the console is connected and how, whether the audit log is live, the
//! command being carried out and the last error.

use crate::client::ClientError;
use crate::msg::FeedEvent;
use crate::text::{fit, fit_middle, one_line, width};
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::time::Duration;

/// How the console reaches its backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The backend library runs in this process.
    Embedded,
    /// A Flightdeck backend or a gateway at `--api`.
    Remote,
    /// The original services, addressed one by one.
    Original,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Self::Embedded => "embedded",
            Self::Remote => "remote",
            Self::Original => "original",
        }
    }
}

/// How audit entries arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    Starting,
    /// Pushed over the live stream.
    Live,
    /// The backend has no stream (an original deployment): read every poll interval.
    Polling,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Connected,
    /// The backend does not answer; `retry_in` when a reconnect is scheduled.
    Down {
        reason: String,
        retry_in: Option<Duration>,
    },
}

/// How long an error stays in the bar once the connection is up again: long enough to be
/// read, short enough that the bar does not say for ever what is no longer true.
pub const ERROR_FADES_AFTER: Duration = Duration::from_secs(30);

#[derive(Clone, Debug)]
pub struct StatusBar {
    backend: String,
    mode: Mode,
    feed: Feed,
    link: Link,
    last_error: Option<String>,
    /// Counts the errors shown, so that a timer fades only the error it was set for.
    error_seq: u64,
    /// The error whose fading is under way.
    fading: Option<u64>,
    /// A command has been waiting for its answer for a while.
    waiting: bool,
    /// What answers at the URL is not a backend: what it answered.
    not_an_api: Option<String>,
    /// Events the read model has trailed the log by for over a second (see `status_watch`).
    lag: Option<u64>,
}

impl StatusBar {
    pub fn new(backend: String, mode: Mode) -> Self {
        Self {
            backend,
            mode,
            feed: Feed::Starting,
            link: Link::Connecting,
            last_error: None,
            error_seq: 0,
            fading: None,
            waiting: false,
            not_an_api: None,
            lag: None,
        }
    }

    pub fn set_lag(&mut self, lag: Option<u64>) {
        self.lag = lag;
    }

    /// What answers at the URL is no backend (`Some`: what it answered), or is one.
    pub fn not_an_api(&mut self, what: Option<String>) {
        self.not_an_api = what;
    }

    fn set_error(&mut self, text: String) {
        self.last_error = Some(text);
        self.error_seq += 1;
    }

    /// The error to fade, once: there is one and the connection is up.
    pub fn error_to_fade(&mut self) -> Option<u64> {
        let due = self.last_error.is_some()
            && self.link == Link::Connected
            && self.fading != Some(self.error_seq);
        due.then(|| {
            self.fading = Some(self.error_seq);
            self.error_seq
        })
    }

    /// A fading timer ran out: its error goes, unless a newer one took its place or the
    /// connection went down again meanwhile.
    pub fn fade(&mut self, seq: u64) {
        if seq == self.error_seq && self.link == Link::Connected {
            self.last_error = None;
        }
        if self.link != Link::Connected {
            self.fading = None;
        }
    }

    /// Whether a command has been waiting long for its answer.
    pub fn set_waiting(&mut self, waiting: bool) {
        self.waiting = waiting;
    }

    pub fn feed(&self) -> Feed {
        self.feed
    }

    pub fn link(&self) -> &Link {
        &self.link
    }

    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// A read of the lists failed. Without a live stream to say so, a connection error is the
    /// only sign that the backend is down; any answer at all says it is up.
    pub fn read_failed(&mut self, err: &ClientError) {
        self.set_error(err.to_string());
        if err.is_connection() {
            if self.feed == Feed::Polling || self.feed == Feed::Starting {
                self.link = Link::Down {
                    reason: err.to_string(),
                    retry_in: None,
                };
            }
        } else if self.link == Link::Connecting && self.feed == Feed::Polling {
            self.link = Link::Connected;
        }
    }

    /// A read of the lists answered.
    pub fn read_answered(&mut self) {
        if self.feed == Feed::Polling {
            self.link = Link::Connected;
        }
    }

    pub fn command_failed(&mut self, err: &ClientError) {
        self.set_error(err.to_string());
    }

    pub fn on_feed(&mut self, event: FeedEvent) {
        match event {
            FeedEvent::Live => {
                self.feed = Feed::Live;
                self.link = Link::Connected;
            }
            FeedEvent::Polling => {
                self.feed = Feed::Polling;
                self.link = Link::Connected;
            }
            FeedEvent::Reset => {}
            FeedEvent::Down { reason, retry_in } => {
                self.set_error(reason.clone());
                self.link = Link::Down { reason, retry_in };
            }
        }
    }

    /// `running`: the command being carried out, in words.
    pub fn draw(&self, frame: &mut Frame, area: Rect, running: Option<&str>, theme: &Theme) {
        let text = self.line(running, usize::from(area.width));
        frame.render_widget(Paragraph::new(text).style(theme.status_bar()), area);
    }

    /// The bar's text in `columns`. What the operator must see comes first: the connection
    /// state and the last error keep their room; the backend's URL is shortened in its middle
    /// first, then the name goes, then the command, and the error is cut last.
    pub fn line(&self, running: Option<&str>, columns: usize) -> String {
        let feed = match self.feed {
            Feed::Starting => "starting",
            Feed::Live => "live",
            Feed::Polling => "polling",
        };
        let link = match &self.link {
            // Connected, but a command has had no answer: that the operator must know.
            Link::Connecting | Link::Connected if self.waiting => {
                "waiting for the backend…".to_owned()
            }
            Link::Connecting => "connecting".to_owned(),
            Link::Connected => "connected".to_owned(),
            Link::Down {
                retry_in: Some(d), ..
            } => format!("down, retry in {}s", d.as_secs().max(1)),
            Link::Down { retry_in: None, .. } => "down".to_owned(),
        };
        // Before the feed has started, 'starting' says nothing the link does not; and when
        // no backend answers at the URL, 'connected' would be untrue.
        let state = match (&self.not_an_api, &self.feed, &self.link) {
            (Some(what), _, Link::Down { .. }) => format!("{link} │ {what}"),
            (Some(what), _, _) => one_line(what),
            (None, Feed::Starting, Link::Down { .. }) => link,
            (None, _, _) => format!("{feed} │ {link}"),
        };
        // The read model trailing the log is part of the state: it says reads may be stale.
        let state = match self.lag {
            Some(lag) => format!("{state} │ lag: read model {lag} events behind"),
            None => state,
        };
        let running = running.map(|r| format!("{}…", one_line(r)));
        let error = self
            .last_error
            .as_deref()
            .map(|e| format!("last error: {}", one_line(e)));
        let url = one_line(&self.backend);
        // `url`: None leaves out where the console is connected altogether.
        let assemble =
            |brand: bool, url: Option<&str>, running: Option<&str>, error: Option<&str>| {
                let mut parts = Vec::new();
                if brand {
                    parts.push("flightdeck".to_owned());
                }
                if let Some(url) = url {
                    parts.push(format!("{} {url}", self.mode.label()).trim_end().to_owned());
                }
                parts.push(state.clone());
                parts.extend(running.map(str::to_owned));
                parts.extend(error.map(str::to_owned));
                format!(" {}", parts.join(" │ "))
            };
        let fits = |line: &str| width(line) <= columns;
        let (running, error) = (running.as_deref(), error.as_deref());
        let whole = assemble(true, Some(&url), running, error);
        if fits(&whole) {
            return whole;
        }
        // The name goes first, then the URL is shortened in its middle, down to a size that
        // still says which host it is.
        const SHORTEST_URL: usize = 16;
        let without_brand = assemble(false, Some(&url), running, error);
        if fits(&without_brand) {
            return without_brand;
        }
        let room = columns.saturating_sub(width(&assemble(false, Some(""), running, error)) + 1);
        if room >= SHORTEST_URL {
            return assemble(false, Some(&fit_middle(&url, room)), running, error);
        }
        let url = fit_middle(&url, SHORTEST_URL);
        let without_running = assemble(false, Some(&url), None, error);
        if fits(&without_running) {
            let room = columns.saturating_sub(width(&without_running) + 3);
            let running = running.map(|r| fit(r, room)).filter(|r| width(r) > 1);
            return assemble(false, Some(&url), running.as_deref(), error);
        }
        // The error is cut now, but where the console is connected goes before it is cut short.
        for (place, shortest) in [(Some(url.as_str()), 40), (None, 12)] {
            let room = columns.saturating_sub(width(&assemble(false, place, None, None)) + 3);
            if error.is_some() && room >= shortest {
                let error = error.map(|e| fit(e, room));
                return assemble(false, place, None, error.as_deref());
            }
        }
        fit(&assemble(false, None, None, error), columns)
    }
}

#[cfg(test)]
mod tests {
    use super::Link;
    use crate::fixtures::*;
    use crate::msg::{FeedEvent, Msg};

    #[test]
    fn connection_state_follows_the_feed() {
        let mut console = fixture();
        console.update(Msg::Feed(FeedEvent::Down {
            reason: "backend unreachable: connection refused".into(),
            retry_in: Some(std::time::Duration::from_secs(2)),
        }));
        assert!(matches!(console.status().link(), Link::Down { .. }));
        assert_eq!(
            console.status().last_error(),
            Some("backend unreachable: connection refused")
        );
        console.update(Msg::Feed(FeedEvent::Live));
        assert_eq!(console.status().link(), &Link::Connected);
    }
}

#[cfg(test)]
mod fitting {
    use super::*;

    const LONG: &str = "http://flightdeck-backend.operations.example.internal:5000/api";

    fn down() -> StatusBar {
        let mut bar = StatusBar::new(LONG.to_owned(), Mode::Remote);
        bar.on_feed(FeedEvent::Live);
        bar.on_feed(FeedEvent::Down {
            reason: "backend unreachable: connection refused".to_owned(),
            retry_in: Some(Duration::from_secs(10)),
        });
        bar
    }

    #[test]
    fn the_state_and_the_last_error_come_before_the_url() {
        let line = down().line(None, 80);
        assert!(width(&line) <= 80, "{line}");
        assert!(line.contains(" live │ down, retry in 10s │"), "{line}");
        assert!(
            line.contains("│ last error: backend unreachable: conn"),
            "{line}"
        );
        // With room for the whole error, the URL gives way to it, from its middle.
        let line = down().line(None, 110);
        assert!(width(&line) <= 110, "{line}");
        assert!(
            line.ends_with(
                "│ live │ down, retry in 10s │ last error: backend unreachable: connection refused"
            ),
            "{line}"
        );
        assert!(
            line.contains(" remote http://fl") && line.contains("…"),
            "{line}"
        );
        assert!(line.contains(":5000/api │"), "{line}");

        let line = down().line(Some("creating flight DY2"), 80);
        assert!(line.contains("down, retry in 10s"), "{line}");
        assert!(line.contains("last error: backend unreachable"), "{line}");

        let mut bar = StatusBar::new(LONG.to_owned(), Mode::Remote);
        bar.on_feed(FeedEvent::Polling);
        let line = bar.line(None, 60);
        assert!(line.ends_with("│ polling │ connected"), "{line}");
        assert!(width(&line) <= 60, "{line}");
    }

    #[test]
    fn a_short_bar_is_left_whole() {
        let mut bar = StatusBar::new("http://127.0.0.1:5000/api".to_owned(), Mode::Embedded);
        bar.on_feed(FeedEvent::Live);
        assert_eq!(
            bar.line(None, 120),
            " flightdeck │ embedded http://127.0.0.1:5000/api │ live │ connected"
        );
        let line = down().line(None, 40);
        assert!(
            width(&line) <= 40 && line.contains("down, retry in 10s"),
            "{line}"
        );
    }
}

#[cfg(test)]
mod staleness {
    use crate::fixtures::*;
    use crate::msg::{Done, Effect, FeedEvent, Msg, Timer};
    use crate::query::Query;

    fn bar(console: &crate::console::Console) -> String {
        text(&render(console))
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    }

    fn timers(effects: &[Effect]) -> Vec<Timer> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Timer { timer, .. } => Some(*timer),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_old_error_fades_once_the_connection_recovers() {
        let mut console = fixture();
        let effects = console.update(Msg::Feed(FeedEvent::Down {
            reason: "backend unreachable: connection refused".into(),
            retry_in: None,
        }));
        assert!(timers(&effects).is_empty(), "no fading while down");
        let effects = console.update(Msg::Feed(FeedEvent::Live));
        let [Timer::ErrorFades(seq)] = timers(&effects)[..] else {
            panic!("recovery fades the error: {effects:?}")
        };
        assert!(bar(&console).contains("last error: backend unreachable"));
        // Down again before the timer runs out: the error stays.
        console.update(Msg::Feed(FeedEvent::Down {
            reason: "backend unreachable: connection reset".into(),
            retry_in: None,
        }));
        console.update(Msg::Timer(Timer::ErrorFades(seq)));
        assert!(bar(&console).contains("last error: backend unreachable: connection reset"));
        let effects = console.update(Msg::Feed(FeedEvent::Live));
        let [Timer::ErrorFades(seq)] = timers(&effects)[..] else {
            panic!("{effects:?}")
        };
        console.update(Msg::Timer(Timer::ErrorFades(seq)));
        let line = bar(&console);
        assert!(line.ends_with("│ live │ connected"), "{line}");
    }

    #[test]
    fn a_command_without_an_answer_says_it_is_waiting_for_the_backend() {
        let mut console = fixture();
        console.update(ch('j'));
        console.update(ch('j'));
        let effects = console.update(ch('l'));
        let [Timer::CommandSlow(seq)] = timers(&effects)[..] else {
            panic!("{effects:?}")
        };
        assert!(bar(&console).contains("│ connected │ landing AY913…"));
        console.update(Msg::Timer(Timer::CommandSlow(seq)));
        let line = bar(&console);
        assert!(
            line.contains("│ waiting for the backend… │ landing AY913…"),
            "{line}"
        );
        console.update(Msg::Done(Done {
            result: Ok("Flight AY913 landed".into()),
            new_flight: None,
            new_passenger: None,
            flight: None,
            passenger: None,
        }));
        assert_eq!(console.running(), None);
        let line = bar(&console);
        assert!(line.ends_with("│ live │ connected"), "{line}");
        // A late timer of a command that has answered changes nothing.
        console.update(Msg::Timer(Timer::CommandSlow(seq)));
        assert!(bar(&console).ends_with("│ connected"));
    }
}

#[cfg(test)]
mod identity {
    use crate::client::{ClientError, Dialect};
    use crate::fixtures::*;
    use crate::msg::{Effect, FeedEvent, Msg};

    #[test]
    fn a_url_where_no_backend_answers_is_named_in_the_bar_not_connected() {
        let mut console = fixture();
        console.update(Msg::Feed(FeedEvent::Polling));
        console.update(Msg::Identified(Err(ClientError::NotAnApi(
            "http://127.0.0.1:8/flights answered 404; did you mean http://127.0.0.1:8/api?".into(),
        ))));
        let bar = text(&render(&console))
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        assert!(
            bar.ends_with("│ not a Flightdeck API: http://127.0.0.1:8/flights answered 404; did you mean http://127.0.0.1:8/api?"),
            "{bar}"
        );
        assert!(!bar.contains("connected"), "{bar}");
    }

    #[test]
    fn a_backend_that_did_not_answer_is_asked_again_once_it_does() {
        let mut console = fixture();
        let effects = console.update(Msg::Identified(Err(ClientError::Unreachable(
            "connection refused".into(),
        ))));
        assert!(!effects.contains(&Effect::Identify));
        let effects = console.update(Msg::Feed(FeedEvent::Live));
        assert!(effects.contains(&Effect::Identify), "{effects:?}");
        let effects = console.update(Msg::Feed(FeedEvent::Live));
        assert!(!effects.contains(&Effect::Identify), "once: {effects:?}");
        console.update(Msg::Identified(Ok(Dialect::Flightdeck)));
        let bar = text(&render(&console))
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        assert!(bar.contains("│ live │ connected"), "{bar}");
        assert!(!bar.contains("not a Flightdeck API"), "{bar}");
    }
}
