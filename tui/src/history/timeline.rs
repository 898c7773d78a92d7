//! A flight's timeline as data: which flight an audit entry is about, the history rebuilt from
//! the audit log where the backend has no history route, and what changed from one entry to the
//! next (the marks the view shows). Pure: no terminal, no network.

use crate::text::one_line;
use flightdeck_core::contract::{AuditEntry, Flight, HistoryEntry, Passenger};
use flightdeck_core::EventTypeOperation;
use std::collections::HashMap;
use uuid::Uuid;

/// The flight an audit entry is about: its stream where the backend names it, else the
/// passenger's flight, else the flight itself.
pub fn flight_of(entry: &AuditEntry) -> Option<Uuid> {
    if let Some(id) = entry
        .stream
        .as_deref()
        .and_then(|s| s.strip_prefix("flight-"))
        .and_then(|id| Uuid::parse_str(id).ok())
    {
        return Some(id);
    }
    let id = |key: &str| {
        entry
            .data
            .get(key)
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
    };
    id("flightId").or_else(|| id("id"))
}

/// The history of `flight` as the audit log tells it: an original deployment's entries carry
/// the flight or passenger as that event wrote it, so folding them in order gives the flight
/// and its manifest after each event. A delete carries only the id: the flight is gone after it.
pub fn from_audit(flight: Uuid, log: &[AuditEntry]) -> Vec<HistoryEntry> {
    let mut current: Option<Flight> = None;
    // In the order passengers first appeared, as the backend's manifest lists them.
    let mut manifest: Vec<Passenger> = vec![];
    let mut history = vec![];
    for (index, entry) in log.iter().enumerate() {
        if flight_of(entry) != Some(flight) {
            continue;
        }
        let data = &entry.data;
        if data.get("flightId").is_some() {
            let Ok(passenger) = serde_json::from_value::<Passenger>(data.clone()) else {
                continue;
            };
            match manifest.iter_mut().find(|p| p.id == passenger.id) {
                Some(known) => *known = passenger,
                None => manifest.push(passenger),
            }
        } else if entry.meta_data.event_type_operation == EventTypeOperation::Delete
            || data.get("flightNumber").is_none()
        {
            current = None;
        } else if let Ok(written) = serde_json::from_value::<Flight>(data.clone()) {
            current = Some(written);
        } else {
            continue;
        }
        history.push(HistoryEntry {
            position: entry.position.unwrap_or(index as u64),
            revision: history.len() as u64,
            created: entry.created.clone(),
            event_type: entry.event_type.clone(),
            event_name: entry.meta_data.event_name.clone(),
            flight: current.clone(),
            passengers: manifest.clone(),
        });
    }
    history
}

/// Whether a history entry is the event an audit entry shows: by position where the backend
/// gives one, else by time and name (an original's entries have no position).
pub fn is_event(entry: &HistoryEntry, audit: &AuditEntry) -> bool {
    match audit.position {
        Some(position) => entry.position == position,
        None => entry.created == audit.created && entry.event_type == audit.event_type,
    }
}

/// A field of the flight the view marks when it changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Number,
    Route,
    Status,
    /// The flight was deleted by this event.
    Gone,
}

/// How a passenger differs from the entry before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    New,
    Status,
    Name,
}

/// What an entry changed since the one before it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    pub fields: Vec<Field>,
    pub passengers: HashMap<Uuid, Mark>,
}

impl Changes {
    pub fn field(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }
}

/// What `after` changed since `before` (the first entry changes everything it shows).
pub fn changes(before: Option<&HistoryEntry>, after: &HistoryEntry) -> Changes {
    let mut changes = Changes::default();
    let was = before.and_then(|b| b.flight.as_ref());
    match (was, &after.flight) {
        (_, None) if before.is_some_and(|b| b.flight.is_some()) => changes.fields.push(Field::Gone),
        (_, None) => {}
        (None, Some(_)) => changes
            .fields
            .extend([Field::Number, Field::Route, Field::Status]),
        (Some(was), Some(now)) => {
            if was.flight_number != now.flight_number {
                changes.fields.push(Field::Number);
            }
            if (&was.origin, &was.destination) != (&now.origin, &now.destination) {
                changes.fields.push(Field::Route);
            }
            if was.status != now.status {
                changes.fields.push(Field::Status);
            }
        }
    }
    let known: Vec<&Passenger> = before
        .map(|b| b.passengers.iter().collect())
        .unwrap_or_default();
    for passenger in &after.passengers {
        let mark = match known.iter().find(|p| p.id == passenger.id) {
            None => Some(Mark::New),
            Some(was) if was.status != passenger.status => Some(Mark::Status),
            Some(was) if was.name != passenger.name => Some(Mark::Name),
            Some(_) => None,
        };
        if let Some(mark) = mark {
            changes.passengers.insert(passenger.id, mark);
        }
    }
    changes
}

/// One line about an entry: the passenger it changed, else the flight as it stands.
pub fn summary(entry: &HistoryEntry, changes: &Changes) -> String {
    if let Some(passenger) = entry
        .passengers
        .iter()
        .find(|p| changes.passengers.contains_key(&p.id))
    {
        return format!(
            "{}: {}",
            one_line(&passenger.name),
            passenger.status.label()
        );
    }
    match &entry.flight {
        Some(f) => format!(
            "{} {} → {}, {}",
            one_line(&f.flight_number),
            one_line(&f.origin),
            one_line(&f.destination),
            f.status.label()
        ),
        None => "deleted".to_owned(),
    }
}
