//! The `Streams` and `ServerFeatures` gRPC services over the in-memory log.

// tonic's service traits take `Status` by value; boxing it in the helpers that build one
// would only move the allocation around.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use regex::Regex;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::log::{AppendOutcome, Direction, Expected, Log, Proposed, Record, StreamStart};
use crate::proto::server_features::server_features_server::ServerFeatures;
use crate::proto::server_features::{SupportedMethod, SupportedMethods};
use crate::proto::streams::append_req;
use crate::proto::streams::append_resp::{self, success, wrong_expected_version as wev};
use crate::proto::streams::read_req::options::{
    self as read_options, all_options::AllOption, filter_options, stream_options::RevisionOption,
    CountOption, FilterOption, StreamOption,
};
use crate::proto::streams::read_resp::{self, read_event, Content};
use crate::proto::streams::streams_server::Streams;
use crate::proto::streams::{AppendReq, AppendResp, ReadReq, ReadResp};
use crate::proto::{uuid as proto_uuid, Empty, StreamIdentifier, Uuid as ProtoUuid};

/// Events handed to a subscription per look at the log, so one busy subscriber does not hold
/// the log's lock for long.
const SUBSCRIPTION_BATCH: usize = 256;
/// EventStoreDB's read batch size, the search window of a filter that names none
/// (`FilterOptions.count`).
const DEFAULT_SEARCH_WINDOW: u32 = 32;

pub(crate) struct Shared {
    log: Mutex<Log>,
    /// Number of events in the log; subscribers wait on it for live events.
    appended: watch::Sender<usize>,
    delay_nanos: AtomicU64,
    subscriptions: AtomicU64,
}

impl Shared {
    pub fn new(log: Log) -> Self {
        let (appended, _) = watch::channel(log.len());
        Shared {
            log: Mutex::new(log),
            appended,
            delay_nanos: AtomicU64::new(0),
            subscriptions: AtomicU64::new(0),
        }
    }

    pub fn log(&self) -> MutexGuard<'_, Log> {
        // A panic while holding the lock cannot leave the log half-written (appends are
        // built before they are pushed), so a poisoned lock is still a consistent log.
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn set_delay(&self, delay: Duration) {
        let nanos = u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX);
        self.delay_nanos.store(nanos, Ordering::Relaxed);
    }

    fn delay(&self) -> Duration {
        Duration::from_nanos(self.delay_nanos.load(Ordering::Relaxed))
    }

    fn subscription_id(&self) -> String {
        let n = self.subscriptions.fetch_add(1, Ordering::Relaxed);
        Uuid::from_u64_pair(0x5e5b_0000_0000_0000 | n, n).to_string()
    }

    /// Waits out the injected delay before an answer, giving up with DEADLINE_EXCEEDED when
    /// the caller's deadline comes first, as a node does with a call whose deadline expired.
    async fn answer_delay(&self, deadline: Option<Instant>) -> Result<(), Status> {
        let delay = self.delay();
        if let Some(deadline) = deadline {
            if Instant::now() + delay >= deadline {
                tokio::time::sleep_until(deadline).await;
                return Err(Status::deadline_exceeded("Deadline Exceeded"));
            }
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok(())
    }
}

/// The `grpc-timeout` header: an integer of at most 8 digits and a unit letter.
fn deadline_of<T>(request: &Request<T>) -> Option<Instant> {
    let value = request.metadata().get("grpc-timeout")?.to_str().ok()?;
    if value.len() < 2 {
        return None;
    }
    let (amount, unit) = value.split_at(value.len() - 1);
    let amount: u64 = amount.parse().ok()?;
    let timeout = match unit {
        "H" => Duration::from_secs(amount.saturating_mul(3600)),
        "M" => Duration::from_secs(amount.saturating_mul(60)),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    };
    Instant::now().checked_add(timeout)
}

fn stream_name(identifier: Option<StreamIdentifier>) -> Result<String, Status> {
    let identifier =
        identifier.ok_or_else(|| Status::invalid_argument("stream_identifier is required"))?;
    String::from_utf8(identifier.stream_name)
        .map_err(|_| Status::invalid_argument("stream name is not UTF-8"))
}

