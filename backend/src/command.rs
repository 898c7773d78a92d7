//! Carrying out a command: know the flight (remembered from this process's last write to it, or
//! read from its stream), decide, append with the expected revision, retry from the stream on a
//! concurrent write, then wait until the read model shows the result.

use crate::event_store::{EventStore, ExpectedRevision, NewEvent, StoreError};
use crate::projection::Projection;
use crate::read_model::{ReadModel, ReadModelError};
use flightdeck_core::contract::UpdatePassenger;
use flightdeck_core::event::stream_name;
use flightdeck_core::{decide, evolve, replay, Command, DomainError, Event, FlightState};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use uuid::Uuid;

/// Attempts before a command on a flight that other writers keep changing gives up.
const MAX_ATTEMPTS: usize = 16;
/// Commands on one flight queue behind one of these locks, so writers in this process do not
/// race each other into revision conflicts; other processes are still caught by the revision.
/// Flights that share a stripe queue behind each other too: with 64 stripes, 32 operators on 32
/// flights shared one four times in ten; with 1024, about one time in thirty-three.
const LOCK_STRIPES: usize = 1024;
/// Flights whose state is kept between commands; past this many, the memory starts over.
const REMEMBERED_FLIGHTS: usize = 10_000;
/// How long a command waits for a starting or resubscribing projection before refusing.
const FOLLOWING_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Refused(#[from] DomainError),
    #[error("passenger with id '{0}' does not exist")]
    UnknownPassenger(Uuid),
    #[error("flight {0} kept changing under this command; try again")]
    Contention(Uuid),
    #[error("the read model is not following the event log right now, so this command could not be shown once done; nothing was written, try again shortly")]
    ReadSideDown,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    ReadModel(#[from] ReadModelError),
}

impl CommandError {
    /// A refusal is an answer about the request, not a failure of the backend.
    pub fn refusal(&self) -> Option<String> {
        match self {
            Self::Refused(_) | Self::UnknownPassenger(_) => Some(self.to_string()),
            _ => None,
        }
    }
}

pub struct Commands {
    store: Arc<dyn EventStore>,
    read_model: ReadModel,
    projection: Projection,
    locks: Vec<Mutex<()>>,
    /// Each flight as this process last wrote it, and the revision that wrote it: a shortcut
    /// past reading the stream before each command. Never trusted for more than a guess: the
    /// append names the revision, so a flight another process changed meanwhile conflicts, is
    /// forgotten, and is read from the log.
    known: std::sync::Mutex<HashMap<Uuid, (FlightState, u64)>>,
    read_your_writes: Duration,
}

impl Commands {
    pub fn new(
        store: Arc<dyn EventStore>,
        read_model: ReadModel,
        projection: Projection,
        read_your_writes: Duration,
    ) -> Self {
        Self {
            store,
            read_model,
            projection,
            locks: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
            known: std::sync::Mutex::new(HashMap::new()),
            read_your_writes,
        }
    }

    /// Carries out `command`; returns once the read model shows its effect (or the wait for it
    /// has timed out: the events are durable either way).
    pub async fn execute(&self, command: &Command) -> Result<(), CommandError> {
        let stream = stream_name(command.flight_id);
        let stripe = (command.flight_id.as_u128() % LOCK_STRIPES as u128) as usize;
        let turn = self.locks[stripe].lock().await;
        // A command whose effect cannot become readable is refused before anything is written.
        // (If the read side fails while the command waits, the command still answers success:
        // its events are durable and will be projected.)
        if !self.projection.wait_following(FOLLOWING_GRACE).await {
            return Err(CommandError::ReadSideDown);
        }
        for attempt in 0..MAX_ATTEMPTS {
            // Only a first attempt may start from memory; every retry reads the log.
            let known = match attempt {
                0 => self.remembered(command.flight_id),
                _ => None,
            };
            let remembered = known.is_some();
            let (state, revision) = match known {
                Some(known) => known,
                None => self.load(&stream).await?,
            };
            let decision = decide(&state, command);
            if remembered && decision.as_ref().map_or(true, Vec::is_empty) {
                // A refusal or a no-op must rest on the log, not on memory that another
                // process may have outdated; only an append is checked by its revision.
                self.forget(command.flight_id);
                continue;
            }
            let events = decision?;
            if events.is_empty() {
                return Ok(());
            }
            let expected = match revision {
                None => ExpectedRevision::NoStream,
                Some(revision) => ExpectedRevision::Exact(revision),
            };
            let new_events = events
                .iter()
                .map(|e| NewEvent {
                    event_id: Uuid::new_v4(),
                    event_type: e.event_type().to_owned(),
                    data: e.data(),
                })
                .collect();
            match self.store.append(&stream, expected, new_events).await {
                Ok(appended) => {
                    let state = events.iter().fold(state, evolve);
                    self.remember(command.flight_id, state, appended.revision);
                    // The next command on this flight decides from what the log already holds
                    // (or from memory of it); it need not wait for the read model as this does.
                    drop(turn);
                    if !self
                        .projection
                        .wait_for(appended.position, self.read_your_writes)
                        .await
                    {
                        tracing::warn!(%stream, position = appended.position, "answered before the read model caught up");
                    }
                    return Ok(());
                }
                Err(StoreError::Conflict { .. }) => {
                    self.forget(command.flight_id);
                    continue;
                }
                Err(e) => {
                    // An append that failed may still have been written (a lost answer).
                    self.forget(command.flight_id);
                    return Err(e.into());
                }
            }
        }
        Err(CommandError::Contention(command.flight_id))
    }

    /// The flight as its stream tells it, and the stream's revision (`None`: no stream).
    async fn load(&self, stream: &str) -> Result<(FlightState, Option<u64>), CommandError> {
        let recorded = self.store.read_stream(stream).await?;
        let history = recorded
            .iter()
            .map(|r| Event::decode(&r.event_type, r.data.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Corrupt(format!("{stream}: {e}")))?;
        Ok((replay(&history), recorded.last().map(|r| r.revision)))
    }

    /// The remembered flights. A panic while the lock was held cannot leave a half-written
    /// entry (each change is one map operation), so a poisoned lock is taken as it is.
    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, (FlightState, u64)>> {
        self.known
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn remembered(&self, flight_id: Uuid) -> Option<(FlightState, Option<u64>)> {
        self.known()
            .get(&flight_id)
            .map(|(state, revision)| (state.clone(), Some(*revision)))
    }

    fn remember(&self, flight_id: Uuid, state: FlightState, revision: u64) {
        let mut known = self.known();
        if known.len() >= REMEMBERED_FLIGHTS && !known.contains_key(&flight_id) {
            // Bounded memory; the flights forgotten are read from the log when next used.
            known.clear();
        }
        known.insert(flight_id, (state, revision));
    }

    fn forget(&self, flight_id: Uuid) {
        self.known().remove(&flight_id);
    }

    /// A passenger's PUT names the passenger; the flight comes from the read model, which knows
    /// every passenger whose check-in has been answered.
    pub async fn update_passenger(&self, request: &UpdatePassenger) -> Result<(), CommandError> {
        let flight_id = match self.read_model.passenger(request.id).await? {
            Some(passenger) => passenger.flight_id,
            None => return Err(CommandError::UnknownPassenger(request.id)),
        };
        self.execute(&request.command(flight_id)?).await
    }
}
