//! The in-memory transaction log: every event in commit order, with an index per stream.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use uuid::Uuid;

/// One committed event. Commit and prepare positions are equal: every append is a single
/// implicit transaction and each event is its own prepare record, as EventStoreDB reports
/// events written through `Streams/Append`.
#[derive(Debug)]
pub(crate) struct Record {
    pub stream: String,
    pub revision: u64,
    pub position: u64,
    pub id: Uuid,
    pub event_type: String,
    pub is_json: bool,
    /// .NET ticks (100 ns) since the Unix epoch, the unit EventStoreDB puts in the `created`
    /// metadata entry and the official client divides by 10 000 000.
    pub created_ticks: u64,
    pub custom_metadata: Vec<u8>,
    pub data: Vec<u8>,
}

impl Record {
    pub fn is_system(&self) -> bool {
        self.stream.starts_with('$')
    }
}

pub(crate) struct Proposed {
    pub id: Uuid,
    pub event_type: String,
    pub is_json: bool,
    pub custom_metadata: Vec<u8>,
    pub data: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expected {
    Any,
    NoStream,
    StreamExists,
    Exact(u64),
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AppendOutcome {
    /// `current` is the stream's last revision afterwards (`None`: the stream still does not
    /// exist, after an empty append); `position` that of the last event written.
    Success {
        current: Option<u64>,
        position: Option<u64>,
    },
    WrongExpectedVersion {
        current: Option<u64>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Forwards,
    Backwards,
}

pub(crate) struct Log {
    records: Vec<Arc<Record>>,
    /// Indexes into `records`, in revision order.
    streams: HashMap<String, Vec<usize>>,
    next_position: u64,
}

impl Log {
    pub fn new() -> Self {
        Log {
            records: Vec::new(),
            streams: HashMap::new(),
            // A real log starts with its own bookkeeping records, so no event sits at 0: a
            // client that confuses "position 0" with "the start" is caught here too.
            next_position: 1_024,
        }
    }

    /// The log a fresh node has: a few events in system streams, which `$all` readers see and
    /// filters must drop.
    pub fn seeded() -> Self {
        let mut log = Log::new();
        let seeds = [
            ("$settings", "update-default-acl"),
            ("$$$scavenges", "$metadata"),
            ("$users", "$UserCreated"),
            ("$scavenges", "$scavengeIndexInitialized"),
        ];
        for (stream, event_type) in seeds {
            let outcome = log.append(
                stream,
                Expected::Any,
                vec![Proposed {
                    id: Uuid::from_u128(u128::from(log.next_position) << 64 | 0x5eed),
                    event_type: event_type.to_string(),
                    is_json: true,
                    custom_metadata: Vec::new(),
                    data: b"{}".to_vec(),
                }],
            );
            debug_assert!(matches!(outcome, AppendOutcome::Success { .. }));
        }
        log
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn user_event_count(&self) -> usize {
        self.records.iter().filter(|r| !r.is_system()).count()
    }

    pub fn last_revision(&self, stream: &str) -> Option<u64> {
        self.streams
            .get(stream)
            .and_then(|indexes| indexes.len().checked_sub(1))
            .map(|last| last as u64)
    }

    /// Appends atomically: either every proposed event is written or none is.
    pub fn append(
        &mut self,
        stream: &str,
        expected: Expected,
        events: Vec<Proposed>,
    ) -> AppendOutcome {
        let current = self.last_revision(stream);

        if let Some(outcome) = self.idempotent_replay(stream, expected, current, &events) {
            return outcome;
        }

        let allowed = match expected {
            Expected::Any => true,
            Expected::NoStream => current.is_none(),
            Expected::StreamExists => current.is_some(),
            Expected::Exact(revision) => current == Some(revision),
        };
        if !allowed {
            return AppendOutcome::WrongExpectedVersion { current };
        }
        if events.is_empty() {
            return AppendOutcome::Success {
                current,
                position: None,
            };
        }

        let created_ticks = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| (d.as_nanos() / 100) as u64)
            .unwrap_or(0);
        let mut revision = current.map_or(0, |c| c + 1);
        let mut position = self.next_position;
        for event in events {
            position = self.next_position;
            // Positions are byte offsets in a real log: they grow by each record's size, so
            // they are strictly increasing but not consecutive.
            let size = 64 + stream.len() + event.event_type.len() + event.data.len();
            self.next_position += (size + event.custom_metadata.len()) as u64;
            let index = self.records.len();
            self.records.push(Arc::new(Record {
                stream: stream.to_string(),
                revision,
                position,
                id: event.id,
                event_type: event.event_type,
                is_json: event.is_json,
                created_ticks,
                custom_metadata: event.custom_metadata,
                data: event.data,
            }));
            self.streams
                .entry(stream.to_string())
                .or_default()
                .push(index);
            revision += 1;
        }
        AppendOutcome::Success {
            current: Some(revision - 1),
            position: Some(position),
        }
    }

    /// EventStoreDB answers a repeated append (same event ids, same expected revision) with
    /// the first append's result instead of writing the events twice, so a client that retries
    /// after a lost answer does not duplicate events. Only exact revisions and `no_stream` are
    /// replayed here; the node's best-effort id cache for `any` is not modelled.
    fn idempotent_replay(
        &self,
        stream: &str,
        expected: Expected,
        current: Option<u64>,
        events: &[Proposed],
    ) -> Option<AppendOutcome> {
        let first = match expected {
            Expected::NoStream => 0,
            Expected::Exact(revision) => revision.checked_add(1)?,
            Expected::Any | Expected::StreamExists => return None,
        };
        let current = current?;
        if events.is_empty() || current < first {
            return None;
        }
        let indexes = self.streams.get(stream)?;
        let start = usize::try_from(first).ok()?;
        let written = indexes.get(start..start.checked_add(events.len())?)?;
        let same = written
            .iter()
            .zip(events)
            .all(|(&index, event)| self.records[index].id == event.id);
        if !same {
            return None;
        }
        let last = self.records[*written.last()?].as_ref();
        Some(AppendOutcome::Success {
            current: Some(last.revision),
            position: Some(last.position),
        })
    }

    /// Events of one stream from `revision` (inclusive) in `direction`; `None` when the stream
    /// does not exist.
    pub fn read_stream(
        &self,
        stream: &str,
        revision: StreamStart,
        direction: Direction,
        count: usize,
    ) -> Option<Vec<Arc<Record>>> {
        let indexes = self.streams.get(stream)?;
        let len = indexes.len();
        let records = match direction {
            Direction::Forwards => {
                let from = match revision {
                    StreamStart::Start => 0,
                    StreamStart::End => len,
                    StreamStart::Revision(r) => usize::try_from(r).unwrap_or(usize::MAX).min(len),
                };
                indexes[from..]
                    .iter()
                    .take(count)
                    .map(|&i| Arc::clone(&self.records[i]))
                    .collect()
            }
            Direction::Backwards => {
                let to = match revision {
                    StreamStart::Start => 1.min(len),
                    StreamStart::End => len,
                    StreamStart::Revision(r) => usize::try_from(r)
                        .ok()
                        .and_then(|r| r.checked_add(1))
                        .unwrap_or(usize::MAX)
                        .min(len),
                };
                indexes[..to]
                    .iter()
                    .rev()
                    .take(count)
                    .map(|&i| Arc::clone(&self.records[i]))
                    .collect()
            }
        };
        Some(records)
    }

    /// Up to `limit` events of `stream` from revision `from` on.
    pub fn stream_from(&self, stream: &str, from: u64, limit: usize) -> Vec<Arc<Record>> {
        let Some(indexes) = self.streams.get(stream) else {
            return Vec::new();
        };
        let from = usize::try_from(from)
            .unwrap_or(usize::MAX)
            .min(indexes.len());
        indexes[from..]
            .iter()
            .take(limit)
            .map(|&i| Arc::clone(&self.records[i]))
            .collect()
    }

    /// Up to `limit` events of `$all` from log index `from` on.
    pub fn all_from(&self, from: usize, limit: usize) -> Vec<Arc<Record>> {
        self.records
            .iter()
            .skip(from)
            .take(limit)
            .cloned()
            .collect()
    }

    /// Log index of the first event whose position is at least `position`.
    pub fn index_at_or_after(&self, position: u64) -> usize {
        self.records.partition_point(|r| r.position < position)
    }

    /// Log index of the first event whose position is greater than `position`.
    pub fn index_after(&self, position: u64) -> usize {
        self.records.partition_point(|r| r.position <= position)
    }

    pub fn record(&self, index: usize) -> Option<&Arc<Record>> {
        self.records.get(index)
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum StreamStart {
    Start,
    End,
    Revision(u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u128) -> Proposed {
        Proposed {
            id: Uuid::from_u128(n),
            event_type: "t".into(),
            is_json: true,
            custom_metadata: Vec::new(),
            data: b"{}".to_vec(),
        }
    }

    #[test]
    fn revisions_count_from_zero_and_positions_grow() {
        let mut log = Log::new();
        let first = log.append("s", Expected::NoStream, vec![event(1), event(2)]);
        let AppendOutcome::Success {
            current: Some(1),
            position: Some(p1),
        } = first
        else {
            panic!("unexpected {first:?}");
        };
        let second = log.append("s", Expected::Exact(1), vec![event(3)]);
        let AppendOutcome::Success {
            current: Some(2),
            position: Some(p2),
        } = second
        else {
            panic!("unexpected {second:?}");
        };
        assert!(p2 > p1);
        assert_eq!(
            log.append("s", Expected::Exact(1), vec![event(4)]),
            AppendOutcome::WrongExpectedVersion { current: Some(2) }
        );
        assert_eq!(
            log.append("t", Expected::StreamExists, vec![event(5)]),
            AppendOutcome::WrongExpectedVersion { current: None }
        );
    }

    #[test]
    fn a_repeated_append_is_answered_without_writing_twice() {
        let mut log = Log::new();
        let first = log.append("s", Expected::NoStream, vec![event(1)]);
        let again = log.append("s", Expected::NoStream, vec![event(1)]);
        assert_eq!(first, again);
        assert_eq!(log.len(), 1);
        assert_eq!(
            log.append("s", Expected::NoStream, vec![event(9)]),
            AppendOutcome::WrongExpectedVersion { current: Some(0) }
        );
    }
}
