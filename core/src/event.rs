//! The facts the flight aggregate records.
//!
//! # JSON form
//!
//! An event is stored as two parts: its type name (`FlightCreated`, ...) as the event type, and
//! its data as a camelCase JSON object. The data of every event names the flight:
//!
//! | type | data |
//! |---|---|
//! | `FlightCreated` | `{flightId, origin, destination, flightNumber}` |
//! | `FlightDetailsChanged` | `{flightId, origin, destination, flightNumber}` |
//! | `PassengerCheckedIn` | `{flightId, passengerId, name}` |
//! | `PassengerRenamed` | `{flightId, passengerId, name}` |
//! | `PassengerBoarded` | `{flightId, passengerId}` |
//! | `FlightAllBoarded` | `{flightId}` |
//! | `FlightBoardingReopened` | `{flightId}` (a passenger checked in after everyone had boarded) |
//! | `FlightDisembarked` | `{flightId}` |
//! | `FlightLanded` | `{flightId}` (every passenger arrives with the flight) |
//! | `FlightDeleted` | `{flightId}` |
//!
//! Ids are lowercase hyphenated UUIDs. Readers ignore fields they do not know, so a later
//! version may add fields without breaking older readers; a field is never renamed or retyped.

use crate::status::EventTypeOperation;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", content = "data", rename_all_fields = "camelCase")]
pub enum Event {
    FlightCreated {
        flight_id: Uuid,
        origin: String,
        destination: String,
        flight_number: String,
    },
    FlightDetailsChanged {
        flight_id: Uuid,
        origin: String,
        destination: String,
        flight_number: String,
    },
    PassengerCheckedIn {
        flight_id: Uuid,
        passenger_id: Uuid,
        name: String,
    },
    PassengerRenamed {
        flight_id: Uuid,
        passenger_id: Uuid,
        name: String,
    },
    PassengerBoarded {
        flight_id: Uuid,
        passenger_id: Uuid,
    },
    FlightAllBoarded {
        flight_id: Uuid,
    },
    FlightBoardingReopened {
        flight_id: Uuid,
    },
    FlightDisembarked {
        flight_id: Uuid,
    },
    FlightLanded {
        flight_id: Uuid,
    },
    FlightDeleted {
        flight_id: Uuid,
    },
}

/// What an event is about: the audit log splits flight-level from passenger-level events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Flight(Uuid),
    Passenger(Uuid),
}

/// How the audit log presents an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditDescription {
    pub operation: EventTypeOperation,
    /// A phrase a person reads, in the original's style ("Create flight").
    pub event_name: &'static str,
    pub subject: Subject,
}

/// Stored data that is not an event this version knows.
#[derive(Debug, thiserror::Error)]
#[error("cannot read event of type '{event_type}': {reason}")]
pub struct UndecodableEvent {
    pub event_type: String,
    pub reason: String,
}

