//! A flight's story: every event of its stream, each with the flight and its manifest as they
//! stood right after it. Nothing is stored for it: the stream is replayed through core's
//! `evolve`, on either event store, so the story and the decisions come from the same rules.

use crate::event_store::{EventStore, RecordedEvent, StoreError};
use chrono::SecondsFormat;
use flightdeck_core::contract::{shown, HistoryEntry};
use flightdeck_core::event::stream_name;
use flightdeck_core::{evolve, FlightState};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("flight with id '{0}' does not exist")]
    UnknownFlight(Uuid),
    #[error("flight with id '{flight}' has no revision {revision}: its newest is {newest}")]
    NoSuchRevision {
        flight: Uuid,
        revision: u64,
        newest: u64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The flight's stream, read once; its entries are made as they are asked for.
pub struct History {
    events: std::vec::IntoIter<RecordedEvent>,
    state: FlightState,
}

impl History {
    /// Reads the flight's stream; `revision` keeps only the entry at that revision (the events
    /// before it are still replayed, to know the state after it).
    pub async fn read(
        store: &dyn EventStore,
        flight: Uuid,
        revision: Option<u64>,
    ) -> Result<Self, HistoryError> {
        let mut events = store.read_stream(&stream_name(flight)).await?;
        let Some(newest) = events.last().map(|e| e.revision) else {
            return Err(HistoryError::UnknownFlight(flight));
        };
        let mut state = FlightState::Unknown;
        if let Some(revision) = revision {
            if revision > newest {
                return Err(HistoryError::NoSuchRevision {
                    flight,
                    revision,
                    newest,
                });
            }
            let before: Vec<RecordedEvent> = events.drain(..revision as usize).collect();
            for recorded in &before {
                state = evolve(state, &decoded(recorded)?);
            }
            events.truncate(1);
        }
        Ok(Self {
            events: events.into_iter(),
            state,
        })
    }
}

impl Iterator for History {
    type Item = Result<HistoryEntry, HistoryError>;

    fn next(&mut self) -> Option<Self::Item> {
        let recorded = self.events.next()?;
        let event = match decoded(&recorded) {
            Ok(event) => event,
            Err(e) => return Some(Err(e)),
        };
        self.state = evolve(std::mem::take(&mut self.state), &event);
        let (flight, passengers) = match shown(&self.state) {
            Some((flight, passengers)) => (Some(flight), passengers),
            None => (None, Vec::new()),
        };
        Some(Ok(HistoryEntry {
            position: recorded.position,
            revision: recorded.revision,
            created: recorded
                .created
                .to_rfc3339_opts(SecondsFormat::Micros, true),
            event_type: recorded.event_type,
            event_name: event.audit().event_name.to_owned(),
            flight,
            passengers,
        }))
    }
}

fn decoded(recorded: &RecordedEvent) -> Result<flightdeck_core::Event, HistoryError> {
    recorded.event().map_err(|e| {
        StoreError::Corrupt(format!(
            "{} at position {}: {e}",
            recorded.stream, recorded.position
        ))
        .into()
    })
}
