//! What a batch of events does to the read model, worked out in memory on the rows the batch
//! touches: the projection loads those rows, applies every event here, and writes the result in
//! one transaction. How each event changes a row is decided here and nowhere else; no SQL.

use crate::event_store::RecordedEvent;
use crate::read_model::rows::{AuditRow, Changes, FlightRow, PassengerRow};
use crate::read_model::{SUBJECT_FLIGHT, SUBJECT_PARKED, SUBJECT_PASSENGER};
use chrono::SecondsFormat;
use flightdeck_core::contract::{Flight, Passenger};
use flightdeck_core::event::Subject;
use flightdeck_core::{Event, EventTypeOperation, FlightStatus, PassengerStatus};

/// How the audit log names an event that was parked instead of applied.
pub const PARKED_EVENT_NAME: &str = "Parked: not applied";
use serde_json::json;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[derive(Debug, Default)]
pub struct WorkingSet {
    flights: HashMap<Uuid, FlightRow>,
    passengers: HashMap<Uuid, PassengerRow>,
    changed_flights: HashSet<Uuid>,
    changed_passengers: HashSet<Uuid>,
    deleted_flights: HashSet<Uuid>,
    audit: Vec<AuditRow>,
}

impl WorkingSet {
    /// Starts from the rows as stored: the touched flights and all their passengers.
    pub fn new(flights: Vec<FlightRow>, passengers: Vec<PassengerRow>) -> Self {
        Self {
            flights: flights.into_iter().map(|r| (r.flight.id, r)).collect(),
            passengers: passengers
                .into_iter()
                .map(|r| (r.passenger.id, r))
                .collect(),
            ..Self::default()
        }
    }

    /// Applies one event to the rows and records its audit entry, which shows the flight or
    /// passenger as it stands afterwards (only its id when the read model never saw it, which a
    /// consistent log does not cause).
    pub fn apply(&mut self, recorded: &RecordedEvent, event: &Event) {
        let position = recorded.position as i64;
        let flight_id = event.flight_id();
        let mut deleted_number = None;
        let data = match event {
            Event::FlightCreated {
                origin,
                destination,
                flight_number,
                ..
            } => {
                let row = FlightRow {
                    flight: Flight {
                        id: flight_id,
                        origin: origin.as_str().into(),
                        destination: destination.as_str().into(),
                        flight_number: flight_number.as_str().into(),
                        status: FlightStatus::WaitingForBoarding,
                        passenger_count: Some(0),
                        boarded_count: Some(0),
                    },
                    created_position: position,
                };
                let data = to_json(&row.flight);
                self.flights.insert(flight_id, row);
                self.changed_flights.insert(flight_id);
                data
            }
            Event::FlightDetailsChanged {
                origin,
                destination,
                flight_number,
                ..
            } => self.change_flight(flight_id, |f| {
                f.origin = origin.as_str().into();
                f.destination = destination.as_str().into();
                f.flight_number = flight_number.as_str().into();
            }),
            Event::FlightAllBoarded { .. } => {
                self.change_flight(flight_id, |f| f.status = FlightStatus::AllBoarded)
            }
            Event::FlightBoardingReopened { .. } => {
                self.change_flight(flight_id, |f| f.status = FlightStatus::WaitingForBoarding)
            }
            Event::FlightDisembarked { .. } => {
                self.change_flight(flight_id, |f| f.status = FlightStatus::Disembarked)
            }
            Event::FlightLanded { .. } => {
                for row in self.passengers.values_mut() {
                    if row.passenger.flight_id == flight_id {
                        row.passenger.status = PassengerStatus::Arrived;
                        self.changed_passengers.insert(row.passenger.id);
                    }
                }
                self.change_flight(flight_id, |f| f.status = FlightStatus::Arrived)
            }
            Event::FlightDeleted { .. } => {
                // The audit entry shows the flight as it was when deleted.
                let data = match self.flights.remove(&flight_id) {
                    Some(row) => {
                        let data = to_json(&row.flight);
                        deleted_number = Some(row.flight.flight_number);
                        data
                    }
                    None => id_only(flight_id),
                };
                self.changed_flights.remove(&flight_id);
                let changed_passengers = &mut self.changed_passengers;
                self.passengers.retain(|id, row| {
                    let stays = row.passenger.flight_id != flight_id;
                    if !stays {
                        changed_passengers.remove(id);
                    }
                    stays
                });
                self.deleted_flights.insert(flight_id);
                data
            }
            Event::PassengerCheckedIn {
                passenger_id, name, ..
            } => {
                self.change_flight(flight_id, |f| {
                    f.passenger_count = Some(f.passenger_count.unwrap_or(0) + 1);
                });
                let row = PassengerRow {
                    passenger: Passenger {
                        id: *passenger_id,
                        flight_id,
                        name: name.clone(),
                        status: PassengerStatus::CheckedIn,
                    },
                    checkin_position: position,
                };
                let data = to_json(&row.passenger);
                self.passengers.insert(*passenger_id, row);
                self.changed_passengers.insert(*passenger_id);
                data
            }
            Event::PassengerRenamed {
                passenger_id, name, ..
            } => self.change_passenger(*passenger_id, |p| p.name.clone_from(name)),
            Event::PassengerBoarded { passenger_id, .. } => {
                self.change_flight(flight_id, |f| {
                    f.boarded_count = Some(f.boarded_count.unwrap_or(0) + 1);
                });
                self.change_passenger(*passenger_id, |p| p.status = PassengerStatus::Boarded)
            }
        };
        // What a search of the audit log matches: the flight's number, and the passenger's name
        // for a passenger's event (with their flight's number, which the entry does not carry):
        // as the entry's data shows them, read from the rows it was made of.
        let flight_number = deleted_number.as_deref().or_else(|| {
            self.flights
                .get(&flight_id)
                .map(|r| r.flight.flight_number.as_str())
        });
        let name = match event {
            Event::PassengerCheckedIn { passenger_id, .. }
            | Event::PassengerRenamed { passenger_id, .. }
            | Event::PassengerBoarded { passenger_id, .. } => self
                .passengers
                .get(passenger_id)
                .map(|r| r.passenger.name.as_str()),
            _ => None,
        };
        let audit = event.audit();
        let subject = match audit.subject {
            Subject::Flight(_) => SUBJECT_FLIGHT,
            Subject::Passenger(_) => SUBJECT_PASSENGER,
        };
        let search = search_text([
            flight_number,
            name,
            Some(audit.event_name),
            Some(event.event_type()),
        ]);
        let row = audit_row(
            recorded,
            audit.operation,
            audit.event_name,
            data,
            subject,
            search,
        );
        self.audit.push(row);
    }