fn stream_identifier(name: &str) -> StreamIdentifier {
    StreamIdentifier {
        stream_name: name.as_bytes().to_vec(),
    }
}

fn uuid_from_proto(id: Option<ProtoUuid>) -> Result<Uuid, Status> {
    match id.and_then(|id| id.value) {
        Some(proto_uuid::Value::Structured(s)) => Ok(Uuid::from_u64_pair(
            s.most_significant_bits as u64,
            s.least_significant_bits as u64,
        )),
        Some(proto_uuid::Value::String(s)) => {
            Uuid::parse_str(&s).map_err(|_| Status::invalid_argument("event id is not a UUID"))
        }
        None => Err(Status::invalid_argument("event id is required")),
    }
}

#[derive(Clone, Copy)]
enum UuidFormat {
    Structured,
    String,
}

fn uuid_to_proto(id: Uuid, format: UuidFormat) -> ProtoUuid {
    let value = match format {
        UuidFormat::String => proto_uuid::Value::String(id.hyphenated().to_string()),
        UuidFormat::Structured => {
            let (most, least) = id.as_u64_pair();
            proto_uuid::Value::Structured(proto_uuid::Structured {
                most_significant_bits: most as i64,
                least_significant_bits: least as i64,
            })
        }
    };
    ProtoUuid { value: Some(value) }
}

fn read_event(record: &Record, format: UuidFormat) -> Content {
    let mut metadata = HashMap::with_capacity(3);
    metadata.insert("type".to_string(), record.event_type.clone());
    metadata.insert("created".to_string(), record.created_ticks.to_string());
    // The node keeps only "is JSON" and answers with one of these two content types.
    let content_type = if record.is_json {
        "application/json"
    } else {
        "application/octet-stream"
    };
    metadata.insert("content-type".to_string(), content_type.to_string());
    Content::Event(read_resp::ReadEvent {
        event: Some(read_event::RecordedEvent {
            id: Some(uuid_to_proto(record.id, format)),
            stream_identifier: Some(stream_identifier(&record.stream)),
            stream_revision: record.revision,
            prepare_position: record.position,
            commit_position: record.position,
            metadata,
            custom_metadata: record.custom_metadata.clone(),
            data: record.data.clone(),
        }),
        link: None,
        position: Some(read_event::Position::CommitPosition(record.position)),
    })
}

/// A server-side filter on `$all`, as EventStoreDB builds it: a non-empty regex wins over the
/// prefixes (an expression with neither matches nothing).
enum Filter {
    StreamPrefixes(Vec<String>),
    StreamRegex(Regex),
    TypePrefixes(Vec<String>),
    TypeRegex(Regex),
}

impl Filter {
    fn from_proto(options: &read_options::FilterOptions) -> Result<Filter, Status> {
        let compile = |regex: &str| {
            Regex::new(regex)
                .map_err(|e| Status::invalid_argument(format!("bad filter regex: {e}")))
        };
        match &options.filter {
            Some(filter_options::Filter::StreamIdentifier(e)) if !e.regex.is_empty() => {
                Ok(Filter::StreamRegex(compile(&e.regex)?))
            }
            Some(filter_options::Filter::StreamIdentifier(e)) => {
                Ok(Filter::StreamPrefixes(e.prefix.clone()))
            }
            Some(filter_options::Filter::EventType(e)) if !e.regex.is_empty() => {
                Ok(Filter::TypeRegex(compile(&e.regex)?))
            }
            Some(filter_options::Filter::EventType(e)) => {
                Ok(Filter::TypePrefixes(e.prefix.clone()))
            }
            None => Err(Status::invalid_argument("filter without an expression")),
        }
    }

    fn matches(&self, record: &Record) -> bool {
        match self {
            Filter::StreamPrefixes(p) => p.iter().any(|p| record.stream.starts_with(p.as_str())),
            Filter::StreamRegex(r) => r.is_match(&record.stream),
            Filter::TypePrefixes(p) => p.iter().any(|p| record.event_type.starts_with(p.as_str())),
            Filter::TypeRegex(r) => r.is_match(&record.event_type),
        }
    }
}

