//! The live feed: audit entries as the projection commits them, to any number of followers.
//! A follower first catches up from the read model (from the position it asks for), then takes
//! entries as they come; an entry it has already seen (the two overlap while it switches) is
//! dropped by its position, and a follower that falls behind the feed's buffer catches up from
//! the read model again, so it never misses one.

use crate::event_store::Position;
use crate::read_model::rows::AuditRow;
use crate::read_model::{AuditFilter, ReadModel};
use flightdeck_core::contract::AuditEntry;
use flightdeck_core::event::is_passenger_event;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;

/// Entries a follower may fall behind before it catches up from the read model instead.
const BUFFER: usize = 4096;
/// Entries read from the read model per query while a follower catches up.
const CATCH_UP_PAGE: u32 = 1000;

/// The projection's side: publishes what each commit added.
#[derive(Clone)]
pub struct LiveFeed {
    sender: broadcast::Sender<Arc<AuditEntry>>,
}

impl Default for LiveFeed {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BUFFER).0,
        }
    }
}

/// The audit entries one transaction committed: as the projector wrote them, or as read back
/// from the read model.
pub enum Committed {
    Written(Vec<AuditRow>),
    Read(Vec<AuditEntry>),
}

impl LiveFeed {
    /// Publishes what a transaction committed; called after the commit.
    pub fn publish(&self, entries: Committed) {
        // With no follower (a rebuild, a backend nobody streams from) the rows are not turned
        // into entries at all. A follower that subscribes after this look still sees them: it
        // reads its backlog from the read model, where they are committed already.
        if self.sender.receiver_count() == 0 {
            return;
        }
        let entries = match entries {
            Committed::Written(rows) => rows.into_iter().map(AuditRow::entry).collect(),
            Committed::Read(entries) => entries,
        };
        for entry in entries {
            // A follower gone since the look above is not an error: the stream is optional.
            let _ = self.sender.send(Arc::new(entry));
        }
    }

    /// A follower of `filter`'s entries after `after`. It subscribes before it reads the
    /// backlog, so nothing committed in between is missed.
    pub fn follow(
        &self,
        read_model: ReadModel,
        filter: AuditFilter,
        after: Option<Position>,
        closing: watch::Receiver<bool>,
    ) -> Follower {
        Follower {
            read_model,
            live: self.sender.subscribe(),
            filter,
            after,
            backlog: VecDeque::new(),
            catching_up: true,
            closing,
        }
    }
}

pub struct Follower {
    read_model: ReadModel,
    live: broadcast::Receiver<Arc<AuditEntry>>,
    filter: AuditFilter,
    after: Option<Position>,
    backlog: VecDeque<AuditEntry>,
    catching_up: bool,
    closing: watch::Receiver<bool>,
}

impl Follower {
    /// The next entry, or `None` when the feed should end (the server closes, or the read model
    /// cannot be read to catch up).
    pub async fn next(&mut self) -> Option<AuditEntry> {
        loop {
            if let Some(entry) = self.backlog.pop_front() {
                self.after = entry.position.or(self.after);
                return Some(entry);
            }
            if self.catching_up {
                match self
                    .read_model
                    .audit(self.filter, self.after, Some(CATCH_UP_PAGE))
                    .await
                {
                    Ok(page) if page.is_empty() => self.catching_up = false,
                    Ok(page) => self.backlog.extend(page),
                    Err(e) => {
                        tracing::warn!(error = %e, "live audit follower ended: the read model is unavailable");
                        return None;
                    }
                }
                continue;
            }
            let received = tokio::select! {
                received = self.live.recv() => received,
                _ = closed(&mut self.closing) => return None,
            };
            match received {
                Ok(entry) => {
                    let position = entry.position;
                    if position.is_some() && position <= self.after {
                        continue;
                    }
                    self.after = position.or(self.after);
                    if self.wants(&entry) {
                        return Some(AuditEntry::clone(&entry));
                    }
                }
                // Fell behind the buffer: the read model still has everything.
                Err(RecvError::Lagged(_)) => self.catching_up = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }

    fn wants(&self, entry: &AuditEntry) -> bool {
        let passenger = is_passenger_event(&entry.event_type);
        match self.filter {
            AuditFilter::All => true,
            AuditFilter::Flights => !passenger,
            AuditFilter::Passengers => passenger,
        }
    }
}

async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|c| *c).await.map(drop);
}