    /// Records an event an operator parked (the projection cannot read it): the audit log shows
    /// it, in its place, and no row changes.
    pub fn park(&mut self, recorded: &RecordedEvent, reason: &str) {
        let search = search_text([Some(PARKED_EVENT_NAME), Some(&recorded.event_type)]);
        self.audit.push(audit_row(
            recorded,
            EventTypeOperation::None,
            PARKED_EVENT_NAME,
            json!({ "parked": reason }).to_string(),
            SUBJECT_PARKED,
            search,
        ));
    }

    /// The rows to write. Flights and passengers come in the order they were created, so two
    /// runs over the same log write the same statements.
    pub fn into_changes(mut self) -> Changes {
        let flights = take_changed(&mut self.flights, &self.changed_flights, |r| {
            r.created_position
        });
        let passengers = take_changed(&mut self.passengers, &self.changed_passengers, |r| {
            r.checkin_position
        });
        let mut deleted_flights: Vec<Uuid> = self.deleted_flights.into_iter().collect();
        deleted_flights.sort();
        Changes {
            deleted_flights,
            flights,
            passengers,
            audit: self.audit,
        }
    }

    /// Changes a flight the read model holds and returns it as JSON.
    fn change_flight(&mut self, id: Uuid, change: impl FnOnce(&mut Flight)) -> String {
        change_row(&mut self.flights, &mut self.changed_flights, id, |row| {
            change(&mut row.flight);
            to_json(&row.flight)
        })
    }

    fn change_passenger(&mut self, id: Uuid, change: impl FnOnce(&mut Passenger)) -> String {
        change_row(
            &mut self.passengers,
            &mut self.changed_passengers,
            id,
            |row| {
                change(&mut row.passenger);
                to_json(&row.passenger)
            },
        )
    }
}

/// Changes the row `id` and marks it changed; for a row the read model does not hold, changes
/// nothing and answers the id alone.
fn change_row<R>(
    rows: &mut HashMap<Uuid, R>,
    changed: &mut HashSet<Uuid>,
    id: Uuid,
    change: impl FnOnce(&mut R) -> String,
) -> String {
    match rows.get_mut(&id) {
        Some(row) => {
            changed.insert(id);
            change(row)
        }
        None => id_only(id),
    }
}

/// The rows marked changed, in the order `key` gives.
fn take_changed<R, K: Ord>(
    rows: &mut HashMap<Uuid, R>,
    changed: &HashSet<Uuid>,
    key: impl Fn(&R) -> K,
) -> Vec<R> {
    let mut taken: Vec<R> = changed.iter().filter_map(|id| rows.remove(id)).collect();
    taken.sort_by_key(key);
    taken
}

/// What an audit entry shows of an entity the read model never held.
fn id_only(id: Uuid) -> String {
    json!({ "id": id.to_string() }).to_string()
}

/// The entity as the audit entry's data, in the JSON text that is stored: serialised straight
/// from the struct, without a `Value` in between.
fn to_json(entity: &impl serde::Serialize) -> String {
    // Serializing these plain structs cannot fail; null would only hide a bug, not lose data.
    serde_json::to_string(entity).unwrap_or_else(|_| "null".to_owned())
}

