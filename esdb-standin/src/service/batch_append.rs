//! `Streams/BatchAppend`: many appends over one bidirectional call, each batch answered once,
//! as `src/EventStore.Core/Services/Transport/Grpc/Streams.BatchAppend.cs` (EventStore/EventStore
//! v24.10.0) serves it:
//! - A batch is keyed by its correlation id. The message that carries `options` opens it
//!   (options on later messages of the same batch are ignored); messages without options add
//!   events to an open batch and are ignored when none is open; the message with `is_final`
//!   writes it.
//! - Each batch gets exactly one answer carrying its correlation id and stream: `success`
//!   (current revision or `no_stream`, position or `no_position`) or `error`, a
//!   `google.rpc.Status` built as in `Status.cs`: WrongExpectedVersion (ALREADY_EXISTS),
//!   Timeout (DEADLINE_EXCEEDED), MaximumAppendSizeExceeded (INVALID_ARGUMENT) or BadRequest
//!   (INVALID_ARGUMENT). The answer's own `expected_stream_position` is never set.
//! - A batch's timeout is the smaller of the one it asks for and the node's write timeout
//!   (2 s by default, `ClusterVNodeOptions.cs`). `deadline` (a duration) is read as relative to
//!   now, `deadline_21_10_0` (a timestamp) as a point in time, neither as no limit. A batch
//!   whose timeout is not positive is refused at once; one not completed within it is answered
//!   Timeout. The official client (`eventstore` 4.0, `src/commands.rs`, `batch_append`) sends
//!   `deadline` as the time since the Unix epoch of now plus its deadline, which a node reads
//!   as decades: its batches get the write timeout.
//! - On a follower, a write that requires the leader fails the whole call with the not-leader
//!   status (the node throws it out of the write's callback); otherwise it is forwarded.
//! - When the client closes its side, the call ends once every open batch is answered. (The
//!   node's own end of call counts pending writes racily; a client should not depend on more.)

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prost::Message;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::log::{AppendOutcome, Expected, Proposed};
use crate::proto::google_rpc::{self, Code};
use crate::proto::streams::batch_append_req::options::{DeadlineOption, ExpectedStreamPosition};
use crate::proto::streams::batch_append_req::ProposedMessage;
use crate::proto::streams::batch_append_resp::{self, success};
use crate::proto::streams::{BatchAppendReq, BatchAppendResp};
use crate::proto::{self as shared_proto, wrong_expected_version as wev};
use crate::proto::{Empty, Uuid as ProtoUuid};
use crate::topology::Access;

use super::append::{size_on_disk, MAX_APPEND_SIZE};
use super::convert::{stream_identifier, uuid_from_proto};
use super::shared::{deadline_of, until_draining};
use super::NodeContext;

/// The node's default write timeout (`WriteTimeoutMs` in `ClusterVNodeOptions.cs`).
const WRITE_TIMEOUT: Duration = Duration::from_millis(2_000);

/// A batch opened by its options and not yet written.
struct Open {
    /// As the client sent it, to be echoed in the answer.
    correlation: ProtoUuid,
    stream: String,
    expected: Expected,
    events: Vec<Proposed>,
    size: usize,
    expires: Instant,
}

type Answers = mpsc::Sender<Result<BatchAppendResp, Status>>;

pub(super) async fn batch_append(
    node: &Arc<NodeContext>,
    request: Request<Streaming<BatchAppendReq>>,
) -> Result<Response<ReceiverStream<Result<BatchAppendResp, Status>>>, Status> {
    // Whether this node may write is decided when a batch is written, as on a node; the
    // request's headers are all that is needed of it.
    let refusal = node
        .topology
        .check(node.index, &request, Access::Write)
        .err();
    let deadline = deadline_of(&request);
    let messages = request.into_inner();
    let (tx, rx) = mpsc::channel(32);
    tokio::spawn(serve(Arc::clone(node), messages, tx, refusal, deadline));
    Ok(Response::new(ReceiverStream::new(rx)))
}

async fn serve(
    node: Arc<NodeContext>,
    mut messages: Streaming<BatchAppendReq>,
    tx: Answers,
    refusal: Option<Status>,
    deadline: Option<Instant>,
) {
    let mut open: HashMap<Uuid, Open> = HashMap::new();
    let mut client_done = false;
    let mut drain = node.drain.subscribe();
    loop {
        if client_done && open.is_empty() {
            return;
        }
        let next_expiry = open.values().map(|b| b.expires).min();
        let message = tokio::select! {
            message = messages.message(), if !client_done => message,
            () = sleep_until(next_expiry) => {
                let now = Instant::now();
                let expired: Vec<Uuid> = open
                    .iter()
                    .filter(|(_, b)| b.expires <= now)
                    .map(|(id, _)| *id)
                    .collect();
                for id in expired {
                    if let Some(batch) = open.remove(&id) {
                        let answer = error_answer(Some(batch.correlation), &batch.stream, timeout());
                        if !send(&node, &tx, deadline, answer).await {
                            return;
                        }
                    }
                }
                continue;
            }
            () = tx.closed() => return,
            // A GOAWAY from the node: the call ends so that its connection can close.
            () = until_draining(&mut drain) => {
                let _ = tx.send(Err(Status::unavailable("the node is closing this connection"))).await;
                return;
            }
        };
        let request = match message {
            Ok(Some(request)) => request,
            Ok(None) => {
                client_done = true;
                continue;
            }
            // The client went away or broke the stream: nobody is left to answer.
            Err(_) => return,
        };
        let step = take(&mut open, request);
        let answer = match step {
            Step::Nothing => continue,
            Step::Answer(answer) => answer,
            Step::Write(batch) => {
                if let Some(refusal) = &refusal {
                    let _ = tx.send(Err(refusal.clone())).await;
                    return;
                }
                write(&node, batch)
            }
        };
        if !send(&node, &tx, deadline, answer).await {
            return;
        }
    }
}

