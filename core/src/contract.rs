//! The HTTP contract of the original system (`/api/flights`, `/api/passengers`,
//! `/api/auditlog`), shared by the backend that serves it and the console that calls it.
//!
//! Answers are camelCase JSON with integer enums. Refused commands still answer 200 with
//! `success: false` and a sentence in `error`, as the original did; `stackTrace` is always null.

use crate::error::DomainError;
use crate::flight::{Action, Command, DetailsChange, FlightDetails, FlightState};
use crate::status::{EventTypeOperation, FlightStatus, PassengerStatus};
pub use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A flight in the read model. Its texts are short (a place, a flight number) and stored inline:
/// a console holds every flight of the operation, tens of thousands on a long log.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Flight {
    pub id: Uuid,
    pub origin: CompactString,
    pub destination: CompactString,
    pub flight_number: CompactString,
    pub status: FlightStatus,
    /// Flightdeck's addition: the manifest size, so a client needs no request per flight. An
    /// original deployment leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passenger_count: Option<u32>,
    /// Flightdeck's addition: passengers boarded or arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boarded_count: Option<u32>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Passenger {
    pub id: Uuid,
    pub flight_id: Uuid,
    pub name: String,
    pub status: PassengerStatus,
}

/// One event as the audit log shows it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// When the event was appended, ISO 8601. Kept as text: the original's services write
    /// several forms of it.
    pub created: String,
    /// The event's name, e.g. `PassengerBoarded`.
    pub event_type: String,
    /// The event's number within its stream, from 0.
    pub event_number: i64,
    pub event_id: Uuid,
    /// The flight or passenger as it stands after the event.
    pub data: Value,
    pub meta_data: AuditMetaData,
    /// Flightdeck's addition: the stream that holds the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// Flightdeck's addition: the event's position in the whole log; the live stream's `id:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuditMetaData {
    pub event_type_operation: EventTypeOperation,
    pub event_name: String,
    pub timestamp: String,
}

/// One event of a flight's stream, with the flight as it stood right after it: what
/// `GET /api/flights/{id}/history` lists.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// The event's position in the whole log, as on audit entries.
    pub position: u64,
    /// Its number in the flight's stream, from 0.
    pub revision: u64,
    pub created: String,
    pub event_type: String,
    /// The audit log's phrase for it (`Board passenger`).
    pub event_name: String,
    /// The flight as `GET /api/flights/{id}` would have shown it right after this event; `None`
    /// once it is deleted.
    pub flight: Option<Flight>,
    /// Its passengers as `GET /api/passengers/flight/{id}` would have shown them then.
    pub passengers: Vec<Passenger>,
}

/// The answer to a create.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    /// The new id; the empty UUID when the command was refused.
    pub id: Uuid,
    pub success: bool,
    pub error: Option<String>,
    pub stack_trace: Option<String>,
}

/// The answer to an update or a delete.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub success: bool,
    pub error: Option<String>,
    pub stack_trace: Option<String>,
}

/// The body of 4xx answers that are not refused commands (bad JSON, unknown ids, oversize).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub status: u16,
    pub title: String,
    pub detail: String,
}

/// The flight and its manifest as the read model shows them, from the flight as its stream tells
/// it; `None` for a flight that does not exist (yet, or any more).
pub fn shown(state: &FlightState) -> Option<(Flight, Vec<Passenger>)> {
    let f = state.flight()?;
    let counts = f.counts();
    let flight = Flight {
        id: f.id,
        origin: f.details.origin.as_str().into(),
        destination: f.details.destination.as_str().into(),
        flight_number: f.details.flight_number.as_str().into(),
        status: f.status,
        passenger_count: Some(counts.total as u32),
        boarded_count: Some(counts.boarded as u32),
    };
    let passengers = f
        .passengers
        .iter()
        .map(|p| Passenger {
            id: p.id,
            flight_id: f.id,
            name: p.name.clone(),
            status: p.status,
        })
        .collect();
    Some((flight, passengers))
}

