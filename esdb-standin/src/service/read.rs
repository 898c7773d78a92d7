//! `Streams/Read` answered as a read (a count of events from a stream or `$all`); subscriptions
//! are handed to [`super::subscribe`].

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::log::{Direction, Log, Record, StreamStart};
use crate::proto::streams::read_req::options::{
    self as read_options, all_options::AllOption, stream_options::RevisionOption, CountOption,
    FilterOption, StreamOption,
};
use crate::proto::streams::read_resp::{self, Content};
use crate::proto::streams::{ReadReq, ReadResp};

use super::convert::{read_event, stream_identifier, stream_name, UuidFormat};
use super::filter::Filter;
use super::shared::{deadline_of, Answer};
use super::subscribe::{subscribe, SubscriptionTarget};
use super::NodeContext;
use crate::topology::Access;

pub(super) async fn read(
    node: &Arc<NodeContext>,
    request: Request<ReadReq>,
) -> Result<Response<ReceiverStream<Result<ReadResp, Status>>>, Status> {
    let shared = &node.shared;
    let deadline = deadline_of(&request);
    // A follower asked for the leader refuses when its enumerator first reads, after the
    // options (and a filter's regex) have been taken in.
    let refusal = node
        .topology
        .check(node.index, &request, Access::Read)
        .err();
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
    // The client asks for the first/last stream position messages with a compatibility level
    // of 1 or more (`ReadReq.Options.ControlOption`); older clients would not know them.
    let compatibility = options
        .control_option
        .as_ref()
        .map_or(0, |c| c.compatibility);
    let stream_option = options
        .stream_option
        .ok_or_else(|| Status::invalid_argument("stream_option is required"))?;

    let (tx, rx) = mpsc::channel(32);
    let answer = Answer {
        tx,
        shared: Arc::clone(shared),
        deadline,
    };

    match options.count_option {
        Some(CountOption::Count(count)) => {
            if let Some(refusal) = refusal {
                return Err(refusal);
            }
            let count = usize::try_from(count).unwrap_or(usize::MAX);
            let contents: Vec<Content> = match stream_option {
                StreamOption::Stream(s) => {
                    let name = stream_name(s.stream_identifier)?;
                    let start = match s.revision_option {
                        Some(RevisionOption::Revision(r)) => StreamStart::Revision(r),
                        Some(RevisionOption::Start(_)) => StreamStart::Start,
                        Some(RevisionOption::End(_)) => StreamStart::End,
                        None => return Err(Status::invalid_argument("revision is required")),
                    };
                    let read = StreamRead {
                        start,
                        direction,
                        count,
                        positions: compatibility >= 1,
                        uuid_format,
                    };
                    read_stream(&shared.log(), &name, read)?
                }
                StreamOption::All(a) => {
                    let filter = filter.map(|(f, _)| f);
                    read_all(
                        &shared.log(),
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
            let target = SubscriptionTarget::new(&shared.log(), stream_option, filter)?;
            tokio::spawn(subscribe(
                Arc::clone(node),
                answer,
                target,
                uuid_format,
                refusal,
            ));
        }
        None => return Err(Status::invalid_argument("count_option is required")),
    }

    Ok(Response::new(ReceiverStream::new(rx)))
}

/// What a stream read asks for.
struct StreamRead {
    start: StreamStart,
    direction: Direction,
    count: usize,
    /// Whether to add the first/last stream position messages.
    positions: bool,
    uuid_format: UuidFormat,
}

/// The messages of a stream read, as a 24.10 node sends them
/// (`src/EventStore.Core/Services/Transport/Enumerators/Enumerator.ReadStreamForwards.cs` and
/// `Enumerator.ReadStreamBackwards.cs` in EventStore/EventStore at v24.10.0):
/// - a stream that does not exist: `stream_not_found` alone;
/// - the events, then `last_stream_position` with the stream's last revision (whatever the
///   count), in both directions;
/// - forwards only, when the first page is empty and the next revision to read is not the one
///   asked for, `first_stream_position` with that next revision before anything else. Without
///   truncation (`$maxCount`, `$tb`, which the stand-in does not model) that is a read that
///   starts more than one past the last revision: the node's index reader
///   (`Services/Storage/ReaderIndex/IndexReader.cs`, `ReadStreamEventsForwardInternal`)
///   answers it with "next: last + 1".
///
/// Reading forwards from `End` is refused: the node turns `End` into -1, which the index
/// reader rejects (`Ensure.Nonnegative`); the storage reader answers `ReadStreamResult.Error`
/// and the read ends with UNKNOWN "Unexpected ReadStreamResult: Error"
/// (`Services/Transport/Grpc/RpcExceptions.cs`, `UnknownError`).
fn read_stream(log: &Log, name: &str, read: StreamRead) -> Result<Vec<Content>, Status> {
    if read.direction == Direction::Forwards && matches!(read.start, StreamStart::End) {
        return Err(Status::unknown("Unexpected ReadStreamResult: Error"));
    }
    let (Some(records), Some(last)) = (
        log.read_stream(name, read.start, read.direction, read.count),
        log.last_revision(name),
    ) else {
        return Ok(vec![Content::StreamNotFound(read_resp::StreamNotFound {
            stream_identifier: Some(stream_identifier(name)),
        })]);
    };
    let mut items = Vec::with_capacity(records.len() + 2);
    if read.positions && read.direction == Direction::Forwards && records.is_empty() {
        let asked = match read.start {
            StreamStart::Revision(r) => r,
            StreamStart::Start => 0,
            StreamStart::End => u64::MAX,
        };
        let next = last + 1;
        if asked != next {
            items.push(Content::FirstStreamPosition(next));
        }
    }
    items.extend(records.iter().map(|r| read_event(r, read.uuid_format)));
    if read.positions {
        items.push(Content::LastStreamPosition(last));
    }
    Ok(items)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{AppendOutcome, Expected, Proposed};
    use crate::proto::streams::read_req::options::filter_options;
    use crate::proto::streams::read_req::Options;
    use crate::proto::streams::read_resp::read_event;
    use crate::proto::streams::streams_server::Streams;
    use crate::proto::{uuid as proto_uuid, Empty};
    use crate::service::{NodeContext, Shared, StreamsService};
    use crate::topology::Topology;
    use tokio_stream::StreamExt;
    use uuid::Uuid;

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
        let shared = Arc::new(Shared::new(log));
        let topology = Arc::new(Topology::new(&["127.0.0.1:2113".parse().expect("address")]));
        StreamsService::new(Arc::new(NodeContext::new(shared, topology, 0)))
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
}
