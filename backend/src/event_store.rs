//! The event store port: append to a stream with an expected revision, read a stream, read and
//! follow the whole log from a position. Adapters know storage, never rules.

pub mod esdb;
pub mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flightdeck_core::event::UndecodableEvent;
use flightdeck_core::Event;
use futures_util::stream::BoxStream;
use serde_json::Value;
use uuid::Uuid;

/// A place in the whole log. Grows with every append; comparable across streams.
pub type Position = u64;

/// An event about to be appended.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub event_id: Uuid,
    pub event_type: String,
    pub data: Value,
}

/// An event as the store holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedEvent {
    pub stream: String,
    /// Its number within the stream, from 0.
    pub revision: u64,
    pub position: Position,
    pub event_id: Uuid,
    pub event_type: String,
    /// The event's data; null when what is stored is not JSON (see `data_error`).
    pub data: Value,
    /// Why the stored data could not be read as JSON. The event is still delivered, so that
    /// the projection can stop at it and name it rather than fail without saying where.
    pub data_error: Option<String>,
    pub created: DateTime<Utc>,
}

impl RecordedEvent {
    /// The domain event, or why this version cannot read it; the data moves out.
    pub fn take_event(&mut self) -> Result<Event, UndecodableEvent> {
        match &self.data_error {
            Some(reason) => Err(UndecodableEvent {
                event_type: self.event_type.clone(),
                reason: format!("its data is not JSON: {reason}"),
            }),
            None => Event::decode(&self.event_type, std::mem::take(&mut self.data)),
        }
    }

    /// As `take_event`, leaving the data in place.
    pub fn event(&self) -> Result<Event, UndecodableEvent> {
        self.clone().take_event()
    }
}

/// Reads stored data as JSON, or says why it is not: see `RecordedEvent::data_error`.
fn parse_data(bytes: &[u8]) -> (Value, Option<String>) {
    match serde_json::from_slice(bytes) {
        Ok(data) => (data, None),
        Err(e) => (Value::Null, Some(e.to_string())),
    }
}

/// What the writer believes the stream holds; the append fails if it holds something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedRevision {
    NoStream,
    /// The revision of the stream's last event.
    Exact(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    /// The revision of the last event written.
    pub revision: u64,
    /// The position of the last event written.
    pub position: Position,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stream {stream} was written concurrently: expected {expected:?}, found revision {actual:?}")]
    Conflict {
        stream: String,
        expected: ExpectedRevision,
        actual: Option<u64>,
    },
    #[error("the event store is unavailable: {0}")]
    Unavailable(String),
    #[error("the event store holds data this version cannot read: {0}")]
    Corrupt(String),
}

/// An append with no events is a caller's mistake that no store should turn into a write.
fn refuse_empty(stream: &str, events: &[NewEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Err(StoreError::Corrupt(format!(
            "an append to {stream} carried no events"
        )));
    }
    Ok(())
}

#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends `events` atomically if the stream is at `expected`.
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Result<Appended, StoreError>;

    /// Every event of one stream, oldest first; empty when the stream does not exist.
    async fn read_stream(&self, stream: &str) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The position of the newest flight event, if any.
    async fn last_position(&self) -> Result<Option<Position>, StoreError>;

    /// Every flight event after `after` (from the start when `None`), then each new one as it is
    /// appended. The stream ends with an error when the store goes away; callers resubscribe.
    fn subscribe_all(
        &self,
        after: Option<Position>,
    ) -> BoxStream<'static, Result<RecordedEvent, StoreError>>;
}
