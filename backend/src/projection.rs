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
use crate::read_model::{AuditFilter, ReadModel, ReadModelError, PROJECTION};
use flightdeck_core::contract::AuditEntry;
use flightdeck_core::Event;
use futures_util::StreamExt;
use sqlx::{AnyConnection, Connection};
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

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The newest position in the read model.
    pub applied: Option<Position>,
    /// False while the projection cannot read the log or write the read model.
    pub following: bool,
}

#[derive(Debug, thiserror::Error)]
enum ProjectionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    ReadModel(#[from] ReadModelError),
    #[error("the event log subscription ended")]
    Ended,
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
        *self.applied.borrow()
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
        progress.send_modify(|p| p.following = false);
        if progress.borrow().applied != before {
            // It worked for a while: this is a new outage, not the same one going on.
            backoff = FIRST_BACKOFF;
        }
        tracing::warn!(error = %error, retry_in_ms = backoff.as_millis() as u64, "projection stopped; resuming from its checkpoint");
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
    // One connection for the whole subscription: a pool would test it on every return.
    let mut conn = match read_model.pool().acquire().await {
        Ok(conn) => conn,
        Err(e) => return e.into(),
    };
    progress.send_replace(Progress {
        applied: from,
        following: true,
    });
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
            match apply(read_model, &mut conn, &mut batch, last).await {
                Ok(entries) => {
                    progress.send_replace(Progress {
                        applied: Some(last),
                        following: true,
                    });
                    for entry in entries {
                        // No subscriber is not an error: the live stream is optional.
                        let _ = live.send(Arc::new(entry));
                    }
                }
                Err(e) => return e,
            }
        }
        if let Some(failure) = failure {
            return failure;
        }
    }
    ProjectionError::Ended
}

/// Applies `batch` and moves the checkpoint to `through`, in one transaction.
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
) -> Result<Vec<AuditEntry>, ProjectionError> {
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
    let events: Vec<(&RecordedEvent, Event)> = batch
        .iter_mut()
        .filter_map(|recorded| {
            if recorded.position as i64 <= checkpoint {
                applied_elsewhere = true;
                return None;
            }
            // The data moves into the event; nothing reads it from the batch afterwards.
            let data = std::mem::take(&mut recorded.data);
            match Event::decode(&recorded.event_type, data) {
                Ok(event) => Some((&*recorded, event)),
                Err(e) => {
                    tracing::warn!(position = recorded.position, stream = %recorded.stream, error = %e, "skipping an event this version cannot read");
                    None
                }
            }
        })
        .collect();
    let mut entries = Vec::new();
    if !events.is_empty() {
        let mut flight_ids: Vec<Uuid> = events.iter().map(|(_, e)| e.flight_id()).collect();
        flight_ids.sort_unstable();
        flight_ids.dedup();
        let (flights, passengers) =
            rows::load(&mut tx, read_model.placeholders(), &flight_ids).await?;
        let mut working = WorkingSet::new(flights, passengers);
        for (recorded, event) in &events {
            working.apply(recorded, event);
        }
        let changes = working.into_changes();
        rows::store(&mut tx, read_model.placeholders(), &changes).await?;
        entries = changes.audit.into_iter().map(|row| row.entry).collect();
    }
    if through as i64 > checkpoint {
        sqlx::query("UPDATE checkpoints SET position = $2 WHERE name = $1")
            .bind(PROJECTION)
            .bind(through as i64)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    if applied_elsewhere {
        // This instance's live subscribers still see every entry, in order.
        let first = batch.first().map_or(through, |e| e.position);
        let mut all = read_model
            .audit(
                AuditFilter::All,
                first.checked_sub(1),
                Some(batch.len() as u32),
            )
            .await?;
        all.retain(|e| e.position.is_some_and(|p| p <= through));
        return Ok(all);
    }
    Ok(entries)
}
