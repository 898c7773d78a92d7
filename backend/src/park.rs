//! `flightdeck-backend park POSITION`: the one way past an event the projection cannot read.
//!
//! The projection stops at such an event rather than leave the read model silently short of
//! it. Parking records the operator's decision in the read model; a running projection finds it
//! on its next attempt and goes on, showing the event in the audit log as parked. Only an event
//! that cannot be read, and that the read model has not gone past, can be parked.

use crate::event_store::{EventStore, Position, StoreError};
use crate::read_model::{Parked, ReadModel, ReadModelError};
use chrono::{SecondsFormat, Utc};
use futures_util::StreamExt;

#[derive(Debug, thiserror::Error)]
pub enum ParkError {
    #[error("the log has no event at position {0}")]
    NoSuchEvent(Position),
    #[error("the event at position {position} ({event_type} in {stream}) can be read, so there is nothing to park: the projection applies it")]
    Readable {
        position: Position,
        stream: String,
        event_type: String,
    },
    #[error("the read model is past position {position} already (at {checkpoint})")]
    AlreadyApplied {
        position: Position,
        checkpoint: Position,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    ReadModel(#[from] ReadModelError),
}

/// Parks the event at `position`; returns what was parked.
pub async fn park(
    store: &dyn EventStore,
    read_model: &ReadModel,
    position: Position,
    reason: &str,
) -> Result<Parked, ParkError> {
    if let Some(checkpoint) = read_model.checkpoint().await?.filter(|c| *c >= position) {
        return Err(ParkError::AlreadyApplied {
            position,
            checkpoint,
        });
    }
    let mut found = match store.subscribe_all(position.checked_sub(1)).next().await {
        Some(found) => found?,
        None => return Err(ParkError::NoSuchEvent(position)),
    };
    if found.position != position {
        return Err(ParkError::NoSuchEvent(position));
    }
    if found.take_event().is_ok() {
        return Err(ParkError::Readable {
            position,
            stream: found.stream,
            event_type: found.event_type,
        });
    }
    let parked = Parked {
        stream: found.stream,
        event_type: found.event_type,
        reason: reason.to_owned(),
        parked_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    };
    read_model.park(position, &parked).await?;
    Ok(parked)
}
