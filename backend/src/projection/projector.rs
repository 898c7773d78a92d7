//! The projector: what one batch of events does to the read model, applied in one transaction
//! with the checkpoint that covers it. Which rows change, and how, is worked out in memory by the
//! working set (no SQL); this file sorts the batch (new, already applied by another instance,
//! parked, or unreadable) and carries the result into the read model's transaction.

use super::live::Committed;
use super::working_set::WorkingSet;
use super::Halt;
use crate::event_store::{Position, RecordedEvent};
use crate::read_model::{AuditFilter, Parked, ReadModel, ReadModelError, Writer};
use flightdeck_core::Event;
use std::collections::BTreeMap;
use uuid::Uuid;

/// What one transaction applied: the checkpoint it moved to, and the audit entries for the
/// live feed.
pub struct Applied {
    pub through: Option<Position>,
    pub entries: Committed,
}

/// A batch sorted against the checkpoint and the parked events. Pure: no I/O.
struct Sorted<'b> {
    /// The events to apply, in order: each read, or parked with the operator's reason.
    events: Vec<(&'b RecordedEvent, Result<Event, &'b Parked>)>,
    /// The newest position this batch covers (everything up to it is applied or skipped).
    covered: Option<Position>,
    /// The first event this version cannot read and nobody parked: the projection stops there.
    halt: Option<Halt>,
    /// Whether another instance had applied part of the batch already.
    applied_elsewhere: bool,
}

fn sort<'b>(
    batch: &'b mut [RecordedEvent],
    checkpoint: Option<Position>,
    parked: &'b BTreeMap<Position, Parked>,
) -> Sorted<'b> {
    let mut sorted = Sorted {
        events: Vec::new(),
        covered: None,
        halt: None,
        applied_elsewhere: false,
    };
    for recorded in batch.iter_mut() {
        if checkpoint.is_some_and(|c| recorded.position <= c) {
            sorted.applied_elsewhere = true;
            continue;
        }
        // The data moves into the event; nothing reads it from the batch afterwards.
        match recorded.take_event() {
            Ok(event) => sorted.events.push((&*recorded, Ok(event))),
            Err(e) => match parked.get(&recorded.position) {
                Some(parked) => sorted.events.push((&*recorded, Err(parked))),
                None => {
                    sorted.halt = Some(Halt {
                        position: recorded.position,
                        stream: recorded.stream.clone(),
                        event_type: recorded.event_type.clone(),
                        reason: e.reason,
                    });
                    break;
                }
            },
        }
        sorted.covered = Some(recorded.position);
    }
    sorted
}

/// Applies `batch` and moves the checkpoint to its end, in one transaction; or, when the batch
/// holds an event that cannot be read and is not parked, applies what comes before it and
/// returns where it stopped.
pub async fn apply(
    read_model: &ReadModel,
    writer: &mut Writer,
    batch: &mut [RecordedEvent],
    parked: &BTreeMap<Position, Parked>,
) -> Result<(Applied, Option<Halt>), ReadModelError> {
    let Some(last) = batch.last().map(|e| e.position) else {
        return Ok((
            Applied {
                through: None,
                entries: Committed::Read(Vec::new()),
            },
            None,
        ));
    };
    let first = batch.first().map_or(last, |e| e.position);
    let size = batch.len() as u32;
    let mut tx = writer.begin().await?;
    let checkpoint = tx.checkpoint;
    let sorted = sort(batch, checkpoint, parked);
    let covered = match sorted.halt {
        None => Some(last),
        Some(_) => sorted.covered,
    };
    let mut entries = Committed::Read(Vec::new());
    if !sorted.events.is_empty() {
        let mut flight_ids: Vec<Uuid> = sorted
            .events
            .iter()
            .filter_map(|(_, e)| e.as_ref().ok().map(Event::flight_id))
            .collect();
        flight_ids.sort_unstable();
        flight_ids.dedup();
        let (flights, passengers) = tx.load(&flight_ids).await?;
        let mut working = WorkingSet::new(flights, passengers);
        for (recorded, event) in &sorted.events {
            match event {
                Ok(event) => working.apply(recorded, event),
                Err(parked) => working.park(recorded, &parked.reason),
            }
        }
        let changes = working.into_changes();
        tx.store(&changes).await?;
        entries = Committed::Written(changes.audit);
    }
    if let Some(covered) = covered {
        tx.save_checkpoint(covered).await?;
    }
    tx.commit().await?;
    let through = covered.map(|c| checkpoint.map_or(c, |k| k.max(c)));
    if sorted.applied_elsewhere {
        // This instance's live subscribers still see every entry, in order.
        let through = through.unwrap_or(last);
        let mut all = read_model
            .audit(AuditFilter::All, first.checked_sub(1), Some(size))
            .await?;
        all.retain(|e| e.position.is_some_and(|p| p <= through));
        entries = Committed::Read(all);
    }
    Ok((Applied { through, entries }, sorted.halt))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::json;

    fn recorded(position: Position, event_type: &str, data: serde_json::Value) -> RecordedEvent {
        RecordedEvent {
            stream: "flight-1".into(),
            revision: position,
            position,
            event_id: Uuid::new_v4(),
            event_type: event_type.into(),
            data,
            data_error: None,
            created: Utc::now(),
        }
    }

    fn created(position: Position) -> RecordedEvent {
        let event = Event::FlightCreated {
            flight_id: Uuid::from_u128(position as u128),
            origin: "A".into(),
            destination: "B".into(),
            flight_number: "X".into(),
        };
        recorded(position, event.event_type(), event.data())
    }

    #[test]
    fn an_unreadable_event_stops_the_batch_before_it() {
        let mut batch = vec![
            created(1),
            created(2),
            recorded(3, "FlightTeleported", json!({})),
            created(4),
        ];
        let parked = BTreeMap::new();
        let sorted = sort(&mut batch, Some(1), &parked);
        assert!(sorted.applied_elsewhere, "1 was applied already");
        assert_eq!(sorted.events.len(), 1, "only 2 is new and before the halt");
        assert_eq!(sorted.covered, Some(2));
        let halt = sorted.halt.expect("a halt");
        assert_eq!(halt.position, 3);
        assert!(halt.reason.contains("FlightTeleported"), "{}", halt.reason);
    }

    #[test]
    fn a_parked_event_is_passed_in_its_place() {
        let mut batch = vec![
            created(1),
            recorded(2, "FlightTeleported", json!({})),
            created(3),
        ];
        let parked = BTreeMap::from([(
            2,
            Parked {
                stream: "flight-1".into(),
                event_type: "FlightTeleported".into(),
                reason: "a test".into(),
                parked_at: "now".into(),
            },
        )]);
        let sorted = sort(&mut batch, None, &parked);
        assert!(sorted.halt.is_none());
        assert_eq!(sorted.covered, Some(3));
        let kinds: Vec<bool> = sorted.events.iter().map(|(_, e)| e.is_ok()).collect();
        assert_eq!(kinds, [true, false, true]);
    }
}