async fn sleep_until(when: Option<Instant>) {
    match when {
        Some(when) => tokio::time::sleep_until(when).await,
        None => std::future::pending().await,
    }
}

/// Sends one answer after the injected delay; `false` once the call is over.
async fn send(
    node: &NodeContext,
    tx: &Answers,
    deadline: Option<Instant>,
    answer: BatchAppendResp,
) -> bool {
    if let Err(status) = node.shared.answer_delay(deadline).await {
        let _ = tx.send(Err(status)).await;
        return false;
    }
    tx.send(Ok(answer)).await.is_ok()
}

enum Step {
    Nothing,
    Answer(BatchAppendResp),
    Write(Open),
}

/// Takes one request into the open batches, as the node's receive loop does.
fn take(open: &mut HashMap<Uuid, Open>, request: BatchAppendReq) -> Step {
    let correlation = request.correlation_id.clone();
    let id = match uuid_from_proto(request.correlation_id) {
        Ok(id) => id,
        Err(status) => return Step::Answer(bad_request(correlation, None, status.message())),
    };
    if let Some(options) = request.options {
        let Some(identifier) = options.stream_identifier else {
            let status = bad_request(
                correlation,
                None,
                "Required field StreamIdentifier not set.",
            );
            return Step::Answer(status);
        };
        let stream = String::from_utf8_lossy(&identifier.stream_name).into_owned();
        let Some(timeout) =
            requested_timeout(options.deadline_option).map(|t| t.min(WRITE_TIMEOUT))
        else {
            return Step::Answer(error_answer(correlation, &stream, timeout()));
        };
        let expected = match options.expected_stream_position {
            Some(ExpectedStreamPosition::StreamPosition(r)) => Expected::Exact(r),
            Some(ExpectedStreamPosition::NoStream(_)) => Expected::NoStream,
            Some(ExpectedStreamPosition::Any(_)) => Expected::Any,
            Some(ExpectedStreamPosition::StreamExists(_)) => Expected::StreamExists,
            None => {
                let message = "expected_stream_position is required";
                return Step::Answer(bad_request(correlation, Some(&stream), message));
            }
        };
        // The node keeps the batch it already has for this correlation id.
        open.entry(id).or_insert_with(|| Open {
            correlation: correlation.clone().unwrap_or_default(),
            stream,
            expected,
            events: Vec::new(),
            size: 0,
            expires: Instant::now() + timeout,
        });
    }
    let Some(batch) = open.get_mut(&id) else {
        return Step::Nothing;
    };
    for message in request.proposed_messages {
        match proposed(message) {
            Ok(event) => {
                batch.size += size_on_disk(&event.data);
                batch.events.push(event);
            }
            Err(message) => {
                let stream = batch.stream.clone();
                return Step::Answer(bad_request(correlation, Some(&stream), &message));
            }
        }
    }
    if batch.size > MAX_APPEND_SIZE {
        let stream = batch.stream.clone();
        open.remove(&id);
        return Step::Answer(error_answer(correlation, &stream, too_large()));
    }
    if !request.is_final {
        return Step::Nothing;
    }
    match open.remove(&id) {
        Some(batch) => Step::Write(batch),
        None => Step::Nothing,
    }
}

/// How long a batch may take: `None` when that is not positive.
fn requested_timeout(option: Option<DeadlineOption>) -> Option<Duration> {
    let timeout = match option {
        Some(DeadlineOption::Deadline(d)) => {
            let nanos = i128::from(d.seconds) * 1_000_000_000 + i128::from(d.nanos);
            if nanos <= 0 {
                return None;
            }
            Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
        }
        Some(DeadlineOption::Deadline21100(t)) => {
            let seconds = u64::try_from(t.seconds).ok()?;
            let nanos = u32::try_from(t.nanos).ok()?;
            let at = UNIX_EPOCH + Duration::new(seconds, nanos);
            at.duration_since(SystemTime::now()).ok()?
        }
        None => return Some(WRITE_TIMEOUT),
    };
    (!timeout.is_zero()).then_some(timeout)
}

