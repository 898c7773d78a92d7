//! The status bar: where the console is connected and how, whether the audit log is live, the
//! command being carried out and the last error.

use crate::client::ClientError;
use crate::msg::FeedEvent;
use crate::text::one_line;
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

#[derive(Clone, Debug)]
pub struct StatusBar {
    backend: String,
    mode: Mode,
    feed: Feed,
    link: Link,
    last_error: Option<String>,
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
            lag: None,
        }
    }

    pub fn set_lag(&mut self, lag: Option<u64>) {
        self.lag = lag;
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
        self.last_error = Some(err.to_string());
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
        self.last_error = Some(err.to_string());
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
            FeedEvent::Down { reason, retry_in } => {
                self.last_error = Some(reason.clone());
                self.link = Link::Down { reason, retry_in };
            }
        }
    }

    /// `running`: the command being carried out, in words.
    pub fn draw(&self, frame: &mut Frame, area: Rect, running: Option<&str>, theme: &Theme) {
        let feed = match self.feed {
            Feed::Starting => "starting",
            Feed::Live => "live",
            Feed::Polling => "polling",
        };
        let link = match &self.link {
            Link::Connecting => "connecting".to_owned(),
            Link::Connected => "connected".to_owned(),
            Link::Down {
                retry_in: Some(d), ..
            } => format!("down, retry in {}s", d.as_secs().max(1)),
            Link::Down { retry_in: None, .. } => "down".to_owned(),
        };
        let mut text = format!(
            " flightdeck │ {} {} │ {feed} │ {link}",
            self.mode.label(),
            self.backend
        );
        if let Some(lag) = self.lag {
            text.push_str(&format!(" │ lag: read model {lag} events behind"));
        }
        if let Some(running) = running {
            text.push_str(&format!(" │ {running}…"));
        }
        if let Some(err) = &self.last_error {
            text.push_str(&format!(" │ last error: {err}"));
        }
        frame.render_widget(
            Paragraph::new(one_line(&text)).style(theme.status_bar()),
            area,
        );
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