/// Where a subscription starts. Subscriptions are exclusive of the point they are given
/// (the client hands back the last event it saw), reads are inclusive.
enum SubscriptionTarget {
    Stream {
        name: String,
        next_revision: u64,
    },
    All {
        next_index: usize,
        filter: Option<(Filter, u64)>,
    },
}

/// The sending half of a `Read` answer: applies the injected delay and the call's deadline to
/// every message.
struct Answer {
    tx: mpsc::Sender<Result<ReadResp, Status>>,
    shared: Arc<Shared>,
    deadline: Option<Instant>,
}

impl Answer {
    /// `false` when the call is over (the client went away or the deadline passed).
    async fn send(&self, content: Content) -> bool {
        if let Err(status) = self.shared.answer_delay(self.deadline).await {
            let _ = self.tx.send(Err(status)).await;
            return false;
        }
        self.tx
            .send(Ok(ReadResp {
                content: Some(content),
            }))
            .await
            .is_ok()
    }
}

#[derive(Clone)]
pub(crate) struct StreamsService {
    shared: Arc<Shared>,
}

impl StreamsService {
    pub fn new(shared: Arc<Shared>) -> Self {
        StreamsService { shared }
    }
}

#[tonic::async_trait]
impl Streams for StreamsService {
    type ReadStream = ReceiverStream<Result<ReadResp, Status>>;

