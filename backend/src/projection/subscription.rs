//! The subscription: follows the event log from the read model's checkpoint, hands each batch
//! to the projector, and when the log or the read model fails, resubscribes from the checkpoint
//! after a capped backoff. It reports where it stands (`Progress`), which is what readiness,
//! read-your-writes and refusals before an append rely on.

use super::live::LiveFeed;
use super::{projector, Halt, Progress};
use crate::event_store::{EventStore, StoreError};
use crate::read_model::{ReadModel, ReadModelError};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Events applied per transaction at most; what the subscription has ready, up to this.
const BATCH: usize = 1024;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Why a subscription ended.
#[derive(Debug, thiserror::Error)]
enum Stop {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    ReadModel(#[from] ReadModelError),
    #[error("the event log subscription ended")]
    Ended,
    #[error("{0}")]
    Halted(Arc<Halt>),
}

/// Follows the log for ever, resubscribing after each stop.
pub async fn run(
    store: Arc<dyn EventStore>,
    read_model: ReadModel,
    progress: watch::Sender<Progress>,
    live: LiveFeed,
) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let before = progress.borrow().applied;
        let stop = follow(store.as_ref(), &read_model, &progress, &live).await;
        let halted = match &stop {
            Stop::Halted(halt) => Some(halt.clone()),
            _ => None,
        };
        let already = halted.is_some() && progress.borrow().halted == halted;
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
                tracing::warn!(error = %stop, retry_in_ms = backoff.as_millis() as u64, "projection stopped; resuming from its checkpoint")
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One subscription, from the checkpoint until something stops it.
async fn follow(
    store: &dyn EventStore,
    read_model: &ReadModel,
    progress: &watch::Sender<Progress>,
    live: &LiveFeed,
) -> Stop {
    let start = async {
        let from = read_model.checkpoint().await?;
        // Read on each start, so an event parked while the projection was stopped is found.
        let parked = read_model.parked().await?;
        let writer = read_model.writer().await?;
        Ok::<_, ReadModelError>((from, parked, writer))
    };
    let (from, parked, mut writer) = match start.await {
        Ok(started) => started,
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
        let (applied, halt) =
            match projector::apply(read_model, &mut writer, &mut batch, &parked).await {
                Ok(applied) => applied,
                Err(e) => return e.into(),
            };
        if let Some(through) = applied.through {
            progress.send_replace(Progress {
                applied: Some(through),
                following: halt.is_none(),
                halted: None,
            });
        }
        live.publish(applied.entries);
        if let Some(halt) = halt {
            return Stop::Halted(Arc::new(halt));
        }
        if let Some(failure) = failure {
            return failure;
        }
    }
    Stop::Ended
}
