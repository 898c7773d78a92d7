//! `GET /api/status`: what a Flightdeck backend says of itself, for an operator's glance. The
//! backend writes it and the console reads it, so its shape is defined once, here. It names which
//! stores run, never where they are: no path or connection string belongs in it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendStatus {
    /// What `/health/ready` would answer: both stores answer and the read model has caught up.
    pub ready: bool,
    pub event_store: EventStoreKind,
    pub read_model: ReadModelKind,
    /// The head of the event log; `None` while the log is empty or cannot be read.
    pub log_position: Option<u64>,
    /// The newest position the read model has applied; `None` before the first.
    pub checkpoint: Option<u64>,
    /// Live audit streams open now.
    pub live_subscribers: u64,
    /// The backend's version.
    pub version: String,
    /// When this backend process started, RFC 3339 in UTC.
    pub started_at: String,
}

impl BackendStatus {
    /// How many events the read model trails the log head by.
    pub fn lag(&self) -> u64 {
        self.log_position
            .unwrap_or(0)
            .saturating_sub(self.checkpoint.unwrap_or(0))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventStoreKind {
    Sqlite,
    EventStoreDb,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadModelKind {
    Sqlite,
    Postgres,
}

impl EventStoreKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::EventStoreDb => "eventstoredb",
        }
    }
}

impl ReadModelKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_names_are_the_documented_ones() {
        let status = BackendStatus {
            ready: true,
            event_store: EventStoreKind::EventStoreDb,
            read_model: ReadModelKind::Postgres,
            log_position: Some(12),
            checkpoint: Some(9),
            live_subscribers: 2,
            version: "0.1.0".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
        };
        let json = serde_json::to_value(&status).expect("serialises");
        assert_eq!(json["eventStore"], "eventstoredb");
        assert_eq!(json["readModel"], "postgres");
        assert_eq!(json["logPosition"], 12);
        assert_eq!(json["liveSubscribers"], 2);
        assert_eq!(json["startedAt"], "2026-01-01T00:00:00Z");
        assert_eq!(status.lag(), 3);
        let back: BackendStatus = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, status);
    }
}
