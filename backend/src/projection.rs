//! The projection: follows the event log from its checkpoint and keeps the read model (flights,
//! passengers, audit log) in step with it.
//!
//! Each batch of events is applied in one transaction together with the checkpoint that covers
//! it, so a crash never applies an event twice or skips one: in effect, exactly once. After the
//! commit, the new audit entries go to live-stream subscribers and the applied position to
//! commands waiting to read their own writes.

mod working_set;

use crate::event_store::{EventStore, Position, RecordedEvent, StoreError};
use crate::read_model::rows;
use crate::read_model::{AuditFilter, Parked, ReadModel, ReadModelError, PROJECTION};
use flightdeck_core::contract::AuditEntry;
use flightdeck_core::Event;
use futures_util::StreamExt;
use sqlx::{AnyConnection, Connection};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;
use working_set::WorkingSet;

/// Events applied per transaction at most; what the subscription has ready, up to this.
const BATCH: usize = 1024;
/// Live-stream subscribers that fall further behind than this re-read from the read model.
const LIVE_BUFFER: usize = 4096;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// What the rest of the backend sees of the running projection.
#[derive(Clone)]
pub struct Projection {
    applied: watch::Receiver<Progress>,
    live: broadcast::Sender<Arc<AuditEntry>>,
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

#[derive(Debug, thiserror::Error)]
enum ProjectionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    ReadModel(#[from] ReadModelError),
    #[error("the event log subscription ended")]
    Ended,
    #[error("{0}")]
    Halted(Arc<Halt>),
}

impl From<sqlx::Error> for ProjectionError {
    fn from(e: sqlx::Error) -> Self {
        Self::ReadModel(e.into())
    }
}

impl Projection {
    /// Starts following the log in the background.
    pub fn spawn(store: Arc<dyn EventStore>, read_model: ReadModel) -> (Self, JoinHandle<()>) {
        let (progress, applied) = watch::channel(Progress::default());
        let (live, _) = broadcast::channel(LIVE_BUFFER);
        // The projection is the read model's one writer, so its progress says when to
        // checkpoint the read model's WAL.
        if read_model.has_wal() {
            let checkpointer = read_model.clone();
            crate::wal::spawn_checkpoints(applied.clone(), "read model", move || {
                let read_model = checkpointer.clone();
                async move { read_model.checkpoint_wal().await }
            });
        }
        let task = tokio::spawn(run(store, read_model, progress, live.clone()));
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

    /// New audit entries as they are committed.
    pub fn live(&self) -> broadcast::Receiver<Arc<AuditEntry>> {
        self.live.subscribe()
    }
}

async fn run(
    store: Arc<dyn EventStore>,
    read_model: ReadModel,
    progress: watch::Sender<Progress>,
    live: broadcast::Sender<Arc<AuditEntry>>,
) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let before = progress.borrow().applied;
        let error = follow(store.as_ref(), &read_model, &progress, &live).await;
        let halted = match &error {
            ProjectionError::Halted(halt) => Some(halt.clone()),
            _ => None,
        };
        let already = progress.borrow().halted == halted && halted.is_some();
        progress.send_modify(|p| {
            p.following = false;
            p.halted = halted.clone();
        });
        if progress.borrow().applied != before {
            // It worked for a while: this is a new outage, not the same one going on.
            backoff = FIRST_BACKOFF;
        }
        match halted {
            // Said once; then the projection looks every few seconds for the event to be parked.
            Some(_) if already => {}
            Some(halt) => {
                tracing::error!(position = halt.position, stream = %halt.stream, event_type = %halt.event_type, reason = %halt.reason, "{halt}")
            }
            None => {
                tracing::warn!(error = %error, retry_in_ms = backoff.as_millis() as u64, "projection stopped; resuming from its checkpoint")
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn follow(
    store: &dyn EventStore,
    read_model: &ReadModel,
    progress: &watch::Sender<Progress>,
    live: &broadcast::Sender<Arc<AuditEntry>>,
) -> ProjectionError {
    let from = match read_model.checkpoint().await {
        Ok(from) => from,
        Err(e) => return e.into(),
    };
    let parked = match read_model.parked().await {
        Ok(parked) => parked,
        Err(e) => return e.into(),
    };
    // One connection for the whole subscription: a pool would test it on every return.
    let mut conn = match read_model.pool().acquire().await {
        Ok(conn) => conn,
        Err(e) => return e.into(),
    };
    // A projection stopped at an unreadable event stays stopped until it gets past it.
    if progress.borrow().halted.is_none() {
        progress.send_replace(Progress {
            applied: from,
            following: true,
            halted: None,
        });
    }
    let mut events = store.subscribe_all(from).ready_chunks(BATCH);
    while let Some(chunk) = events.next().await {
        let mut failure = None;
        let mut batch = Vec::with_capacity(chunk.len());
        for item in chunk {
            match item {
                Ok(recorded) => batch.push(recorded),
                Err(e) => {
                    // Apply what arrived before the failure; the resubscription starts after it.
                    failure = Some(e.into());
                    break;
                }
            }
        }
        if let Some(last) = batch.last().map(|e| e.position) {
            let (applied, halt) =
                match apply(read_model, &mut conn, &mut batch, last, &parked).await {
                    Ok(applied) => applied,
                    Err(e) => return e,
                };
            if let Some(through) = applied.through {
                progress.send_replace(Progress {
                    applied: Some(through),
                    following: halt.is_none(),
                    halted: None,
                });
            }
            for entry in applied.entries {
                // No subscriber is not an error: the live stream is optional.
                let _ = live.send(Arc::new(entry));
            }
            if let Some(halt) = halt {
                return ProjectionError::Halted(Arc::new(halt));
            }
        }
        if let Some(failure) = failure {
            return failure;
        }
    }
    ProjectionError::Ended
}

/// What one transaction applied: the checkpoint it moved to, and the audit entries for the
/// live stream.
struct Applied {
    through: Option<Position>,
    entries: Vec<AuditEntry>,
}

/// Applies `batch` and moves the checkpoint to `through`, in one transaction; or, when the batch
/// holds an event that cannot be read and is not parked, applies what comes before it and
/// returns where it stopped.
///
/// Several backends may follow the same log into the same read model. Each locks the
/// checkpoint row first (Postgres: `FOR UPDATE`; SQLite admits one writer at a time anyway), so
/// they take turns, and each skips what the checkpoint says is applied already: every event takes
/// effect once, whichever instance gets there first, and no leader has to be elected.
async fn apply(
    read_model: &ReadModel,
    conn: &mut AnyConnection,
    batch: &mut [RecordedEvent],
    through: Position,
    parked: &BTreeMap<Position, Parked>,
) -> Result<(Applied, Option<Halt>), ProjectionError> {
    let mut tx = conn.begin().await?;
    let checkpoint: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT position FROM checkpoints WHERE name = $1{}",
        read_model.row_lock()
    ))
    .bind(PROJECTION)
    .fetch_optional(&mut *tx)
    .await?;
    let checkpoint = checkpoint.unwrap_or(-1);
    let mut applied_elsewhere = false;
    let mut halt = None;
    // The newest position this transaction covers: `through`, unless it halts before.
    let mut covered = None;
    let mut events: Vec<(&RecordedEvent, Result<Event, &Parked>)> = Vec::new();
    for recorded in batch.iter_mut() {
        if recorded.position as i64 <= checkpoint {
            applied_elsewhere = true;
            continue;
        }
        // The data moves into the event; nothing reads it from the batch afterwards.
        match recorded.take_event() {
            Ok(event) => events.push((&*recorded, Ok(event))),
            Err(e) => match parked.get(&recorded.position) {
                Some(parked) => events.push((&*recorded, Err(parked))),
                None => {
                    halt = Some(Halt {
                        position: recorded.position,
                        stream: recorded.stream.clone(),
                        event_type: recorded.event_type.clone(),
                        reason: e.reason,
                    });
                    break;
                }
            },
        }
        covered = Some(recorded.position);
    }
    let covered = match halt {
        None => Some(through),
        Some(_) => covered,
    };
    let mut entries = Vec::new();
    if !events.is_empty() {
        let mut flight_ids: Vec<Uuid> = events
            .iter()
            .filter_map(|(_, e)| e.as_ref().ok().map(Event::flight_id))
            .collect();
        flight_ids.sort_unstable();
        flight_ids.dedup();
        let (flights, passengers) =
            rows::load(&mut tx, read_model.placeholders(), &flight_ids).await?;
        let mut working = WorkingSet::new(flights, passengers);
        for (recorded, event) in &events {
            match event {
                Ok(event) => working.apply(recorded, event),
                Err(parked) => working.park(recorded, &parked.reason),
            }
        }
        let changes = working.into_changes();
        rows::store(&mut tx, read_model.placeholders(), &changes).await?;
        entries = changes.audit.into_iter().map(|row| row.entry).collect();
    }
    if let Some(covered) = covered.filter(|c| *c as i64 > checkpoint) {
        sqlx::query("UPDATE checkpoints SET position = $2 WHERE name = $1")
            .bind(PROJECTION)
            .bind(covered as i64)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    if applied_elsewhere {
        // This instance's live subscribers still see every entry, in order.
        let through = covered.unwrap_or(through);
        let first = batch.first().map_or(through, |e| e.position);
        let mut all = read_model
            .audit(
                AuditFilter::All,
                first.checked_sub(1),
                Some(batch.len() as u32),
            )
            .await?;
        all.retain(|e| e.position.is_some_and(|p| p <= through));
        entries = all;
    }
    let applied = Applied {
        through: covered.map(|c| c.max(checkpoint.max(0) as Position)),
        entries,
    };
    Ok((applied, halt))
}
