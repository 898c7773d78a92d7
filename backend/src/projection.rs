//! The projection: follows the event log from its checkpoint and keeps the read model (flights,
//! passengers, audit log) in step with it.
//!
//! Each batch of events is applied in one transaction together with the checkpoint that covers
//! it, so a crash never applies an event twice or skips one: in effect, exactly once. After the
//! commit, the new audit entries go to live-stream subscribers and the applied position to
//! commands waiting to read their own writes.

use crate::event_store::{EventStore, Position, RecordedEvent, StoreError};
use crate::read_model::{
    self, AuditFilter, ReadModel, ReadModelError, FLIGHT_COLUMNS, PASSENGER_COLUMNS, PROJECTION,
};
use chrono::SecondsFormat;
use flightdeck_core::contract::{AuditEntry, AuditMetaData};
use flightdeck_core::event::Subject;
use flightdeck_core::Event;
use futures_util::StreamExt;
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

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
            match apply(read_model, &batch, last).await {
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
    batch: &[RecordedEvent],
    through: Position,
) -> Result<Vec<AuditEntry>, ProjectionError> {
    let mut tx = read_model.pool().begin().await?;
    let checkpoint: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT position FROM checkpoints WHERE name = $1{}",
        read_model.row_lock()
    ))
    .bind(PROJECTION)
    .fetch_optional(&mut *tx)
    .await?;
    let checkpoint = checkpoint.unwrap_or(-1);
    let mut entries = Vec::with_capacity(batch.len());
    let mut applied_elsewhere = false;
    for recorded in batch {
        if recorded.position as i64 <= checkpoint {
            applied_elsewhere = true;
            continue;
        }
        let event = match Event::decode(&recorded.event_type, recorded.data.clone()) {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(position = recorded.position, stream = %recorded.stream, error = %e, "skipping an event this version cannot read");
                continue;
            }
        };
        let data = project(&mut tx, recorded, &event).await?;
        entries.push(record_audit(&mut tx, recorded, &event, data).await?);
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

/// Changes the flights and passengers tables for one event; returns the flight or passenger as
/// it stands afterwards, for the audit log.
async fn project(
    tx: &mut Transaction<'static, Any>,
    recorded: &RecordedEvent,
    event: &Event,
) -> Result<Value, ProjectionError> {
    let flight_id = event.flight_id().to_string();
    let position = recorded.position as i64;
    let row = match event {
        Event::FlightCreated {
            origin,
            destination,
            flight_number,
            ..
        } => sqlx::query(&format!(
            "INSERT INTO flights (id, origin, destination, flight_number, status, created_position)
             VALUES ($1, $2, $3, $4, 1, $5) RETURNING {FLIGHT_COLUMNS}"
        ))
        .bind(&flight_id)
        .bind(origin)
        .bind(destination)
        .bind(flight_number)
        .bind(position)
        .fetch_optional(&mut **tx)
        .await?,
        Event::FlightDetailsChanged {
            origin,
            destination,
            flight_number,
            ..
        } => sqlx::query(&format!(
            "UPDATE flights SET origin = $2, destination = $3, flight_number = $4 WHERE id = $1 RETURNING {FLIGHT_COLUMNS}"
        ))
        .bind(&flight_id)
        .bind(origin)
        .bind(destination)
        .bind(flight_number)
        .fetch_optional(&mut **tx)
        .await?,
        Event::FlightAllBoarded { .. } => on_flight(tx, "UPDATE flights SET status = 2", &flight_id).await?,
        Event::FlightBoardingReopened { .. } => on_flight(tx, "UPDATE flights SET status = 1", &flight_id).await?,
        Event::FlightDisembarked { .. } => on_flight(tx, "UPDATE flights SET status = 3", &flight_id).await?,
        Event::FlightLanded { .. } => {
            sqlx::query("UPDATE passengers SET status = 3 WHERE flight_id = $1")
                .bind(&flight_id)
                .execute(&mut **tx)
                .await?;
            on_flight(tx, "UPDATE flights SET status = 4", &flight_id).await?
        }
        Event::FlightDeleted { .. } => {
            sqlx::query("DELETE FROM passengers WHERE flight_id = $1")
                .bind(&flight_id)
                .execute(&mut **tx)
                .await?;
            on_flight(tx, "DELETE FROM flights", &flight_id).await?
        }
        Event::PassengerCheckedIn {
            passenger_id, name, ..
        } => {
            bump_count(tx, "passenger_count", &flight_id).await?;
            let row = sqlx::query(&format!(
                "INSERT INTO passengers (id, flight_id, name, status, checkin_position)
                 VALUES ($1, $2, $3, 1, $4) RETURNING {PASSENGER_COLUMNS}"
            ))
            .bind(passenger_id.to_string())
            .bind(&flight_id)
            .bind(name)
            .bind(position)
            .fetch_optional(&mut **tx)
            .await?;
            return entity(row.as_ref(), read_model::passenger, passenger_id);
        }
        Event::PassengerRenamed {
            passenger_id, name, ..
        } => {
            let row = sqlx::query(&format!(
                "UPDATE passengers SET name = $2 WHERE id = $1 RETURNING {PASSENGER_COLUMNS}"
            ))
            .bind(passenger_id.to_string())
            .bind(name)
            .fetch_optional(&mut **tx)
            .await?;
            return entity(row.as_ref(), read_model::passenger, passenger_id);
        }
        Event::PassengerBoarded { passenger_id, .. } => {
            bump_count(tx, "boarded_count", &flight_id).await?;
            let row = sqlx::query(&format!(
                "UPDATE passengers SET status = 2 WHERE id = $1 RETURNING {PASSENGER_COLUMNS}"
            ))
            .bind(passenger_id.to_string())
            .fetch_optional(&mut **tx)
            .await?;
            return entity(row.as_ref(), read_model::passenger, passenger_id);
        }
    };
    entity(row.as_ref(), read_model::flight, &flight_id)
}

