//! The flight aggregate, which owns its passenger manifest, as a decider: `decide` turns a
//! command and the current state into events or a refusal, `evolve` folds an event into the
//! state. Every rule spans a flight and its passengers, so one stream and one append check and
//! apply each rule atomically.

use crate::checks::{self, PassengerCounts};
use crate::error::DomainError;
use crate::event::Event;
use crate::status::{FlightStatus, PassengerStatus};
use crate::text;
use uuid::Uuid;

/// A flight as its stream tells it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FlightState {
    /// No event yet: the stream does not exist.
    #[default]
    Unknown,
    Active(Flight),
    /// Deleted flights keep their last state so refusals can still name them.
    Deleted(Flight),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flight {
    pub id: Uuid,
    pub details: FlightDetails,
    pub status: FlightStatus,
    /// In check-in order.
    pub passengers: Vec<Passenger>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlightDetails {
    pub origin: String,
    pub destination: String,
    pub flight_number: String,
}

/// A change to a flight's details, as a PUT names it: a field left out stays as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DetailsChange {
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub flight_number: Option<String>,
}

impl From<FlightDetails> for DetailsChange {
    fn from(d: FlightDetails) -> Self {
        Self {
            origin: Some(d.origin),
            destination: Some(d.destination),
            flight_number: Some(d.flight_number),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passenger {
    pub id: Uuid,
    pub name: String,
    pub status: PassengerStatus,
}

/// What an operator asks of one flight. Text fields arrive as typed; `decide` checks them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub flight_id: Uuid,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    CreateFlight(FlightDetails),
    /// The original's PUT: `None` fields stay as they are. A status other than the current one
    /// is the transition it names (Disembarked = disembark, Arrived = land).
    UpdateFlight {
        details: Option<DetailsChange>,
        status: Option<FlightStatus>,
    },
    DeleteFlight,
    AddPassenger {
        passenger_id: Uuid,
        name: String,
    },
    /// The original's PUT of a passenger: Boarded boards, an unchanged status renames.
    UpdatePassenger {
        passenger_id: Uuid,
        name: Option<String>,
        status: Option<PassengerStatus>,
    },
}

impl Flight {
    pub fn boarded(&self) -> usize {
        self.counts().boarded
    }

    /// The counts a client sees of this flight, the ones the early checks go by.
    pub fn counts(&self) -> PassengerCounts {
        PassengerCounts::of(self.passengers.iter().map(|p| p.status))
    }

    pub fn passenger(&self, id: Uuid) -> Option<&Passenger> {
        self.passengers.iter().find(|p| p.id == id)
    }

    fn passenger_mut(&mut self, id: Uuid) -> Option<&mut Passenger> {
        self.passengers.iter_mut().find(|p| p.id == id)
    }

    fn name(&self) -> String {
        self.details.flight_number.clone()
    }
}

impl FlightState {
    pub fn flight(&self) -> Option<&Flight> {
        match self {
            Self::Active(f) => Some(f),
            Self::Unknown | Self::Deleted(_) => None,
        }
    }
}

/// Decides what happens when `command` meets `state`. Pure: the same inputs give the same answer.
pub fn decide(state: &FlightState, command: &Command) -> Result<Vec<Event>, DomainError> {
    let flight_id = command.flight_id;
    let flight = match (state, &command.action) {
        (FlightState::Unknown, Action::CreateFlight(details)) => {
            let d = checked_details(details)?;
            return Ok(vec![Event::FlightCreated {
                flight_id,
                origin: d.origin,
                destination: d.destination,
                flight_number: d.flight_number,
            }]);
        }
        (FlightState::Active(_) | FlightState::Deleted(_), Action::CreateFlight(_)) => {
            return Err(DomainError::FlightExists(flight_id))
        }
        (FlightState::Unknown, _) => return Err(DomainError::FlightNotFound(flight_id)),
        (FlightState::Deleted(f), _) => {
            return Err(DomainError::FlightDeleted { flight: f.name() })
        }
        (FlightState::Active(f), _) => f,
    };
    match &command.action {
        Action::CreateFlight(_) => unreachable_create(flight_id),
        Action::UpdateFlight { details, status } => {
            update_flight(flight, details.as_ref(), *status)
        }
        Action::DeleteFlight => Ok(vec![Event::FlightDeleted { flight_id }]),
        Action::AddPassenger { passenger_id, name } => add_passenger(flight, *passenger_id, name),
        Action::UpdatePassenger {
            passenger_id,
            name,
            status,
        } => update_passenger(flight, *passenger_id, name.as_deref(), *status),
    }
}

// Creation on an existing flight was answered above; kept as a refusal rather than a panic so the
// function stays total.
fn unreachable_create(flight_id: Uuid) -> Result<Vec<Event>, DomainError> {
    Err(DomainError::FlightExists(flight_id))
}

fn checked_details(raw: &FlightDetails) -> Result<FlightDetails, DomainError> {
    Ok(FlightDetails {
        origin: text::field("origin", &raw.origin)?,
        destination: text::field("destination", &raw.destination)?,
        flight_number: text::field("flight number", &raw.flight_number)?,
    })
}

/// The details after `change`: each field it names checked, each it leaves out as it was.
fn changed_details(flight: &Flight, change: &DetailsChange) -> Result<FlightDetails, DomainError> {
    let field = |name, new: &Option<String>, old: &String| match new {
        Some(raw) => text::field(name, raw),
        None => Ok(old.clone()),
    };
    let d = &flight.details;
    Ok(FlightDetails {
        origin: field("origin", &change.origin, &d.origin)?,
        destination: field("destination", &change.destination, &d.destination)?,
        flight_number: field("flight number", &change.flight_number, &d.flight_number)?,
    })
}

fn update_flight(
    flight: &Flight,
    details: Option<&DetailsChange>,
    status: Option<FlightStatus>,
) -> Result<Vec<Event>, DomainError> {
    let details = details.map(|c| changed_details(flight, c)).transpose()?;
    let details_change = details.filter(|d| *d != flight.details);
    match status.filter(|s| *s != flight.status) {
        None => match details_change {
            None => Ok(vec![]),
            Some(d) => change_details(flight, d),
        },
        Some(_) if details_change.is_some() => Err(DomainError::DetailsAndStatusTogether {
            flight: flight.name(),
        }),
        Some(FlightStatus::Disembarked) => disembark(flight),
        Some(FlightStatus::Arrived) => land(flight),
        Some(to @ FlightStatus::AllBoarded) => Err(DomainError::AllBoardedIsDerived {
            flight: flight.name(),
            to,
        }),
        Some(to) => Err(DomainError::FlightCannotGoBack {
            flight: flight.name(),
            from: flight.status,
            to,
        }),
    }
}

fn change_details(flight: &Flight, d: FlightDetails) -> Result<Vec<Event>, DomainError> {
    checks::change_details(&flight.details.flight_number, flight.status)?;
    Ok(vec![Event::FlightDetailsChanged {
        flight_id: flight.id,
        origin: d.origin,
        destination: d.destination,
        flight_number: d.flight_number,
    }])
}

fn disembark(flight: &Flight) -> Result<Vec<Event>, DomainError> {
    checks::disembark(
        &flight.details.flight_number,
        flight.status,
        Some(flight.counts()),
    )?;
    Ok(vec![Event::FlightDisembarked {
        flight_id: flight.id,
    }])
}

fn land(flight: &Flight) -> Result<Vec<Event>, DomainError> {
    checks::land(&flight.details.flight_number, flight.status)?;
    Ok(vec![Event::FlightLanded {
        flight_id: flight.id,
    }])
}

fn add_passenger(
    flight: &Flight,
    passenger_id: Uuid,
    name: &str,
) -> Result<Vec<Event>, DomainError> {
    let name = text::field("name", name)?;
    if flight.passenger(passenger_id).is_some() {
        return Err(DomainError::PassengerExists(passenger_id));
    }
    checks::add_passenger(&flight.details.flight_number, flight.status)?;
    let checked_in = Event::PassengerCheckedIn {
        flight_id: flight.id,
        passenger_id,
        name,
    };
    if flight.status == FlightStatus::AllBoarded {
        return Ok(vec![
            checked_in,
            Event::FlightBoardingReopened {
                flight_id: flight.id,
            },
        ]);
    }
    Ok(vec![checked_in])
}

fn update_passenger(
    flight: &Flight,
    passenger_id: Uuid,
    name: Option<&str>,
    status: Option<PassengerStatus>,
) -> Result<Vec<Event>, DomainError> {
    let passenger =
        flight
            .passenger(passenger_id)
            .ok_or_else(|| DomainError::PassengerNotFound {
                passenger_id,
                flight: flight.name(),
            })?;
    let name = name.map(|n| text::field("name", n)).transpose()?;
    let rename = name.filter(|n| *n != passenger.name);
    match status.filter(|s| *s != passenger.status) {
        None => match rename {
            None => Ok(vec![]),
            Some(name) => {
                checks::rename(&passenger.name, passenger.status)?;
                Ok(vec![Event::PassengerRenamed {
                    flight_id: flight.id,
                    passenger_id,
                    name,
                }])
            }
        },
        Some(_) if rename.is_some() => Err(DomainError::DetailsAndStatusTogether {
            flight: flight.name(),
        }),
        Some(PassengerStatus::Boarded) => board(flight, passenger),
        Some(to) if to < passenger.status => Err(DomainError::PassengerCannotGoBack {
            passenger: passenger.name.clone(),
            from: passenger.status,
            to,
        }),
        Some(to) => Err(DomainError::PassengerStatusNotSettable {
            passenger: passenger.name.clone(),
            from: passenger.status,
            to,
        }),
    }
}

fn board(flight: &Flight, passenger: &Passenger) -> Result<Vec<Event>, DomainError> {
    checks::board(&passenger.name, passenger.status)?;
    let mut events = vec![Event::PassengerBoarded {
        flight_id: flight.id,
        passenger_id: passenger.id,
    }];
    // A checked-in passenger means the flight is still waiting; this one was the last.
    if flight.boarded() + 1 == flight.passengers.len() {
        events.push(Event::FlightAllBoarded {
            flight_id: flight.id,
        });
    }
    Ok(events)
}

/// Folds one event into the state. Total: an event that does not fit the state (which a correct
/// stream never holds) leaves the state as it was rather than failing a replay.
pub fn evolve(state: FlightState, event: &Event) -> FlightState {
    let mut flight = match (state, event) {
        (
            FlightState::Unknown,
            Event::FlightCreated {
                flight_id,
                origin,
                destination,
                flight_number,
            },
        ) => {
            return FlightState::Active(Flight {
                id: *flight_id,
                details: FlightDetails {
                    origin: origin.clone(),
                    destination: destination.clone(),
                    flight_number: flight_number.clone(),
                },
                status: FlightStatus::WaitingForBoarding,
                passengers: Vec::new(),
            })
        }
        (FlightState::Active(flight), _) => flight,
        (other, _) => return other,
    };
    match event {
        Event::FlightCreated { .. } => {}
        Event::FlightDetailsChanged {
            origin,
            destination,
            flight_number,
            ..
        } => {
            flight.details = FlightDetails {
                origin: origin.clone(),
                destination: destination.clone(),
                flight_number: flight_number.clone(),
            }
        }
        Event::PassengerCheckedIn {
            passenger_id, name, ..
        } => flight.passengers.push(Passenger {
            id: *passenger_id,
            name: name.clone(),
            status: PassengerStatus::CheckedIn,
        }),
        Event::PassengerRenamed {
            passenger_id, name, ..
        } => {
            if let Some(p) = flight.passenger_mut(*passenger_id) {
                p.name = name.clone();
            }
        }
        Event::PassengerBoarded { passenger_id, .. } => {
            if let Some(p) = flight.passenger_mut(*passenger_id) {
                p.status = PassengerStatus::Boarded;
            }
        }
        Event::FlightAllBoarded { .. } => flight.status = FlightStatus::AllBoarded,
        Event::FlightBoardingReopened { .. } => flight.status = FlightStatus::WaitingForBoarding,
        Event::FlightDisembarked { .. } => flight.status = FlightStatus::Disembarked,
        Event::FlightLanded { .. } => {
            flight.status = FlightStatus::Arrived;
            for p in &mut flight.passengers {
                p.status = PassengerStatus::Arrived;
            }
        }
        Event::FlightDeleted { .. } => return FlightState::Deleted(flight),
    }
    FlightState::Active(flight)
}

/// The state a stream of events describes.
pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> FlightState {
    events.into_iter().fold(FlightState::Unknown, evolve)
}

/// Whether `history` already holds what `command` creates, exactly as it would create it: a
/// create repeated under the same id (an idempotent retry) rather than a second, different one.
/// False for every command that creates nothing.
pub fn already_created(history: &[Event], command: &Command) -> bool {
    match &command.action {
        Action::CreateFlight(raw) => {
            let Ok(d) = checked_details(raw) else {
                return false;
            };
            matches!(history.first(), Some(Event::FlightCreated { flight_id, origin, destination, flight_number })
                if *flight_id == command.flight_id
                    && *origin == d.origin
                    && *destination == d.destination
                    && *flight_number == d.flight_number)
        }
        Action::AddPassenger { passenger_id, name } => {
            let Ok(name) = text::field("name", name) else {
                return false;
            };
            history.iter().any(|e| {
                matches!(e, Event::PassengerCheckedIn { passenger_id: p, name: n, .. }
                    if p == passenger_id && *n == name)
            })
        }
        _ => false,
    }
}