    async fn read(&self, request: Request<ReadReq>) -> Result<Response<Self::ReadStream>, Status> {
        let deadline = deadline_of(&request);
        let options = request
            .into_inner()
            .options
            .ok_or_else(|| Status::invalid_argument("options are required"))?;

        // A missing uuid option reads as "structured", the node's default.
        let uuid_format = match options
            .uuid_option
            .as_ref()
            .and_then(|u| u.content.as_ref())
        {
            Some(read_options::uuid_option::Content::String(_)) => UuidFormat::String,
            _ => UuidFormat::Structured,
        };
        let direction = match read_options::ReadDirection::try_from(options.read_direction) {
            Ok(read_options::ReadDirection::Forwards) => Direction::Forwards,
            Ok(read_options::ReadDirection::Backwards) => Direction::Backwards,
            Err(_) => return Err(Status::invalid_argument("unknown read direction")),
        };
        let filter = match &options.filter_option {
            Some(FilterOption::Filter(f)) => Some((Filter::from_proto(f)?, f)),
            Some(FilterOption::NoFilter(_)) | None => None,
        };
        let stream_option = options
            .stream_option
            .ok_or_else(|| Status::invalid_argument("stream_option is required"))?;

        let (tx, rx) = mpsc::channel(32);
        let answer = Answer {
            tx,
            shared: Arc::clone(&self.shared),
            deadline,
        };

        match options.count_option {
            Some(CountOption::Count(count)) => {
                let count = usize::try_from(count).unwrap_or(usize::MAX);
                let contents = match stream_option {
                    StreamOption::Stream(s) => {
                        let name = stream_name(s.stream_identifier)?;
                        let start = match s.revision_option {
                            Some(RevisionOption::Revision(r)) => StreamStart::Revision(r),
                            Some(RevisionOption::Start(_)) => StreamStart::Start,
                            Some(RevisionOption::End(_)) => StreamStart::End,
                            None => return Err(Status::invalid_argument("revision is required")),
                        };
                        let found = self
                            .shared
                            .log()
                            .read_stream(&name, start, direction, count);
                        match found {
                            Some(records) => {
                                records.iter().map(|r| read_event(r, uuid_format)).collect()
                            }
                            None => vec![Content::StreamNotFound(read_resp::StreamNotFound {
                                stream_identifier: Some(stream_identifier(&name)),
                            })],
                        }
                    }
                    StreamOption::All(a) => {
                        let filter = filter.map(|(f, _)| f);
                        read_all(
                            &self.shared.log(),
                            a.all_option,
                            direction,
                            filter.as_ref(),
                            count,
                        )?
                        .iter()
                        .map(|r| read_event(r, uuid_format))
                        .collect()
                    }
                };
                tokio::spawn(async move {
                    for content in contents {
                        if !answer.send(content).await {
                            return;
                        }
                    }
                });
            }
            Some(CountOption::Subscription(_)) => {
                if direction != Direction::Forwards {
                    return Err(Status::invalid_argument("subscriptions only go forwards"));
                }
                let target = {
                    let log = self.shared.log();
                    match stream_option {
                        StreamOption::Stream(s) => {
                            let name = stream_name(s.stream_identifier)?;
                            let next_revision = match s.revision_option {
                                Some(RevisionOption::Revision(r)) => r.saturating_add(1),
                                Some(RevisionOption::Start(_)) => 0,
                                Some(RevisionOption::End(_)) => {
                                    log.last_revision(&name).map_or(0, |r| r + 1)
                                }
                                None => {
                                    return Err(Status::invalid_argument("revision is required"))
                                }
                            };
                            SubscriptionTarget::Stream {
                                name,
                                next_revision,
                            }
                        }
                        StreamOption::All(a) => {
                            let next_index = match a.all_option {
                                Some(AllOption::Position(p)) => log.index_after(p.commit_position),
                                Some(AllOption::Start(_)) => 0,
                                Some(AllOption::End(_)) => log.len(),
                                None => {
                                    return Err(Status::invalid_argument("position is required"))
                                }
                            };
                            let filter = match filter {
                                Some((filter, options)) => {
                                    Some((filter, checkpoint_interval(options)?))
                                }
                                None => None,
                            };
                            SubscriptionTarget::All { next_index, filter }
                        }
                    }
                };
                let shared = Arc::clone(&self.shared);
                tokio::spawn(subscribe(shared, answer, target, uuid_format));
            }
            None => return Err(Status::invalid_argument("count_option is required")),
        }

        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn append(
        &self,
        request: Request<Streaming<AppendReq>>,
    ) -> Result<Response<AppendResp>, Status> {
        let deadline = deadline_of(&request);
        let mut messages = request.into_inner();

        let options = match messages.message().await? {
            Some(AppendReq {
                content: Some(append_req::Content::Options(options)),
            }) => options,
            _ => {
                return Err(Status::invalid_argument(
                    "the first message must be options",
                ))
            }
        };
        let stream = stream_name(options.stream_identifier)?;
        let expected = match options.expected_stream_revision {
            Some(append_req::options::ExpectedStreamRevision::Revision(r)) => Expected::Exact(r),
            Some(append_req::options::ExpectedStreamRevision::NoStream(_)) => Expected::NoStream,
            Some(append_req::options::ExpectedStreamRevision::Any(_)) => Expected::Any,
            Some(append_req::options::ExpectedStreamRevision::StreamExists(_)) => {
                Expected::StreamExists
            }
            None => return Err(Status::invalid_argument("expected revision is required")),
        };

        let mut events = Vec::new();
        while let Some(message) = messages.message().await? {
            let Some(append_req::Content::ProposedMessage(proposed)) = message.content else {
                return Err(Status::invalid_argument("expected a proposed message"));
            };
            let required = |key: &str| {
                proposed.metadata.get(key).cloned().ok_or_else(|| {
                    Status::invalid_argument(format!(
                        "Required metadata property '{key}' is missing"
                    ))
                })
            };
            let event_type = required("type")?;
            let content_type = required("content-type")?;
            events.push(Proposed {
                id: uuid_from_proto(proposed.id)?,
                event_type,
                is_json: content_type == "application/json",
                custom_metadata: proposed.custom_metadata,
                data: proposed.data,
            });
        }

        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Status::deadline_exceeded("Deadline Exceeded"));
        }
        let outcome = {
            let mut log = self.shared.log();
            let outcome = log.append(&stream, expected, events);
            self.shared.appended.send_replace(log.len());
            outcome
        };
        // The write has happened; only its answer is slowed, so a client that gives up
        // meanwhile faces the same doubt as with a slow node.
        self.shared.answer_delay(deadline).await?;

