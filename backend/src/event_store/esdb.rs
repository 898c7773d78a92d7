//! The production event store: EventStoreDB through its official gRPC client.
//!
//! Streams and revisions map one to one. A position in the whole log is EventStoreDB's commit
//! position in `$all`. The log is read through a server-side filter on the `flight-` stream
//! prefix, so system events never reach a projection or the audit log.
//!
//! On a cluster every call goes to the leader, whatever the connection string prefers: a command
//! decides on what its stream holds, and waits for the projection to show what it wrote, so
//! neither may read a follower's log, which can be behind the leader's. Every call says it
//! requires the leader (the `requires-leader` header), which a follower refuses with the
//! leader's address, or as not ready while it knows none, instead of serving it from its own log
//! (EventStore `Services/VNode/ClusterVNodeController.cs`, `HandleAsNonLeader`); the client then
//! moves to the leader it names (`grpc.rs`, `handle_error`). Calls are repeated within a time
//! budget, each cut at a deadline, and a client stuck on a node that is gone is replaced by one
//! that finds the leader afresh: see `Connection`.

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
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How many events from the end of `$all` are searched for the newest flight event; system
/// events are few and far between, so the newest flight event is almost always in the first few.
const HEAD_SEARCH: usize = 512;

/// How long one call may take before its answer counts as lost. The official client enforces no
/// deadline of its own: it sends one to the node as `grpc-timeout` (appends get 10 s unless told,
/// reads none: `commands.rs`, `new_request`), which only the server acts on (tonic 0.12,
/// `Request::set_timeout`), and its calls run on a bare hyper client; so a node that stops
/// answering without closing its connections holds a call until HTTP/2 keep-alive gives up
/// (10 s + 10 s by default: `grpc.rs`, `defaults`). A working node answers a write within its own
/// write timeout, 2 s by default (EventStore `Configuration/ClusterVNodeOptions.cs`,
/// `WriteTimeoutMs`, which `ClusterVNode.cs` gives the gRPC services), so twice that leaves room
/// and still fails in time to try another node.
const CALL_LIMIT: Duration = Duration::from_secs(4);
/// How long an append keeps trying, over every attempt. Repeating is safe: EventStoreDB answers a
/// repeat of the same event ids at the same expected revision with the first answer, writing
/// nothing twice (EventStore `Services/Storage/ReaderIndex/IndexWriter.cs`, `CheckCommit`, which
/// decides `CommitDecision.Idempotent`). A command waits at most 5 s for a following projection,
/// a read's budget, this, and 5 s for the read model to show it: 23 s, inside the default
/// request timeout of 30 s.
const APPEND_BUDGET: Duration = Duration::from_secs(8);
/// How long a read keeps trying, over every attempt.
const READ_BUDGET: Duration = Duration::from_secs(5);
/// Not-leader answers followed at once within one call; past this, they count as failures (a
/// cluster whose members disagree on who leads settles within its election).
const MAX_REDIRECTS: u32 = 3;
/// The pause before the second attempt; each further one waits this much longer.
const RETRY_PAUSE: Duration = Duration::from_millis(100);
/// A second sign that a client's node is lost must come at least this long after the first, with
/// no answer between: one broken connection fails every call on it at the same moment, and a
/// node that is alive takes the client back on the next attempt (the transport reconnects).
const LOST_AGAIN_AFTER: Duration = Duration::from_millis(50);
/// A client that connected is replaced at most this often. Each one left behind keeps its
/// connection task for good (the task holds a sender of its own channel, so its receive loop
/// never ends: `grpc.rs`, `connection_state_machine`), so a cluster without a leader for minutes
/// must not cost a client per failed call.
const REPLACE_AT_MOST_EVERY: Duration = Duration::from_secs(1);

pub struct EsdbEventStore {
    connection: Arc<Connection>,
}

/// The client in use, replaced when it cannot recover by itself.
///
/// The official client 4.0 moves to another node only when a node answers "not leader" and names
/// the leader (`grpc.rs`, `handle_error`, which sends `Msg::CreateChannel` with that endpoint).
/// On any other failure it asks for a new channel without an endpoint, and `NodeConnection::next`
/// then hands back the node it already has: a client whose node died keeps calling that node for
/// ever. A client whose connection task gave up (its first contact, or a discovery, failed)
/// answers every call with `ConnectionClosed` from then on. A new client asks the gossip seeds
/// afresh and finds the live leader (`node_selection`, `determine_best_node`, which skips members
/// gossip reports dead); its first call waits `discoveryInterval` (500 ms by default) before it
/// connects (`NodeConnection::next`), which is why a node that is merely reconnecting is not
/// worth a new client.
struct Connection {
    settings: ClientSettings,
    current: Mutex<Current>,
}

#[derive(Clone)]
struct Current {
    /// Counts replacements, so that many calls failing on one client replace it once.
    generation: u64,
    client: Client,
    health: Arc<Health>,
}

