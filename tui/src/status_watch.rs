//! Watching the backend's `GET /api/status` once a second: the latest answer for the status view,
//! and how long the read model has trailed the log head, for the status bar. A backend without
//! the route (an original deployment) is asked once; a TLS refusal ends the watch.

use crate::client::ClientError;
use crate::msg::Effect;
use flightdeck_core::backend_status::BackendStatus;
use std::time::{Duration, Instant};

/// How often the status is read.
pub const EVERY: Duration = Duration::from_secs(1);
/// How long the checkpoint may trail the head before the status bar says so: a burst of
/// commands trails it for a moment in the normal course.
pub const LAG_AFTER: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusWatch {
    /// The newest answer.
    pub latest: Option<BackendStatus>,
    /// Why the last read failed, while it does.
    pub error: Option<String>,
    /// The backend has no status route: nothing to watch.
    pub absent: bool,
    /// Since when the checkpoint has trailed the head, as first seen.
    behind_since: Option<Instant>,
    /// The lag in events once it has lasted past [`LAG_AFTER`].
    lag: Option<u64>,
}

impl StatusWatch {
    /// The first read, at once.
    pub fn start(&self) -> Effect {
        Effect::LoadStatus {
            after: Duration::ZERO,
        }
    }

    /// Takes an answer read at `at`; the next read, if there is to be one.
    pub fn answered(
        &mut self,
        at: Instant,
        result: Result<Option<BackendStatus>, ClientError>,
    ) -> Option<Effect> {
        match result {
            Ok(Some(status)) => {
                self.error = None;
                if status.lag() == 0 {
                    self.behind_since = None;
                    self.lag = None;
                } else {
                    let since = *self.behind_since.get_or_insert(at);
                    self.lag = (at.duration_since(since) >= LAG_AFTER).then(|| status.lag());
                }
                self.latest = Some(status);
            }
            Ok(None) => {
                self.absent = true;
                self.lag = None;
                return None;
            }
            Err(err) => {
                self.error = Some(err.to_string());
                if matches!(err, ClientError::Tls(_)) {
                    return None;
                }
            }
        }
        Some(Effect::LoadStatus { after: EVERY })
    }

    /// How many events the read model trails by, once it has trailed for over a second.
    pub fn lag(&self) -> Option<u64> {
        self.lag
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flightdeck_core::backend_status::{EventStoreKind, ReadModelKind};

    fn at(head: u64, checkpoint: u64) -> Result<Option<BackendStatus>, ClientError> {
        Ok(Some(BackendStatus {
            ready: head == checkpoint,
            event_store: EventStoreKind::Sqlite,
            read_model: ReadModelKind::Sqlite,
            log_position: Some(head),
            checkpoint: Some(checkpoint),
            live_subscribers: 0,
            version: "0.1.0".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
        }))
    }

    #[test]
    fn lag_shows_only_once_it_has_lasted_over_a_second() {
        let mut watch = StatusWatch::default();
        let t0 = Instant::now();
        let next = watch.answered(t0, at(10, 7));
        assert_eq!(next, Some(Effect::LoadStatus { after: EVERY }));
        assert_eq!(watch.lag(), None, "a moment behind is normal");
        watch.answered(t0 + Duration::from_millis(500), at(12, 9));
        assert_eq!(watch.lag(), None);
        watch.answered(t0 + Duration::from_millis(1100), at(12, 9));
        assert_eq!(watch.lag(), Some(3));
        watch.answered(t0 + Duration::from_millis(2100), at(12, 12));
        assert_eq!(watch.lag(), None, "caught up");
        watch.answered(t0 + Duration::from_millis(3100), at(13, 12));
        assert_eq!(watch.lag(), None, "the clock starts again");
    }

    #[test]
    fn a_backend_without_status_is_asked_once_and_errors_keep_the_last_answer() {
        let mut watch = StatusWatch::default();
        assert_eq!(watch.answered(Instant::now(), Ok(None)), None);
        assert!(watch.absent);

        let mut watch = StatusWatch::default();
        watch.answered(Instant::now(), at(3, 3));
        let down = Err(ClientError::Unreachable("connection refused".into()));
        assert!(
            watch.answered(Instant::now(), down).is_some(),
            "tries again"
        );
        assert_eq!(
            watch.error.as_deref(),
            Some("backend unreachable: connection refused")
        );
        assert_eq!(watch.latest.as_ref().and_then(|s| s.log_position), Some(3));
        let refused = Err(ClientError::Tls(
            "the certificate of h is refused: expired".into(),
        ));
        assert_eq!(watch.answered(Instant::now(), refused), None, "no retry");
    }
}
