//! Carrying out a command: know the flight (remembered from this process's last write to it, or
//! read from its stream), decide, append with the expected revision, retry from the stream on a
//! concurrent write, then wait until the read model shows the result.

use crate::event_store::{
    EventStore, ExpectedRevision, NewEvent, Position, RecordedEvent, StoreError,
};
use crate::projection::Projection;
use crate::read_model::{ReadModel, ReadModelError};
use flightdeck_core::contract::UpdatePassenger;
use flightdeck_core::event::stream_name;
use flightdeck_core::flight::already_created;
use flightdeck_core::{decide, evolve, replay, Action, Command, DomainError, Event, FlightState};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use uuid::Uuid;

/// Attempts before a command on a flight that other writers keep changing gives up.
const MAX_ATTEMPTS: usize = 16;
/// Commands on one flight queue behind one of these locks, so writers in this process do not
/// race each other into revision conflicts; other processes are still caught by the revision.
/// Flights that share a stripe queue behind each other too, so there are many more stripes than
/// operators (BENCHMARKS.md, "What changed", has how often they collide).
const LOCK_STRIPES: usize = 1024;
/// Flights whose state is kept between commands; past this many, the memory starts over.
const REMEMBERED_FLIGHTS: usize = 10_000;
/// How long a command waits for a starting or resubscribing projection before refusing.
const FOLLOWING_GRACE: Duration = Duration::from_secs(5);

/// Raised by a command as its append starts. From then on its events may be in the log, so
/// whoever cuts requests short (the request timeout) must let this one run to its answer.
#[derive(Clone, Debug, Default)]
pub struct NoReturn(Arc<AtomicBool>);

impl NoReturn {
    pub fn passed(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn pass(&self) {
        self.0.store(true, Ordering::Release);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Refused(#[from] DomainError),
    #[error("passenger with id '{0}' does not exist")]
    UnknownPassenger(Uuid),
    #[error("flight {0} kept changing under this command; try again")]
    Contention(Uuid),
    #[error("nothing was written: the read model is not following the event log ({0}), so this command could not be shown once done; try again shortly")]
    ReadSideDown(String),
    #[error("the command was recorded at position {position}, but the read model has not shown it within {waited:?}: {why}. It will show once the read side catches up; repeat the request only with the same Idempotency-Key")]
    NotShownYet {
        position: Position,
        waited: Duration,
        why: String,
    },
    #[error("this Idempotency-Key was first used for a different request; use a new key for a new request")]
    KeyReused,
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

    /// Carries out `command`; returns once the read model shows its effect. `no_return` is
    /// raised just before the events are appended.
    pub async fn execute(
        &self,
        command: &Command,
        no_return: &NoReturn,
    ) -> Result<(), CommandError> {
        let stream = stream_name(command.flight_id);
        let stripe = (command.flight_id.as_u128() % LOCK_STRIPES as u128) as usize;
        let turn = self.locks[stripe].lock().await;
        // A command whose effect cannot become readable is refused before anything is written.
        // (If the read side fails while the command waits, the command still answers success:
        // its events are durable and will be projected.)
        if !self.projection.wait_following(FOLLOWING_GRACE).await {
            return Err(CommandError::ReadSideDown(self.projection.why_behind()));
        }
        for attempt in 0..MAX_ATTEMPTS {
            // Only a first attempt may start from memory; every retry reads the log.
            let known = match attempt {
                0 => self.take_remembered(command.flight_id),
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
            let events = match decision {
                Err(refusal @ (DomainError::FlightExists(_) | DomainError::PassengerExists(_))) => {
                    // A repeat writes nothing: the flight's other commands need not wait on it.
                    drop(turn);
                    return self.repeated(command, refusal).await;
                }
                decision => decision?,
            };
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
            no_return.pass();
            match self.store.append(&stream, expected, new_events).await {
                Ok(appended) => {
                    let state = events.iter().fold(state, evolve);
                    self.remember(command.flight_id, state, appended.revision);
                    // The next command on this flight decides from what the log already holds
                    // (or from memory of it); it need not wait for the read model as this does.
                    drop(turn);
                    return self.shown(appended.position).await;
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

    /// Returns once the read model holds `position`; a command whose effect does not show in
    /// time is not answered as done.
    async fn shown(&self, position: Position) -> Result<(), CommandError> {
        if self
            .projection
            .wait_for(position, self.read_your_writes)
            .await
        {
            return Ok(());
        }
        let why = self.projection.why_behind();
        tracing::warn!(position, %why, "a recorded command is not shown by the read model yet");
        Err(CommandError::NotShownYet {
            position,
            waited: self.read_your_writes,
            why,
        })
    }

    /// A create refused because its id exists: an idempotent retry if the stream holds that very
    /// creation (then it is answered as the first was), a different request under a reused key
    /// otherwise.
    async fn repeated(&self, command: &Command, refusal: DomainError) -> Result<(), CommandError> {
        let stream = stream_name(command.flight_id);
        let recorded = self.store.read_stream(&stream).await?;
        let history = decode(&stream, &recorded)?;
        if !already_created(&history, command) {
            return match command.action {
                Action::CreateFlight(_) | Action::AddPassenger { .. } => {
                    Err(CommandError::KeyReused)
                }
                _ => Err(refusal.into()),
            };
        }
        let position = recorded.last().map_or(0, |r| r.position);
        self.shown(position).await
    }

    /// The flight as its stream tells it, and the stream's revision (`None`: no stream).
    async fn load(&self, stream: &str) -> Result<(FlightState, Option<u64>), CommandError> {
        let recorded = self.store.read_stream(stream).await?;
        let history = decode(stream, &recorded)?;
        Ok((replay(&history), recorded.last().map(|r| r.revision)))
    }

    /// The remembered flights. A panic while the lock was held cannot leave a half-written
    /// entry (each change is one map operation), so a poisoned lock is taken as it is.
    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, (FlightState, u64)>> {
        self.known
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The remembered flight, taken out of memory rather than copied: the command holds the
    /// flight's lock and puts back the state it appends; any other ending leaves the flight to
    /// be read from the log, as `forget` would.
    fn take_remembered(&self, flight_id: Uuid) -> Option<(FlightState, Option<u64>)> {
        self.known()
            .remove(&flight_id)
            .map(|(state, revision)| (state, Some(revision)))
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
    pub async fn update_passenger(
        &self,
        request: &UpdatePassenger,
        no_return: &NoReturn,
    ) -> Result<(), CommandError> {
        let passenger = match self.read_model.passenger(request.id).await? {
            Some(passenger) => passenger,
            None => return Err(CommandError::UnknownPassenger(request.id)),
        };
        self.execute(&request.command(&passenger)?, no_return).await
    }
}

fn decode(stream: &str, recorded: &[RecordedEvent]) -> Result<Vec<Event>, StoreError> {
    recorded
        .iter()
        .map(RecordedEvent::event)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Corrupt(format!("{stream}: {e}")))
}