        let result = match outcome {
            AppendOutcome::Success { current, position } => {
                append_resp::Result::Success(append_resp::Success {
                    current_revision_option: Some(match current {
                        Some(r) => success::CurrentRevisionOption::CurrentRevision(r),
                        None => success::CurrentRevisionOption::NoStream(Empty {}),
                    }),
                    position_option: Some(match position {
                        Some(p) => success::PositionOption::Position(append_resp::Position {
                            commit_position: p,
                            prepare_position: p,
                        }),
                        None => success::PositionOption::NoPosition(Empty {}),
                    }),
                })
            }
            AppendOutcome::WrongExpectedVersion { current } => {
                append_resp::Result::WrongExpectedVersion(wrong_expected_version(expected, current))
            }
        };
        Ok(Response::new(AppendResp {
            result: Some(result),
        }))
    }
}

/// Fills both the pre-20.6 and the current oneofs, as EventStoreDB does: the old "expected"
/// oneof has no `no_stream` case, so the node puts `u64::MAX` (-1 as an unsigned revision)
/// there.
fn wrong_expected_version(
    expected: Expected,
    current: Option<u64>,
) -> append_resp::WrongExpectedVersion {
    let (old_expected, new_expected) = match expected {
        Expected::Any => (
            wev::ExpectedRevisionOption2060::Any2060(Empty {}),
            wev::ExpectedRevisionOption::ExpectedAny(Empty {}),
        ),
        Expected::StreamExists => (
            wev::ExpectedRevisionOption2060::StreamExists2060(Empty {}),
            wev::ExpectedRevisionOption::ExpectedStreamExists(Empty {}),
        ),
        Expected::NoStream => (
            wev::ExpectedRevisionOption2060::ExpectedRevision2060(u64::MAX),
            wev::ExpectedRevisionOption::ExpectedNoStream(Empty {}),
        ),
        Expected::Exact(r) => (
            wev::ExpectedRevisionOption2060::ExpectedRevision2060(r),
            wev::ExpectedRevisionOption::ExpectedRevision(r),
        ),
    };
    let (old_current, new_current) = match current {
        Some(r) => (
            wev::CurrentRevisionOption2060::CurrentRevision2060(r),
            wev::CurrentRevisionOption::CurrentRevision(r),
        ),
        None => (
            wev::CurrentRevisionOption2060::NoStream2060(Empty {}),
            wev::CurrentRevisionOption::CurrentNoStream(Empty {}),
        ),
    };
    append_resp::WrongExpectedVersion {
        current_revision_option_20_6_0: Some(old_current),
        expected_revision_option_20_6_0: Some(old_expected),
        current_revision_option: Some(new_current),
        expected_revision_option: Some(new_expected),
    }
}

/// EventStoreDB sends a checkpoint every `checkpointIntervalMultiplier × window` events
/// considered, the window being `max` or, for `count`, its read batch size of 32; it refuses a
/// multiplier of 0.
fn checkpoint_interval(options: &read_options::FilterOptions) -> Result<u64, Status> {
    if options.checkpoint_interval_multiplier == 0 {
        return Err(Status::invalid_argument(
            "checkpointIntervalMultiplier must be at least 1",
        ));
    }
    let window = match options.window {
        Some(filter_options::Window::Max(max)) if max > 0 => max,
        _ => DEFAULT_SEARCH_WINDOW,
    };
    Ok(u64::from(options.checkpoint_interval_multiplier) * u64::from(window))
}