/// Runs `statement` (an UPDATE or DELETE of flights) on one flight and returns its row.
async fn on_flight(
    tx: &mut Transaction<'static, Any>,
    statement: &str,
    flight_id: &str,
) -> Result<Option<AnyRow>, ProjectionError> {
    Ok(sqlx::query(&format!(
        "{statement} WHERE id = $1 RETURNING {FLIGHT_COLUMNS}"
    ))
    .bind(flight_id)
    .fetch_optional(&mut **tx)
    .await?)
}

async fn bump_count(
    tx: &mut Transaction<'static, Any>,
    column: &str,
    flight_id: &str,
) -> Result<(), ProjectionError> {
    sqlx::query(&format!(
        "UPDATE flights SET {column} = {column} + 1 WHERE id = $1"
    ))
    .bind(flight_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The entity as JSON, or only its id when the row is gone (an event for a flight the read model
/// never saw, which a consistent log does not hold).
fn entity<T: serde::Serialize>(
    row: Option<&AnyRow>,
    read: fn(&AnyRow) -> Result<T, ReadModelError>,
    id: &impl std::fmt::Display,
) -> Result<Value, ProjectionError> {
    match row {
        Some(row) => Ok(serde_json::to_value(read(row)?).unwrap_or(Value::Null)),
        None => Ok(json!({ "id": id.to_string() })),
    }
}

async fn record_audit(
    tx: &mut Transaction<'static, Any>,
    recorded: &RecordedEvent,
    event: &Event,
    data: Value,
) -> Result<AuditEntry, ProjectionError> {
    let audit = event.audit();
    let subject = match audit.subject {
        Subject::Flight(_) => read_model::SUBJECT_FLIGHT,
        Subject::Passenger(_) => read_model::SUBJECT_PASSENGER,
    };
    let created = recorded
        .created
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    sqlx::query(
        "INSERT INTO audit_log (position, stream, event_number, event_id, event_type, operation, event_name, subject, created, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(recorded.position as i64)
    .bind(&recorded.stream)
    .bind(recorded.revision as i64)
    .bind(recorded.event_id.to_string())
    .bind(&recorded.event_type)
    .bind(audit.operation.code())
    .bind(audit.event_name)
    .bind(subject)
    .bind(&created)
    .bind(data.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(AuditEntry {
        created: created.clone(),
        event_type: recorded.event_type.clone(),
        event_number: recorded.revision as i64,
        event_id: recorded.event_id,
        data,
        meta_data: AuditMetaData {
            event_type_operation: audit.operation,
            event_name: audit.event_name.to_owned(),
            timestamp: created,
        },
        stream: Some(recorded.stream.clone()),
        position: Some(recorded.position),
    })
}
