//! The production event store: EventStoreDB through its official gRPC client.
//!
//! Streams and revisions map one to one. A position in the whole log is EventStoreDB's commit
//! position in `$all`. The log is read through a server-side filter on the `flight-` stream
//! prefix, so system events never reach a projection or the audit log.

use super::{
    refuse_empty, Appended, EventStore, ExpectedRevision, NewEvent, Position, RecordedEvent,
    StoreError,
};
use async_trait::async_trait;
use eventstore::{
    AppendToStreamOptions, Client, ClientSettings, EventData, ReadAllOptions, ReadStreamOptions,
    StreamPosition, SubscribeToAllOptions, Subscription, SubscriptionFilter,
};
use flightdeck_core::event::STREAM_PREFIX;
use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;

/// How many events from the end of `$all` are searched for the newest flight event; system
/// events are few and far between, so the newest flight event is almost always in the first few.
const HEAD_SEARCH: usize = 512;

/// Attempts at an append whose answer was lost. Safe to repeat: EventStoreDB answers a repeat of
/// the same event ids at the same expected revision with the first answer, writing nothing twice.
const APPEND_ATTEMPTS: u32 = 3;

pub struct EsdbEventStore {
    settings: ClientSettings,
    // The client never recovers if its very first contact with the node fails; such a client is
    // replaced by a new one.
    client: std::sync::Mutex<Client>,
}