impl Event {
    /// The type name stored beside the data, e.g. `PassengerBoarded`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::FlightCreated { .. } => "FlightCreated",
            Self::FlightDetailsChanged { .. } => "FlightDetailsChanged",
            Self::PassengerCheckedIn { .. } => "PassengerCheckedIn",
            Self::PassengerRenamed { .. } => "PassengerRenamed",
            Self::PassengerBoarded { .. } => "PassengerBoarded",
            Self::FlightAllBoarded { .. } => "FlightAllBoarded",
            Self::FlightBoardingReopened { .. } => "FlightBoardingReopened",
            Self::FlightDisembarked { .. } => "FlightDisembarked",
            Self::FlightLanded { .. } => "FlightLanded",
            Self::FlightDeleted { .. } => "FlightDeleted",
        }
    }

    /// The event's data as stored (the JSON form above, without the type).
    pub fn data(&self) -> Value {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut tagged)) => tagged.remove("data").unwrap_or(Value::Null),
            // An adjacently tagged enum of plain structs always serialises to an object.
            _ => Value::Null,
        }
    }

    /// Reads an event back from its stored type and data.
    pub fn decode(event_type: &str, data: Value) -> Result<Self, UndecodableEvent> {
        // The pair form of an adjacently tagged enum, tag first: as a map, `data` would sort
        // before `type` and serde would buffer the whole of it before reading the tag.
        let tagged = Value::Array(vec![Value::String(event_type.to_owned()), data]);
        serde_json::from_value(tagged).map_err(|e| UndecodableEvent {
            event_type: event_type.to_owned(),
            reason: e.to_string(),
        })
    }

    pub fn flight_id(&self) -> Uuid {
        match self {
            Self::FlightCreated { flight_id, .. }
            | Self::FlightDetailsChanged { flight_id, .. }
            | Self::PassengerCheckedIn { flight_id, .. }
            | Self::PassengerRenamed { flight_id, .. }
            | Self::PassengerBoarded { flight_id, .. }
            | Self::FlightAllBoarded { flight_id }
            | Self::FlightBoardingReopened { flight_id }
            | Self::FlightDisembarked { flight_id }
            | Self::FlightLanded { flight_id }
            | Self::FlightDeleted { flight_id } => *flight_id,
        }
    }

    pub fn audit(&self) -> AuditDescription {
        use EventTypeOperation::{Create, Delete, Update};
        let flight = Subject::Flight(self.flight_id());
        let (operation, event_name, subject) = match self {
            Self::FlightCreated { .. } => (Create, "Create flight", flight),
            Self::FlightDetailsChanged { .. } => (Update, "Update flight", flight),
            Self::FlightAllBoarded { .. } => (Update, "All passengers boarded", flight),
            Self::FlightBoardingReopened { .. } => (Update, "Reopen boarding", flight),
            Self::FlightDisembarked { .. } => (Update, "Disembark flight", flight),
            Self::FlightLanded { .. } => (Update, "Land flight", flight),
            Self::FlightDeleted { .. } => (Delete, "Delete flight", flight),
            Self::PassengerCheckedIn { passenger_id, .. } => (
                Create,
                "Create passenger",
                Subject::Passenger(*passenger_id),
            ),
            Self::PassengerRenamed { passenger_id, .. } => (
                Update,
                "Update passenger",
                Subject::Passenger(*passenger_id),
            ),
            Self::PassengerBoarded { passenger_id, .. } => {
                (Update, "Board passenger", Subject::Passenger(*passenger_id))
            }
        };
        AuditDescription {
            operation,
            event_name,
            subject,
        }
    }
}

/// Whether events of this type are about a passenger (the audit log's passenger list) rather
/// than the flight itself.
pub fn is_passenger_event(event_type: &str) -> bool {
    matches!(
        event_type,
        "PassengerCheckedIn" | "PassengerRenamed" | "PassengerBoarded"
    )
}

/// The stream that holds a flight's events.
pub fn stream_name(flight_id: Uuid) -> String {
    format!("{STREAM_PREFIX}{flight_id}")
}

/// Every flight stream starts with this; the audit log and the projections read only these.
pub const STREAM_PREFIX: &str = "flight-";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_form_is_camel_case_and_round_trips() {
        let flight_id = Uuid::from_u128(1);
        let passenger_id = Uuid::from_u128(2);
        let event = Event::PassengerCheckedIn {
            flight_id,
            passenger_id,
            name: "Ann".into(),
        };
        assert_eq!(event.event_type(), "PassengerCheckedIn");
        assert_eq!(
            event.data(),
            json!({"flightId": flight_id, "passengerId": passenger_id, "name": "Ann"})
        );
        let back = Event::decode(event.event_type(), event.data()).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let flight_id = Uuid::from_u128(7);
        let event = Event::decode(
            "FlightLanded",
            json!({"flightId": flight_id, "gate": "B12", "runway": 3}),
        )
        .unwrap();
        assert_eq!(event, Event::FlightLanded { flight_id });
    }

    #[test]
    fn unknown_types_and_broken_data_are_named() {
        let err = Event::decode("FlightTeleported", json!({})).unwrap_err();
        assert_eq!(err.event_type, "FlightTeleported");
        let err = Event::decode("FlightLanded", json!({"flightId": 5})).unwrap_err();
        assert!(err.to_string().contains("FlightLanded"), "{err}");
    }

    #[test]
    fn audit_splits_flight_and_passenger_events() {
        let f = Uuid::from_u128(1);
        let p = Uuid::from_u128(2);
        let boarded = Event::PassengerBoarded {
            flight_id: f,
            passenger_id: p,
        };
        assert_eq!(boarded.audit().subject, Subject::Passenger(p));
        assert_eq!(boarded.audit().operation, EventTypeOperation::Update);
        let deleted = Event::FlightDeleted { flight_id: f };
        assert_eq!(deleted.audit().subject, Subject::Flight(f));
        assert_eq!(deleted.audit().operation, EventTypeOperation::Delete);
        assert_eq!(stream_name(f), format!("flight-{f}"));
        assert!(is_passenger_event(boarded.event_type()));
        assert!(!is_passenger_event(deleted.event_type()));
    }
}