/// Whether a client's node answers: when it was first found lost, with no answer since.
struct Health {
    created: Instant,
    /// Milliseconds after `created`, plus one, of the first sign of a lost node with no answer
    /// since; zero while the node answers.
    lost_since: AtomicU64,
}

impl Health {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            created: Instant::now(),
            lost_since: AtomicU64::new(0),
        })
    }

    fn answered(&self) {
        self.lost_since.store(0, Ordering::Relaxed);
    }

    /// Records a sign of a lost node; true when an earlier one, at least `LOST_AGAIN_AFTER`
    /// before, has had no answer since.
    fn lost_again(&self) -> bool {
        let now = u64::try_from(self.created.elapsed().as_millis())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1);
        match self
            .lost_since
            .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => false,
            Err(since) => Duration::from_millis(now.saturating_sub(since)) >= LOST_AGAIN_AFTER,
        }
    }
}

/// What a failure says of the client's node.
#[derive(Debug, PartialEq, Eq)]
enum Lost {
    /// Nothing: the node answered, if only with a refusal; or a not-leader answer, which the
    /// client follows by itself.
    No,
    /// The node may be gone: a refused or broken connection, or a node that is not ready
    /// (`ServerError` is how the client files UNAVAILABLE, UNKNOWN, INTERNAL and DATA_LOSS:
    /// `types.rs`, `Error::from_grpc`), or no answer in time.
    Maybe,
    /// The client's connection task has ended; the client will answer nothing again.
    Surely,
}

fn lost(e: &eventstore::Error) -> Lost {
    match e {
        eventstore::Error::GrpcConnectionError(_) | eventstore::Error::ConnectionClosed => {
            Lost::Surely
        }
        eventstore::Error::ServerError(_) | eventstore::Error::DeadlineExceeded => Lost::Maybe,
        _ => Lost::No,
    }
}

impl Connection {
    fn current(&self) -> Current {
        // Each change is one assignment: a poisoned lock still holds a whole client.
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Notes that a call on client `generation` failed with `e`, and replaces that client when it
    /// cannot recover: its connection task has ended, or its node was lost twice with no answer
    /// between (a dead node, not one broken connection). Many calls failing together replace it
    /// once.
    fn failed(&self, generation: u64, e: &eventstore::Error) {
        let lost = lost(e);
        if lost == Lost::No {
            return;
        }
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if current.generation != generation {
            return;
        }
        if lost == Lost::Maybe
            && (!current.health.lost_again()
                || current.health.created.elapsed() < REPLACE_AT_MOST_EVERY)
        {
            return;
        }
        match new_client(&self.settings) {
            Ok(client) => {
                tracing::warn!(error = %e, "EventStoreDB node lost; looking for the leader afresh");
                *current = Current {
                    generation: generation + 1,
                    client,
                    health: Health::new(),
                };
            }
            Err(e) => tracing::warn!(error = %e, "cannot replace the EventStoreDB client"),
        }
    }
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
            connection: Arc::new(Connection {
                settings,
                current: Mutex::new(Current {
                    generation: 0,
                    client,
                    health: Health::new(),
                }),
            }),
        };
        store.last_position().await?;
        Ok(store)
    }

    /// Runs `call` on the current client until it answers, `settled` takes its error for an
    /// answer, or `patience` runs out; each attempt is cut at `CALL_LIMIT`. A client whose node
    /// is lost is replaced before the next attempt, so an attempt after a dead leader goes to the
    /// new one.
    async fn retrying<T, F, Fut>(
        &self,
        what: &str,
        patience: Patience,
        settled: fn(&eventstore::Error) -> bool,
        call: F,
    ) -> Result<T, eventstore::Error>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, eventstore::Error>>,
    {
        let budget = match patience {
            Patience::Once => CALL_LIMIT,
            Patience::For(budget) => budget,
        };
        let started = Instant::now();
        let mut attempt = 1;
        let mut redirects = 0;
        loop {
            let current = self.connection.current();
            let left = budget.saturating_sub(started.elapsed());
            let outcome = tokio::time::timeout(left.min(CALL_LIMIT), call(current.client))
                .await
                .unwrap_or(Err(eventstore::Error::DeadlineExceeded));
            let e = match outcome {
                Err(e) if !settled(&e) => e,
                outcome => {
                    current.health.answered();
                    return outcome;
                }
            };
            if matches!(e, eventstore::Error::NotLeaderException(_)) && redirects < MAX_REDIRECTS {
                // Not a failure: the client has moved to the leader the node named (the move is
                // queued before this error returns: `grpc.rs`, `handle_error`), so follow it now.
                redirects += 1;
                continue;
            }
            self.connection.failed(current.generation, &e);
            let pause = RETRY_PAUSE * attempt;
            if matches!(patience, Patience::Once) || started.elapsed() + pause >= budget {
                return Err(e);
            }
            tracing::warn!(what, attempt, error = %e, "EventStoreDB call failed; repeating it");
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }
}

