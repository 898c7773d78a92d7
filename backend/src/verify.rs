//! `flightdeck-backend verify`: replays the event log and compares what it describes with the
//! read model, so an operator can prove nothing was lost or applied twice.

use crate::event_store::{EventStore, Position, RecordedEvent, StoreError};
use crate::read_model::{AuditFilter, ReadModel, ReadModelError};
use flightdeck_core::contract::{shown, Flight, Passenger};
use flightdeck_core::{replay, Event};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    ReadModel(#[from] ReadModelError),
}

#[derive(Debug, Default)]
pub struct Report {
    /// Events replayed: those up to the read model's checkpoint.
    pub events: usize,
    /// Events in the log past the checkpoint, not yet applied.
    pub pending: usize,
    pub checkpoint: Option<Position>,
    /// Each difference, in words.
    pub differences: Vec<String>,
    /// Each event an operator parked (the projection went past it), in words.
    pub parked: Vec<String>,
}

pub async fn verify(store: &dyn EventStore, read_model: &ReadModel) -> Result<Report, VerifyError> {
    if let Err(e @ ReadModelError::Damaged(_)) = read_model.check_schema().await {
        return Ok(Report {
            differences: vec![e.to_string()],
            ..Report::default()
        });
    }
    let checkpoint = read_model.checkpoint().await?;
    let parked = read_model.parked().await?;
    let log = read_log(store).await?;
    let (applied, pending): (Vec<_>, Vec<_>) = log
        .into_iter()
        .partition(|e| checkpoint.is_some_and(|c| e.position <= c));
    let mut report = Report {
        events: applied.len(),
        pending: pending.len(),
        checkpoint,
        ..Report::default()
    };
    if checkpoint.is_none() && !pending.is_empty() {
        report.differences.push(format!(
            "the read model has applied none of the log's {} events: it was deleted or emptied, or has never run; start the backend (with --rebuild if it was damaged) to rebuild it",
            pending.len()
        ));
    }

    let mut streams: BTreeMap<&str, Vec<Event>> = BTreeMap::new();
    for recorded in &applied {
        match recorded.event() {
            Ok(event) => streams.entry(&recorded.stream).or_default().push(event),
            Err(e) => match parked.get(&recorded.position) {
                Some(p) => report.parked.push(format!(
                    "position {} (stream {}, type {}) was parked at {}: {}; it cannot be read: {}",
                    recorded.position, p.stream, p.event_type, p.parked_at, p.reason, e.reason
                )),
                None => report
                    .differences
                    .push(format!("position {}: {e}", recorded.position)),
            },
        }
    }
    let mut expected: BTreeMap<Uuid, (Flight, Vec<Passenger>)> = BTreeMap::new();
    for events in streams.values() {
        if let Some((flight, passengers)) = shown(&replay(events)) {
            expected.insert(flight.id, (flight, passengers));
        }
    }

    let actual = read_model.flights().await?;
    for flight in &actual {
        match expected.remove(&flight.id) {
            None => report.differences.push(format!(
                "flight {} ({}) is in the read model but not in the log",
                flight.id, flight.flight_number
            )),
            Some((want, want_passengers)) => {
                if *flight != want {
                    report.differences.push(format!(
                        "flight {}: the read model has {flight:?}, the log says {want:?}",
                        flight.id
                    ));
                }
                let passengers = read_model.passengers_of(flight.id).await?;
                if passengers != want_passengers {
                    report.differences.push(format!(
                        "flight {}: the read model has passengers {passengers:?}, the log says {want_passengers:?}",
                        flight.id
                    ));
                }
            }
        }
    }
    for (id, (flight, _)) in expected {
        report.differences.push(format!(
            "flight {id} ({}) is in the log but missing from the read model",
            flight.flight_number
        ));
    }

    let audit: Vec<Option<Position>> = read_model
        .audit(AuditFilter::All, None, None)
        .await?
        .into_iter()
        .map(|e| e.position)
        .collect();
    let logged: Vec<Option<Position>> = applied.iter().map(|e| Some(e.position)).collect();
    if audit != logged {
        report.differences.push(format!(
            "the audit log holds {} entries where the log has {} applied events, or in another order",
            audit.len(),
            logged.len()
        ));
    }
    Ok(report)
}

/// The whole log as it stands now.
async fn read_log(store: &dyn EventStore) -> Result<Vec<RecordedEvent>, StoreError> {
    let Some(head) = store.last_position().await? else {
        return Ok(Vec::new());
    };
    let mut events = Vec::new();
    let mut all = store.subscribe_all(None);
    while let Some(event) = all.next().await {
        let event = event?;
        let at = event.position;
        events.push(event);
        if at >= head {
            break;
        }
    }
    Ok(events)
}