impl Created {
    pub fn ok(id: Uuid) -> Self {
        Self {
            id,
            success: true,
            error: None,
            stack_trace: None,
        }
    }

    pub fn refused(error: impl ToString) -> Self {
        Self {
            id: Uuid::nil(),
            success: false,
            error: Some(error.to_string()),
            stack_trace: None,
        }
    }
}

impl Outcome {
    pub fn ok() -> Self {
        Self {
            success: true,
            error: None,
            stack_trace: None,
        }
    }

    pub fn refused(error: impl ToString) -> Self {
        Self {
            success: false,
            error: Some(error.to_string()),
            stack_trace: None,
        }
    }
}

/// Request bodies list their fields so a server can match property names case-insensitively,
/// as the original's ASP.NET binder did.
pub trait RequestBody {
    const FIELDS: &'static [&'static str];
}

// Text fields are optional: a missing or null field is refused by the domain with its reason
// (200, success false) as the original did, while a value of the wrong type is a 400.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CreateFlight {
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub flight_number: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UpdateFlight {
    pub id: Uuid,
    #[serde(default)]
    pub origin: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default)]
    pub flight_number: Option<String>,
    #[serde(default)]
    pub status: Option<i64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DeleteFlight {
    pub id: Uuid,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CreatePassenger {
    pub name: Option<String>,
    pub flight_id: Option<Uuid>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePassenger {
    pub id: Uuid,
    #[serde(default)]
    pub flight_id: Option<Uuid>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<i64>,
}

impl RequestBody for CreateFlight {
    const FIELDS: &'static [&'static str] = &["origin", "destination", "flightNumber"];
}
impl RequestBody for UpdateFlight {
    const FIELDS: &'static [&'static str] =
        &["id", "origin", "destination", "flightNumber", "status"];
}
impl RequestBody for DeleteFlight {
    const FIELDS: &'static [&'static str] = &["id"];
}
impl RequestBody for CreatePassenger {
    const FIELDS: &'static [&'static str] = &["name", "flightId"];
}
impl RequestBody for UpdatePassenger {
    const FIELDS: &'static [&'static str] = &["id", "flightId", "name", "status"];
}

impl CreateFlight {
    pub fn command(&self, flight_id: Uuid) -> Command {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Command {
            flight_id,
            action: Action::CreateFlight(FlightDetails {
                origin: text(&self.origin),
                destination: text(&self.destination),
                flight_number: text(&self.flight_number),
            }),
        }
    }
}

impl UpdateFlight {
    pub fn command(&self) -> Result<Command, DomainError> {
        let status = self
            .status
            .map(|code| FlightStatus::from_code(code).ok_or(DomainError::InvalidFlightStatus(code)))
            .transpose()?;
        // Only the fields the request names change; a status-only PUT leaves every detail alone.
        let details = match (&self.origin, &self.destination, &self.flight_number) {
            (None, None, None) => None,
            (origin, destination, flight_number) => Some(DetailsChange {
                origin: origin.clone(),
                destination: destination.clone(),
                flight_number: flight_number.clone(),
            }),
        };
        Ok(Command {
            flight_id: self.id,
            action: Action::UpdateFlight { details, status },
        })
    }
}

impl DeleteFlight {
    pub fn command(&self) -> Command {
        Command {
            flight_id: self.id,
            action: Action::DeleteFlight,
        }
    }
}

impl CreatePassenger {
    pub fn command(&self, passenger_id: Uuid) -> Result<Command, DomainError> {
        let flight_id = self
            .flight_id
            .filter(|id| !id.is_nil())
            .ok_or(DomainError::MissingFlightId)?;
        Ok(Command {
            flight_id,
            action: Action::AddPassenger {
                passenger_id,
                name: self.name.clone().unwrap_or_default(),
            },
        })
    }
}