fn read_all(
    log: &Log,
    from: Option<AllOption>,
    direction: Direction,
    filter: Option<&Filter>,
    count: usize,
) -> Result<Vec<Arc<Record>>, Status> {
    let from = from.ok_or_else(|| Status::invalid_argument("position is required"))?;
    let wanted = |r: &&Arc<Record>| filter.is_none_or(|f| f.matches(r));
    let mut out = Vec::new();
    match direction {
        Direction::Forwards => {
            let start = match from {
                AllOption::Position(p) => log.index_at_or_after(p.commit_position),
                AllOption::Start(_) => 0,
                AllOption::End(_) => log.len(),
            };
            let mut index = start;
            while out.len() < count {
                let Some(record) = log.record(index) else {
                    break;
                };
                if wanted(&record) {
                    out.push(Arc::clone(record));
                }
                index += 1;
            }
        }
        Direction::Backwards => {
            // Backwards from a position yields the events before it.
            let mut end = match from {
                AllOption::Position(p) => log.index_at_or_after(p.commit_position),
                AllOption::Start(_) => 0,
                AllOption::End(_) => log.len(),
            };
            while out.len() < count && end > 0 {
                end -= 1;
                if let Some(record) = log.record(end) {
                    if wanted(&record) {
                        out.push(Arc::clone(record));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Runs one catch-up subscription: confirmation, history, `caught_up`, then live events until
/// the client goes away. It never ends the call by itself: a subscription only ends with an
/// error or a broken connection, as on a real node.
async fn subscribe(
    shared: Arc<Shared>,
    answer: Answer,
    mut target: SubscriptionTarget,
    uuid_format: UuidFormat,
) {
    let confirmation = Content::Confirmation(read_resp::SubscriptionConfirmation {
        subscription_id: shared.subscription_id(),
    });
    if !answer.send(confirmation).await {
        return;
    }

    let mut appended = shared.appended.subscribe();
    let mut caught_up = false;
    let mut considered: u64 = 0;
    loop {
        // Marked seen before looking at the log, so an append that lands after the look
        // wakes the wait below.
        appended.borrow_and_update();
        let mut out = Vec::new();
        match &mut target {
            SubscriptionTarget::Stream {
                name,
                next_revision,
            } => {
                let records = shared
                    .log()
                    .stream_from(name, *next_revision, SUBSCRIPTION_BATCH);
                for record in records {
                    *next_revision = record.revision + 1;
                    out.push(read_event(&record, uuid_format));
                }
            }
            SubscriptionTarget::All { next_index, filter } => {
                let records = shared.log().all_from(*next_index, SUBSCRIPTION_BATCH);
                let scanned_any = !records.is_empty();
                for record in records {
                    *next_index += 1;
                    match filter {
                        None => out.push(read_event(&record, uuid_format)),
                        Some((filter, interval)) => {
                            if filter.matches(&record) {
                                out.push(read_event(&record, uuid_format));
                            }
                            considered += 1;
                            if considered >= *interval {
                                considered = 0;
                                out.push(Content::Checkpoint(read_resp::Checkpoint {
                                    commit_position: record.position,
                                    prepare_position: record.position,
                                }));
                            }
                        }
                    }
                }
                if scanned_any && out.is_empty() {
                    // Everything in this batch was filtered out; look again at once.
                    continue;
                }
            }
        }

        if out.is_empty() {
            if !caught_up {
                caught_up = true;
                if !answer.send(Content::CaughtUp(read_resp::CaughtUp {})).await {
                    return;
                }
            }
            tokio::select! {
                changed = appended.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                () = answer.tx.closed() => return,
            }
            continue;
        }
        for content in out {
            if !answer.send(content).await {
                return;
            }
        }
    }
}

#[derive(Clone)]
pub(crate) struct FeaturesService {
    shared: Arc<Shared>,
}

impl FeaturesService {
    pub fn new(shared: Arc<Shared>) -> Self {
        FeaturesService { shared }
    }
}

#[tonic::async_trait]
impl ServerFeatures for FeaturesService {
    async fn get_supported_methods(
        &self,
        request: Request<Empty>,
    ) -> Result<Response<SupportedMethods>, Status> {
        self.shared.answer_delay(deadline_of(&request)).await?;
        // Only what is served here: no batch append and no persistent subscriptions, so the
        // client never reaches for them.
        let methods = ["read", "append"]
            .into_iter()
            .map(|method| SupportedMethod {
                method_name: method.to_string(),
                service_name: "event_store.client.streams.streams".to_string(),
                features: Vec::new(),
            })
            .collect();
        Ok(Response::new(SupportedMethods {
            methods,
            event_store_server_version: "24.10.0".to_string(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::streams::read_req::Options;
    use tokio_stream::StreamExt;

    fn service() -> StreamsService {
        let mut log = Log::seeded();
        for (stream, event_type, n) in [
            ("flight-1", "created", 1u128),
            ("gate-1", "opened", 2),
            ("flight-2", "created", 3),
            ("flight-1", "boarded", 4),
        ] {
            let outcome = log.append(
                stream,
                Expected::Any,
                vec![Proposed {
                    id: Uuid::from_u128(n),
                    event_type: event_type.to_string(),
                    is_json: true,
                    custom_metadata: Vec::new(),
                    data: b"{}".to_vec(),
                }],
            );
            assert!(matches!(outcome, AppendOutcome::Success { .. }));
        }
        StreamsService::new(Arc::new(Shared::new(log)))
    }

    fn all_options(filter: Option<filter_options::Filter>, uuid: UuidFormat) -> Options {
        let uuid_content = match uuid {
            UuidFormat::String => read_options::uuid_option::Content::String(Empty {}),
            UuidFormat::Structured => read_options::uuid_option::Content::Structured(Empty {}),
        };
        Options {
            stream_option: Some(StreamOption::All(read_options::AllOptions {
                all_option: Some(AllOption::Start(Empty {})),
            })),
            read_direction: read_options::ReadDirection::Forwards as i32,
            resolve_links: false,
            count_option: Some(CountOption::Count(100)),
            filter_option: Some(match filter {
                Some(filter) => FilterOption::Filter(read_options::FilterOptions {
                    filter: Some(filter),
                    window: Some(filter_options::Window::Count(Empty {})),
                    checkpoint_interval_multiplier: 1,
                }),
                None => FilterOption::NoFilter(Empty {}),
            }),
            uuid_option: Some(read_options::UuidOption {
                content: Some(uuid_content),
            }),
            control_option: None,
        }
    }

    async fn read(service: &StreamsService, options: Options) -> Vec<read_event::RecordedEvent> {
        let answer = service
            .read(Request::new(ReadReq {
                options: Some(options),
            }))
            .await
            .expect("read call");
        answer
            .into_inner()
            .map(|message| match message.expect("message").content {
                Some(Content::Event(event)) => event.event.expect("recorded event"),
                other => panic!("expected an event, got {other:?}"),
            })
            .collect()
            .await
    }

    fn streams_and_types(events: &[read_event::RecordedEvent]) -> Vec<(String, String)> {
        events
            .iter()
            .map(|e| {
                let name = e
                    .stream_identifier
                    .as_ref()
                    .expect("stream")
                    .stream_name
                    .clone();
                let name = String::from_utf8(name).expect("utf-8");
                (name, e.metadata["type"].clone())
            })
            .collect()
    }

    fn expression(regex: &str, prefixes: &[&str]) -> filter_options::Expression {
        filter_options::Expression {
            regex: regex.to_string(),
            prefix: prefixes.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[tokio::test]
    async fn all_reads_honour_stream_and_event_type_filters() {
        let service = service();

        let unfiltered = read(&service, all_options(None, UuidFormat::String)).await;
        assert_eq!(unfiltered.len(), 8, "four system events and four others");
        assert!(unfiltered
            .windows(2)
            .all(|w| w[0].commit_position < w[1].commit_position));

        let by_prefix = filter_options::Filter::StreamIdentifier(expression("", &["flight-"]));
        let events = read(&service, all_options(Some(by_prefix), UuidFormat::String)).await;
        let streams: Vec<_> = streams_and_types(&events)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(streams, ["flight-1", "flight-2", "flight-1"]);

        // The official client's `exclude_system_events()` regex.
        let no_system = filter_options::Filter::StreamIdentifier(expression("^[^\\$].*", &[]));
        let events = read(&service, all_options(Some(no_system), UuidFormat::String)).await;
        assert_eq!(events.len(), 4);

        let by_type = filter_options::Filter::EventType(expression("", &["open", "board"]));
        let events = read(&service, all_options(Some(by_type), UuidFormat::String)).await;
        assert_eq!(
            streams_and_types(&events),
            [
                ("gate-1".to_string(), "opened".to_string()),
                ("flight-1".to_string(), "boarded".to_string())
            ]
        );

        let by_type_regex = filter_options::Filter::EventType(expression("^created$", &["open"]));
        let events = read(
            &service,
            all_options(Some(by_type_regex), UuidFormat::String),
        )
        .await;
        assert_eq!(events.len(), 2, "a regex wins over prefixes");
    }

    #[tokio::test]
    async fn reads_from_a_position_include_it_and_respect_the_count() {
        let service = service();
        let everything = read(&service, all_options(None, UuidFormat::String)).await;
        let fifth = everything[4].commit_position;

        let mut options = all_options(None, UuidFormat::String);
        options.stream_option = Some(StreamOption::All(read_options::AllOptions {
            all_option: Some(AllOption::Position(read_options::Position {
                commit_position: fifth,
                prepare_position: fifth,
            })),
        }));
        options.count_option = Some(CountOption::Count(2));
        let events = read(&service, options).await;
        let positions: Vec<u64> = events.iter().map(|e| e.commit_position).collect();
        assert_eq!(positions, [fifth, everything[5].commit_position]);
    }

    #[tokio::test]
    async fn event_ids_come_back_in_the_format_asked_for() {
        let service = service();
        let as_strings = read(&service, all_options(None, UuidFormat::String)).await;
        let as_structs = read(&service, all_options(None, UuidFormat::Structured)).await;
        let flight = |events: &[read_event::RecordedEvent]| {
            events[4].id.clone().and_then(|id| id.value).expect("id")
        };
        assert_eq!(
            flight(&as_strings),
            proto_uuid::Value::String("00000000-0000-0000-0000-000000000001".to_string())
        );
        assert_eq!(
            flight(&as_structs),
            proto_uuid::Value::Structured(proto_uuid::Structured {
                most_significant_bits: 0,
                least_significant_bits: 1,
            })
        );
    }

    #[test]
    fn wrong_expected_version_fills_the_old_and_new_fields() {
        let answer = wrong_expected_version(Expected::NoStream, Some(3));
        assert_eq!(
            answer.expected_revision_option_20_6_0,
            Some(wev::ExpectedRevisionOption2060::ExpectedRevision2060(
                u64::MAX
            ))
        );
        assert_eq!(
            answer.expected_revision_option,
            Some(wev::ExpectedRevisionOption::ExpectedNoStream(Empty {}))
        );
        assert_eq!(
            answer.current_revision_option_20_6_0,
            Some(wev::CurrentRevisionOption2060::CurrentRevision2060(3))
        );
        assert_eq!(
            answer.current_revision_option,
            Some(wev::CurrentRevisionOption::CurrentRevision(3))
        );

        let answer = wrong_expected_version(Expected::StreamExists, None);
        assert_eq!(
            answer.current_revision_option,
            Some(wev::CurrentRevisionOption::CurrentNoStream(Empty {}))
        );
        assert_eq!(
            answer.current_revision_option_20_6_0,
            Some(wev::CurrentRevisionOption2060::NoStream2060(Empty {}))
        );
        assert_eq!(
            answer.expected_revision_option_20_6_0,
            Some(wev::ExpectedRevisionOption2060::StreamExists2060(Empty {}))
        );
    }

    #[test]
    fn the_checkpoint_interval_is_the_multiplier_times_the_window() {
        let mut options = read_options::FilterOptions {
            filter: Some(filter_options::Filter::StreamIdentifier(expression(
                "",
                &["a"],
            ))),
            window: Some(filter_options::Window::Count(Empty {})),
            checkpoint_interval_multiplier: 2,
        };
        assert_eq!(checkpoint_interval(&options).ok(), Some(64));
        options.window = Some(filter_options::Window::Max(10));
        assert_eq!(checkpoint_interval(&options).ok(), Some(20));
        options.checkpoint_interval_multiplier = 0;
        assert!(checkpoint_interval(&options).is_err());
    }
}