fn proposed(message: ProposedMessage) -> Result<Proposed, String> {
    let id = uuid_from_proto(message.id).map_err(|s| s.message().to_string())?;
    let metadata = |key: &str| {
        message
            .metadata
            .get(key)
            .cloned()
            .ok_or_else(|| format!("The given key '{key}' was not present in the dictionary."))
    };
    let event_type = metadata("type")?;
    let content_type = metadata("content-type")?;
    Ok(Proposed {
        id,
        event_type,
        is_json: content_type == "application/json",
        custom_metadata: message.custom_metadata,
        data: message.data,
    })
}

fn write(node: &NodeContext, batch: Open) -> BatchAppendResp {
    let outcome = {
        let mut log = node.shared.log();
        let outcome = log.append(&batch.stream, batch.expected, batch.events);
        node.shared.appended.send_replace(log.len());
        outcome
    };
    let correlation = Some(batch.correlation);
    match outcome {
        AppendOutcome::Success { current, position } => BatchAppendResp {
            correlation_id: correlation,
            stream_identifier: Some(stream_identifier(&batch.stream)),
            result: Some(batch_append_resp::Result::Success(
                batch_append_resp::Success {
                    current_revision_option: Some(match current {
                        Some(r) => success::CurrentRevisionOption::CurrentRevision(r),
                        None => success::CurrentRevisionOption::NoStream(Empty {}),
                    }),
                    position_option: Some(match position {
                        Some(p) => {
                            success::PositionOption::Position(shared_proto::AllStreamPosition {
                                commit_position: p,
                                prepare_position: p,
                            })
                        }
                        None => success::PositionOption::NoPosition(Empty {}),
                    }),
                },
            )),
            expected_stream_position: None,
        },
        AppendOutcome::WrongExpectedVersion { current } => error_answer(
            correlation,
            &batch.stream,
            wrong_expected_version(current, batch.expected),
        ),
    }
}

fn error_answer(
    correlation: Option<ProtoUuid>,
    stream: &str,
    error: google_rpc::Status,
) -> BatchAppendResp {
    BatchAppendResp {
        correlation_id: correlation,
        stream_identifier: Some(stream_identifier(stream)),
        result: Some(batch_append_resp::Result::Error(error)),
        expected_stream_position: None,
    }
}

fn bad_request(
    correlation: Option<ProtoUuid>,
    stream: Option<&str>,
    message: &str,
) -> BatchAppendResp {
    let detail = shared_proto::BadRequest {
        message: message.to_string(),
    };
    BatchAppendResp {
        correlation_id: correlation,
        stream_identifier: stream.map(stream_identifier),
        result: Some(batch_append_resp::Result::Error(status(
            Code::InvalidArgument,
            "BadRequest",
            "BadRequest",
            &detail,
        ))),
        expected_stream_position: None,
    }
}

/// A `google.rpc.Status` with one detail, packed as `Any` under its protobuf type name.
fn status(
    code: Code,
    message: &str,
    detail_type: &str,
    detail: &impl Message,
) -> google_rpc::Status {
    google_rpc::Status {
        code: code as i32,
        message: message.to_string(),
        details: Some(prost_types::Any {
            type_url: format!("type.googleapis.com/event_store.client.{detail_type}"),
            value: detail.encode_to_vec(),
        }),
    }
}

fn timeout() -> google_rpc::Status {
    status(
        Code::DeadlineExceeded,
        "Timeout",
        "Timeout",
        &shared_proto::Timeout {},
    )
}

fn too_large() -> google_rpc::Status {
    let detail = shared_proto::MaximumAppendSizeExceeded {
        max_append_size: MAX_APPEND_SIZE as u32,
    };
    status(
        Code::InvalidArgument,
        "MaximumAppendSizeExceeded",
        "MaximumAppendSizeExceeded",
        &detail,
    )
}

/// `WrongExpectedVersion.Create` (`WrongExpectedVersion.cs`): the current revision or
/// `current_no_stream`, and the expected position as asked.
fn wrong_expected_version(current: Option<u64>, expected: Expected) -> google_rpc::Status {
    let detail = shared_proto::WrongExpectedVersion {
        current_stream_revision_option: Some(match current {
            Some(r) => wev::CurrentStreamRevisionOption::CurrentStreamRevision(r),
            None => wev::CurrentStreamRevisionOption::CurrentNoStream(Empty {}),
        }),
        expected_stream_position_option: Some(match expected {
            Expected::Exact(r) => wev::ExpectedStreamPositionOption::ExpectedStreamPosition(r),
            Expected::Any => wev::ExpectedStreamPositionOption::ExpectedAny(Empty {}),
            Expected::NoStream => wev::ExpectedStreamPositionOption::ExpectedNoStream(Empty {}),
            Expected::StreamExists => {
                wev::ExpectedStreamPositionOption::ExpectedStreamExists(Empty {})
            }
        }),
    };
    status(
        Code::AlreadyExists,
        "WrongExpectedVersion",
        "WrongExpectedVersion",
        &detail,
    )
}