/// How long a call keeps trying.
#[derive(Clone, Copy)]
enum Patience {
    /// One attempt.
    Once,
    /// Attempts until this much time has passed.
    For(Duration),
}

/// Whether a read failed for good: wrong credentials stay wrong however often they are sent.
fn refused(e: &eventstore::Error) -> bool {
    matches!(e, eventstore::Error::AccessDenied)
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
        // The node drops the write at the same deadline as this side stops waiting for it.
        let options = AppendToStreamOptions::default()
            .expected_revision(revision)
            .requires_leader(true)
            .deadline(CALL_LIMIT);
        let outcome = self
            .retrying(
                "append",
                Patience::For(APPEND_BUDGET),
                // A conflict or a refusal is an answer; anything else may be a lost one,
                // repeated with the same event ids.
                |e| {
                    matches!(
                        e,
                        eventstore::Error::WrongExpectedVersion { .. }
                            | eventstore::Error::AccessDenied
                    )
                },
                |client| {
                    let (options, data) = (&options, data.clone());
                    async move { client.append_to_stream(stream, options, data).await }
                },
            )
            .await;
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
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn read_stream(&self, stream: &str) -> Result<Vec<RecordedEvent>, StoreError> {
        let options = ReadStreamOptions::default()
            .requires_leader(true)
            .forwards()
            .position(StreamPosition::Start)
            .max_count(usize::MAX);
        let read = self
            .retrying(
                "read a stream",
                Patience::For(READ_BUDGET),
                refused,
                |client| {
                    let options = &options;
                    async move {
                        let mut read = match client.read_stream(stream, options).await {
                            Ok(read) => read,
                            Err(eventstore::Error::ResourceNotFound) => return Ok(Vec::new()),
                            Err(e) => return Err(e),
                        };
                        let mut events = Vec::new();
                        loop {
                            match read.next().await {
                                Ok(Some(event)) => events.push(event),
                                Ok(None) => return Ok(events),
                                Err(eventstore::Error::ResourceNotFound) => return Ok(Vec::new()),
                                Err(e) => return Err(e),
                            }
                        }
                    }
                },
            )
            .await
            .map_err(unavailable)?;
        read.iter()
            .map(|event| recorded(event.get_original_event()))
            .collect()
    }

    async fn last_position(&self) -> Result<Option<Position>, StoreError> {
        // Reads of `$all` take no server-side filter in this client, so look back a page.
        let options = ReadAllOptions::default()
            .requires_leader(true)
            .backwards()
            .position(StreamPosition::End)
            .max_count(HEAD_SEARCH);
        // One attempt: `/health/ready` asks this, and must report an outage while it lasts
        // rather than wait it out. A lost node is still replaced for the next call.
        self.retrying(
            "find the newest flight event",
            Patience::Once,
            refused,
            |client| {
                let options = &options;
                async move {
                    let mut read = client.read_all(options).await?;
                    while let Some(event) = read.next().await? {
                        let event = event.get_original_event();
                        if event.stream_id.starts_with(STREAM_PREFIX) {
                            return Ok(Some(event.position.commit));
                        }
                    }
                    Ok(None)
                }
            },
        )
        .await
        .map_err(unavailable)
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
        // projection resubscribes from its own checkpoint, logging and reporting not ready. The
        // failure replaces a client whose node is lost, so the new subscription finds the leader;
        // one refused as not leader (a follower confirms it, then fails its first read:
        // EventStore `Enumerator.AllSubscriptionFiltered.cs`) has moved the client already.
        let options = SubscribeToAllOptions::default()
            .requires_leader(true)
            .position(start)
            .filter(SubscriptionFilter::on_stream_name().add_prefix(STREAM_PREFIX));
        let connection = Arc::clone(&self.connection);
        let current = connection.current();
        let client = current.client.clone();
        let subscribing = async move { client.subscribe_to_all(&options).await };
        stream::once(subscribing)
            .flat_map(move |subscription| {
                stream::unfold(
                    Some(Following {
                        subscription,
                        connection: Arc::clone(&connection),
                        client: current.clone(),
                    }),
                    next_event,
                )
            })
            .boxed()
    }
}

/// A subscription, the connection it runs on, and the client that made it.
struct Following {
    subscription: Subscription,
    connection: Arc<Connection>,
    client: Current,
}

async fn next_event(
    following: Option<Following>,
) -> Option<(Result<RecordedEvent, StoreError>, Option<Following>)> {
    let mut following = following?;
    match following.subscription.next().await {
        Ok(event) => {
            following.client.health.answered();
            Some((recorded(event.get_original_event()), Some(following)))
        }
        // Yield the failure once, then end.
        Err(e) => {
            following.connection.failed(following.client.generation, &e);
            Some((Err(unavailable(e)), None))
        }
    }
}