impl EsdbEventStore {
    /// Connects to the node or cluster named by `url` (any connection string the client accepts,
    /// credentials included) and checks that it answers.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let settings: ClientSettings = url.parse().map_err(|e| {
            StoreError::Unavailable(format!(
                "the EventStoreDB connection string is not valid: {e}"
            ))
        })?;
        let client = new_client(&settings)?;
        let store = Self {
            settings,
            client: std::sync::Mutex::new(client),
        };
        store.last_position().await?;
        Ok(store)
    }

    fn client(&self) -> Client {
        match self.client.lock() {
            Ok(client) => client.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Turns a client error into the port's, replacing the client when it cannot recover.
    fn failed(&self, e: eventstore::Error) -> StoreError {
        if matches!(
            e,
            eventstore::Error::GrpcConnectionError(_) | eventstore::Error::ConnectionClosed
        ) {
            if let Ok(fresh) = new_client(&self.settings) {
                match self.client.lock() {
                    Ok(mut client) => *client = fresh,
                    Err(poisoned) => *poisoned.into_inner() = fresh,
                }
            }
        }
        unavailable(e)
    }
}

fn new_client(settings: &ClientSettings) -> Result<Client, StoreError> {
    Client::new(settings.clone())
        .map_err(|e| StoreError::Unavailable(format!("cannot create the EventStoreDB client: {e}")))
}

fn unavailable(e: eventstore::Error) -> StoreError {
    StoreError::Unavailable(format!("EventStoreDB: {e}"))
}

fn recorded(event: &eventstore::RecordedEvent) -> Result<RecordedEvent, StoreError> {
    let (data, data_error) = super::parse_data(&event.data);
    Ok(RecordedEvent {
        stream: event.stream_id.clone(),
        revision: event.revision,
        position: event.position.commit,
        event_id: event.id,
        event_type: event.event_type.clone(),
        data,
        data_error,
        created: event.created,
    })
}

#[async_trait]
impl EventStore for EsdbEventStore {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Result<Appended, StoreError> {
        refuse_empty(stream, &events)?;
        let revision = match expected {
            ExpectedRevision::NoStream => eventstore::ExpectedRevision::NoStream,
            ExpectedRevision::Exact(r) => eventstore::ExpectedRevision::Exact(r),
        };
        let data = events
            .iter()
            .map(|e| {
                EventData::json(e.event_type.as_str(), &e.data)
                    .map(|d| d.id(e.event_id))
                    .map_err(|err| {
                        StoreError::Corrupt(format!(
                            "{} cannot be written as JSON: {err}",
                            e.event_type
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let options = AppendToStreamOptions::default().expected_revision(revision);
        let mut attempt = 1;
        let outcome = loop {
            match self
                .client()
                .append_to_stream(stream, &options, data.clone())
                .await
            {
                Err(e)
                    if attempt < APPEND_ATTEMPTS
                        && !matches!(e, eventstore::Error::WrongExpectedVersion { .. }) =>
                {
                    tracing::warn!(%stream, attempt, error = %e, "append failed; repeating it with the same event ids");
                    let _ = self.failed(e);
                    tokio::time::sleep(std::time::Duration::from_millis(100 * u64::from(attempt)))
                        .await;
                    attempt += 1;
                }
                outcome => break outcome,
            }
        };
        match outcome {
            Ok(written) => Ok(Appended {
                // The client reports the revision the next append must expect: the last written.
                revision: written.next_expected_version,
                position: written.position.commit,
            }),
            Err(eventstore::Error::WrongExpectedVersion { current, .. }) => {
                Err(StoreError::Conflict {
                    stream: stream.to_owned(),
                    expected,
                    actual: match current {
                        eventstore::CurrentRevision::Current(r) => Some(r),
                        eventstore::CurrentRevision::NoStream => None,
                    },
                })
            }
            Err(e) => Err(self.failed(e)),
        }
    }

    async fn read_stream(&self, stream: &str) -> Result<Vec<RecordedEvent>, StoreError> {
        let options = ReadStreamOptions::default()
            .forwards()
            .position(StreamPosition::Start)
            .max_count(usize::MAX);
        let mut read = match self.client().read_stream(stream, &options).await {
            Ok(read) => read,
            Err(eventstore::Error::ResourceNotFound) => return Ok(Vec::new()),
            Err(e) => return Err(self.failed(e)),
        };
        let mut events = Vec::new();
        loop {
            match read.next().await {
                Ok(Some(event)) => events.push(recorded(event.get_original_event())?),
                Ok(None) => return Ok(events),
                Err(eventstore::Error::ResourceNotFound) => return Ok(Vec::new()),
                Err(e) => return Err(self.failed(e)),
            }
        }
    }

    async fn last_position(&self) -> Result<Option<Position>, StoreError> {
        // Reads of `$all` take no server-side filter in this client, so look back a page.
        let options = ReadAllOptions::default()
            .backwards()
            .position(StreamPosition::End)
            .max_count(HEAD_SEARCH);
        let mut read = self
            .client()
            .read_all(&options)
            .await
            .map_err(|e| self.failed(e))?;
        loop {
            match read.next().await.map_err(|e| self.failed(e))? {
                None => return Ok(None),
                Some(event) => {
                    let event = event.get_original_event();
                    if event.stream_id.starts_with(STREAM_PREFIX) {
                        return Ok(Some(event.position.commit));
                    }
                }
            }
        }
    }

    fn subscribe_all(
        &self,
        after: Option<Position>,
    ) -> BoxStream<'static, Result<RecordedEvent, StoreError>> {
        let start = match after {
            None => StreamPosition::Start,
            Some(p) => StreamPosition::Position(eventstore::Position {
                commit: p,
                prepare: p,
            }),
        };
        // No retry options: a dropped subscription ends this stream with an error, and the
        // projection resubscribes from its own checkpoint, logging and reporting not ready.
        let options = SubscribeToAllOptions::default()
            .position(start)
            .filter(SubscriptionFilter::on_stream_name().add_prefix(STREAM_PREFIX));
        let client = self.client();
        let subscribing = async move { client.subscribe_to_all(&options).await };
        stream::once(subscribing)
            .flat_map(|subscription| stream::unfold(Some(subscription), next_event))
            .boxed()
    }
}

async fn next_event(
    subscription: Option<Subscription>,
) -> Option<(Result<RecordedEvent, StoreError>, Option<Subscription>)> {
    let mut subscription = subscription?;
    match subscription.next().await {
        Ok(event) => Some((recorded(event.get_original_event()), Some(subscription))),
        // Yield the failure once, then end.
        Err(e) => Some((Err(unavailable(e)), None)),
    }
}