/// The text an audit search looks in, lowercased once here so that a search need not.
fn search_text<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let parts: Vec<&str> = parts.into_iter().flatten().collect();
    parts.join("\n").to_lowercase()
}

/// The audit log's row for `recorded`: what it is called, the entity after it, and where the
/// lists and the search find it.
fn audit_row(
    recorded: &RecordedEvent,
    operation: EventTypeOperation,
    event_name: &'static str,
    data: String,
    subject: &'static str,
    search: String,
) -> AuditRow {
    AuditRow {
        position: recorded.position,
        stream: recorded.stream.clone(),
        event_number: recorded.revision as i64,
        event_id: recorded.event_id,
        event_type: recorded.event_type.clone(),
        operation,
        event_name,
        created: recorded
            .created
            .to_rfc3339_opts(SecondsFormat::Micros, true),
        data,
        subject,
        search,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn recorded(position: u64, event: &Event) -> RecordedEvent {
        RecordedEvent {
            stream: flightdeck_core::event::stream_name(event.flight_id()),
            revision: position,
            position,
            event_id: Uuid::new_v4(),
            event_type: event.event_type().to_owned(),
            data: event.data(),
            data_error: None,
            created: Utc::now(),
        }
    }

    fn run(set: &mut WorkingSet, events: &[Event]) {
        for (n, event) in events.iter().enumerate() {
            set.apply(&recorded(n as u64 + 1, event), event);
        }
    }

    #[test]
    fn a_boarding_round_trip_leaves_the_rows_a_reader_expects() {
        let flight_id = Uuid::new_v4();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut set = WorkingSet::default();
        run(
            &mut set,
            &[
                Event::FlightCreated {
                    flight_id,
                    origin: "OSL".into(),
                    destination: "CPH".into(),
                    flight_number: "SK1529".into(),
                },
                Event::PassengerCheckedIn {
                    flight_id,
                    passenger_id: a,
                    name: "Ada".into(),
                },
                Event::PassengerCheckedIn {
                    flight_id,
                    passenger_id: b,
                    name: "Bo".into(),
                },
                Event::PassengerBoarded {
                    flight_id,
                    passenger_id: a,
                },
                Event::PassengerBoarded {
                    flight_id,
                    passenger_id: b,
                },
                Event::FlightAllBoarded { flight_id },
                Event::FlightDisembarked { flight_id },
                Event::FlightLanded { flight_id },
            ],
        );
        let changes = set.into_changes();
        assert!(changes.deleted_flights.is_empty());
        assert_eq!(changes.flights.len(), 1);
        let flight = &changes.flights[0].flight;
        assert_eq!(flight.status, FlightStatus::Arrived);
        assert_eq!(
            (flight.passenger_count, flight.boarded_count),
            (Some(2), Some(2))
        );
        assert_eq!(changes.passengers.len(), 2);
        assert!(changes
            .passengers
            .iter()
            .all(|p| p.passenger.status == PassengerStatus::Arrived));
        assert_eq!(changes.audit.len(), 8);
        // Each entry shows the entity as it stood right after its own event.
        let data = |n: usize| changes.audit[n].clone().entry().data;
        assert_eq!(data(3)["status"], json!(2));
        assert_eq!(changes.audit[3].subject, SUBJECT_PASSENGER);
        assert_eq!(data(5)["status"], json!(2));
        assert_eq!(changes.audit[5].subject, SUBJECT_FLIGHT);
    }

    #[test]
    fn a_deleted_flight_takes_its_passengers_and_the_entry_shows_it_as_it_was() {
        let flight_id = Uuid::new_v4();
        let stored = FlightRow {
            flight: Flight {
                id: flight_id,
                origin: "OSL".into(),
                destination: "CPH".into(),
                flight_number: "SK1529".into(),
                status: FlightStatus::WaitingForBoarding,
                passenger_count: Some(1),
                boarded_count: Some(0),
            },
            created_position: 1,
        };
        let passenger = PassengerRow {
            passenger: Passenger {
                id: Uuid::new_v4(),
                flight_id,
                name: "Ada".into(),
                status: PassengerStatus::CheckedIn,
            },
            checkin_position: 2,
        };
        let mut set = WorkingSet::new(vec![stored], vec![passenger]);
        run(
            &mut set,
            &[
                Event::PassengerRenamed {
                    flight_id,
                    passenger_id: Uuid::nil(),
                    name: "nobody".into(),
                },
                Event::FlightDeleted { flight_id },
            ],
        );
        let changes = set.into_changes();
        assert_eq!(changes.deleted_flights, vec![flight_id]);
        assert!(changes.flights.is_empty() && changes.passengers.is_empty());
        let data = |n: usize| changes.audit[n].clone().entry().data;
        assert_eq!(data(0), json!({ "id": Uuid::nil().to_string() }));
        assert_eq!(data(1)["flightNumber"], json!("SK1529"));
        assert_eq!(data(1)["passengerCount"], json!(1));
        assert_eq!(
            changes.audit[1].search,
            "sk1529\ndelete flight\nflightdeleted"
        );
    }
}
