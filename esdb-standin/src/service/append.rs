//! `Streams/Append`: one client-streamed append, written atomically, as
//! `src/EventStore.Core/Services/Transport/Grpc/Streams.Append.cs` (EventStore/EventStore
//! v24.10.0) answers it.

use std::sync::Arc;

use tokio::time::Instant;
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status, Streaming};

use crate::log::{AppendOutcome, Expected, Proposed};
use crate::proto::streams::append_resp::{self, success};
use crate::proto::streams::{append_req, AppendReq, AppendResp};
use crate::proto::Empty;

use super::convert::{stream_name, uuid_from_proto, wrong_expected_version};
use super::shared::deadline_of;
use super::NodeContext;
use crate::topology::Access;

/// A node's default `MaxAppendSize` (`ClusterVNodeOptions.cs`), in bytes.
pub(super) const MAX_APPEND_SIZE: usize = 1_024 * 1_024;

/// How much of `MAX_APPEND_SIZE` an event uses. The node's `Event.SizeOnDisk`
/// (`src/EventStore.Core/Data/Event.cs`) reads `data?.Length ?? 0 + metadata?.Length ?? 0 +
/// eventType.Length * 2`, which C#'s precedence makes the data's length alone.
pub(super) fn size_on_disk(data: &[u8]) -> usize {
    data.len()
}

/// The node's answer to an event without a required metadata entry
/// (`RpcExceptions.RequiredMetadataPropertyMissing`).
fn missing_metadata(key: &str) -> Status {
    let mut status =
        Status::invalid_argument(format!("Required Metadata Property '{key}' is missing"));
    let metadata = status.metadata_mut();
    metadata.insert(
        "exception",
        MetadataValue::from_static("missing-required-metadata-property"),
    );
    metadata.insert(
        "required-metadata-properties",
        MetadataValue::from_static("type,content-type"),
    );
    status
}

/// The node's answer to an append over [`MAX_APPEND_SIZE`] (`RpcExceptions.MaxAppendSizeExceeded`).
fn too_large() -> Status {
    let mut status = Status::invalid_argument(format!(
        "Maximum Append Size of {MAX_APPEND_SIZE} Exceeded."
    ));
    let metadata = status.metadata_mut();
    metadata.insert(
        "exception",
        MetadataValue::from_static("maximum-append-size-exceeded"),
    );
    metadata.insert("maximum-append-size", MetadataValue::from(MAX_APPEND_SIZE));
    status
}

pub(super) async fn append(
    node: &Arc<NodeContext>,
    request: Request<Streaming<AppendReq>>,
) -> Result<Response<AppendResp>, Status> {
    let shared = &node.shared;
    let deadline = deadline_of(&request);
    // A follower refuses a write that requires the leader before reading it; one that does
    // not is forwarded, which on a shared log is writing it here.
    node.topology.check(node.index, &request, Access::Write)?;
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
    let mut size = 0;
    while let Some(message) = messages.message().await? {
        let Some(append_req::Content::ProposedMessage(proposed)) = message.content else {
            return Err(Status::invalid_argument("expected a proposed message"));
        };
        let required = |key: &str| {
            proposed
                .metadata
                .get(key)
                .cloned()
                .ok_or_else(|| missing_metadata(key))
        };
        let event_type = required("type")?;
        let content_type = required("content-type")?;
        size += size_on_disk(&proposed.data);
        if size > MAX_APPEND_SIZE {
            return Err(too_large());
        }
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
        let mut log = shared.log();
        let outcome = log.append(&stream, expected, events);
        shared.appended.send_replace(log.len());
        outcome
    };
    // The write has happened; only its answer is slowed, so a client that gives up
    // meanwhile faces the same doubt as with a slow node.
    shared.answer_delay(deadline).await?;

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
