//! Carrying out a command: load the flight's stream, decide, append with the expected revision,
//! retry on a concurrent write, then wait until the read model shows the result.

use crate::event_store::{EventStore, ExpectedRevision, NewEvent, StoreError};
use crate::projection::Projection;
use crate::read_model::{ReadModel, ReadModelError};
use flightdeck_core::contract::UpdatePassenger;
use flightdeck_core::event::stream_name;
use flightdeck_core::{decide, replay, Command, DomainError, Event};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use uuid::Uuid;

/// Attempts before a command on a flight that other writers keep changing gives up.
const MAX_ATTEMPTS: usize = 16;
/// Commands on one flight queue behind one of these locks, so writers in this process do not
/// race each other into revision conflicts; other processes are still caught by the revision.
const LOCK_STRIPES: usize = 64;
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
            read_your_writes,
        }
    }

    /// Carries out `command`; returns once the read model shows its effect (or the wait for it
    /// has timed out: the events are durable either way).
    pub async fn execute(&self, command: &Command) -> Result<(), CommandError> {
        let stream = stream_name(command.flight_id);
        let stripe = (command.flight_id.as_u128() % LOCK_STRIPES as u128) as usize;
        let _turn = self.locks[stripe].lock().await;
        // A command whose effect cannot become readable is refused before anything is written.
        // (If the read side fails while the command waits, the command still answers success:
        // its events are durable and will be projected.)
        if !self.projection.wait_following(FOLLOWING_GRACE).await {
            return Err(CommandError::ReadSideDown);
        }
        for _ in 0..MAX_ATTEMPTS {
            let recorded = self.store.read_stream(&stream).await?;
            let history = recorded
                .iter()
                .map(|r| Event::decode(&r.event_type, r.data.clone()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::Corrupt(format!("{stream}: {e}")))?;
            let events = decide(&replay(&history), command)?;
            if events.is_empty() {
                return Ok(());
            }
            let expected = match recorded.last() {
                None => ExpectedRevision::NoStream,
                Some(last) => ExpectedRevision::Exact(last.revision),
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
                    if !self
                        .projection
                        .wait_for(appended.position, self.read_your_writes)
                        .await
                    {
                        tracing::warn!(%stream, position = appended.position, "answered before the read model caught up");
                    }
                    return Ok(());
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CommandError::Contention(command.flight_id))
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
