//! Conversions between the wire messages and the log's types: stream names, event ids, read
//! events and the wrong-expected-version answer.

use std::collections::HashMap;

use tonic::Status;
use uuid::Uuid;

use crate::log::{Expected, Record};
use crate::proto::streams::append_resp::{self, wrong_expected_version as wev};
use crate::proto::streams::read_resp::{self, read_event, Content};
use crate::proto::{uuid as proto_uuid, Empty, StreamIdentifier, Uuid as ProtoUuid};

pub(super) fn stream_name(identifier: Option<StreamIdentifier>) -> Result<String, Status> {
    let identifier =
        identifier.ok_or_else(|| Status::invalid_argument("stream_identifier is required"))?;
    String::from_utf8(identifier.stream_name)
        .map_err(|_| Status::invalid_argument("stream name is not UTF-8"))
}

pub(super) fn stream_identifier(name: &str) -> StreamIdentifier {
    StreamIdentifier {
        stream_name: name.as_bytes().to_vec(),
    }
}

pub(super) fn uuid_from_proto(id: Option<ProtoUuid>) -> Result<Uuid, Status> {
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
pub(super) enum UuidFormat {
    Structured,
    String,
}

pub(super) fn uuid_to_proto(id: Uuid, format: UuidFormat) -> ProtoUuid {
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

pub(super) fn read_event(record: &Record, format: UuidFormat) -> Content {
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

/// Fills both the pre-20.6 and the current oneofs, as EventStoreDB does: the old "expected"
/// oneof has no `no_stream` case, so the node puts `u64::MAX` (-1 as an unsigned revision)
/// there.
pub(super) fn wrong_expected_version(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