impl UpdatePassenger {
    /// The command on the flight that `passenger` (as the read model knows it) is on. A request
    /// that names another flight is refused: a passenger's flight is fixed at check-in.
    pub fn command(&self, passenger: &Passenger) -> Result<Command, DomainError> {
        if let Some(to) = self.flight_id.filter(|to| *to != passenger.flight_id) {
            return Err(DomainError::PassengerCannotMove {
                passenger: passenger.name.clone(),
                to,
            });
        }
        let status = self
            .status
            .map(|code| {
                PassengerStatus::from_code(code).ok_or(DomainError::InvalidPassengerStatus(code))
            })
            .transpose()?;
        Ok(Command {
            flight_id: passenger.flight_id,
            action: Action::UpdatePassenger {
                passenger_id: self.id,
                name: self.name.clone(),
                status,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_have_the_original_shape() {
        let created = serde_json::to_value(Created::refused("nope")).unwrap();
        assert_eq!(
            created,
            json!({"id": "00000000-0000-0000-0000-000000000000", "success": false, "error": "nope", "stackTrace": null})
        );
        let flight = Flight {
            id: Uuid::from_u128(1),
            origin: "ARN".into(),
            destination: "CPH".into(),
            flight_number: "SK1".into(),
            status: FlightStatus::WaitingForBoarding,
            passenger_count: None,
            boarded_count: None,
        };
        let v = serde_json::to_value(&flight).unwrap();
        assert_eq!(v["flightNumber"], "SK1");
        assert_eq!(v["status"], 1);
        assert!(v.get("passengerCount").is_none());
    }

    #[test]
    fn invalid_status_codes_are_refused_with_the_originals_words() {
        let put = UpdateFlight {
            id: Uuid::from_u128(1),
            origin: None,
            destination: None,
            flight_number: None,
            status: Some(0),
        };
        assert_eq!(
            put.command().unwrap_err().to_string(),
            "Can't update flight to status '0', invalid status!"
        );
        let put = UpdatePassenger {
            id: Uuid::from_u128(1),
            flight_id: None,
            name: None,
            status: Some(9),
        };
        assert_eq!(
            put.command(&passenger_on(Uuid::from_u128(2))).unwrap_err(),
            DomainError::InvalidPassengerStatus(9)
        );
    }

    fn passenger_on(flight_id: Uuid) -> Passenger {
        Passenger {
            id: Uuid::from_u128(1),
            flight_id,
            name: "Ann Lee".into(),
            status: PassengerStatus::CheckedIn,
        }
    }

    #[test]
    fn a_passenger_stays_on_their_flight() {
        let own = Uuid::from_u128(2);
        let put = |flight_id| UpdatePassenger {
            id: Uuid::from_u128(1),
            flight_id,
            name: Some("Ann Berg".into()),
            status: None,
        };
        for other in [Uuid::from_u128(3), Uuid::nil()] {
            assert_eq!(
                put(Some(other)).command(&passenger_on(own)).unwrap_err().to_string(),
                format!("passenger Ann Lee cannot move to flight with id '{other}': passengers cannot move between flights; check them in on that flight instead")
            );
        }
        for same in [Some(own), None] {
            assert_eq!(
                put(same).command(&passenger_on(own)).unwrap().flight_id,
                own
            );
        }
    }

    #[test]
    fn a_put_changes_only_the_details_it_names() {
        let put = UpdateFlight {
            id: Uuid::from_u128(1),
            origin: Some("OSL".into()),
            destination: None,
            flight_number: None,
            status: None,
        };
        assert_eq!(
            put.command().unwrap().action,
            Action::UpdateFlight {
                details: Some(DetailsChange {
                    origin: Some("OSL".into()),
                    destination: None,
                    flight_number: None
                }),
                status: None
            }
        );
    }

    #[test]
    fn a_passenger_needs_a_flight() {
        let req = CreatePassenger {
            name: Some("Ann".into()),
            flight_id: Some(Uuid::nil()),
        };
        assert_eq!(
            req.command(Uuid::from_u128(3)),
            Err(DomainError::MissingFlightId)
        );
    }
}
