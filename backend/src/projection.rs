//! The projection: follows the event log from its checkpoint and keeps the read model (flights,
//! passengers, audit log) in step with it, in four pieces:
//!
//! - [`subscription`]: follows the log from the checkpoint, resubscribes with a capped backoff,
//!   and reports progress (readiness, read-your-writes);
//! - [`projector`]: applies a batch in one read-model transaction together with the checkpoint
//!   that covers it (the read model's `Writer`), so a crash never applies an event twice or
//!   skips one: in effect, exactly once;
//! - `working_set`: how each event changes the rows, worked out in memory, no SQL;
//! - [`live`]: the committed audit entries for live-stream followers.

pub mod live;
mod projector;
mod subscription;
mod working_set;

pub use working_set::PARKED_EVENT_NAME;

use crate::event_store::{EventStore, Position};
use crate::read_model::ReadModel;
use live::LiveFeed;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the rest of the backend sees of the running projection.
#[derive(Clone)]
pub struct Projection {
    applied: watch::Receiver<Progress>,
    live: LiveFeed,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The newest position in the read model.
    pub applied: Option<Position>,
    /// False while the projection cannot read the log or write the read model.
    pub following: bool,
    /// Set while the projection is stopped at an event it cannot read.
    pub halted: Option<Arc<Halt>>,
}

/// An event the projection cannot apply: it stops there rather than leave the read model
/// silently short of it, until an operator parks the event (`flightdeck-backend park`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Halt {
    pub position: Position,
    pub stream: String,
    pub event_type: String,
    pub reason: String,
}

impl std::fmt::Display for Halt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the projection is stopped at position {} (stream {}, type {}): {}; once this version can read it, restart, or let the projection go past it with `flightdeck-backend park {}`",
            self.position, self.stream, self.event_type, self.reason, self.position
        )
    }
}

impl Projection {
    /// Starts following the log in the background.
    pub fn spawn(store: Arc<dyn EventStore>, read_model: ReadModel) -> (Self, JoinHandle<()>) {
        let (progress, applied) = watch::channel(Progress::default());
        let live = LiveFeed::default();
        // The projection is the read model's one writer, so its progress says when to
        // checkpoint the read model's WAL.
        read_model.tend_wal(applied.clone());
        let task = tokio::spawn(subscription::run(store, read_model, progress, live.clone()));
        (Self { applied, live }, task)
    }

    pub fn progress(&self) -> Progress {
        self.applied.borrow().clone()
    }

    /// Why the read model may not show a new event soon, in words for an answer or a log line.
    pub fn why_behind(&self) -> String {
        let progress = self.progress();
        match (&progress.halted, progress.following, progress.applied) {
            (Some(halt), _, _) => halt.to_string(),
            (None, false, _) => "the projection is not following the event log".into(),
            (None, true, Some(at)) => format!("the read model is at position {at}"),
            (None, true, None) => "the read model has applied nothing yet".into(),
        }
    }

    /// Waits until the read model holds everything up to `position`; false on timeout.
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> bool {
        let mut applied = self.applied.clone();
        let reached = tokio::time::timeout(
            timeout,
            applied.wait_for(|p| p.applied.is_some_and(|a| a >= position)),
        )
        .await;
        matches!(reached, Ok(Ok(_)))
    }

    /// Waits until the projection follows the log (it starts, or resumes after an outage);
    /// false on timeout.
    pub async fn wait_following(&self, timeout: Duration) -> bool {
        let mut applied = self.applied.clone();
        let following = tokio::time::timeout(timeout, applied.wait_for(|p| p.following)).await;
        matches!(following, Ok(Ok(_)))
    }

    /// The audit entries as they are committed.
    pub fn live(&self) -> &LiveFeed {
        &self.live
    }
}
