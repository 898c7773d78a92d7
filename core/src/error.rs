//! Why the domain refuses a command. Every message names the rule and the facts, so an operator
//! can act on it without reading logs.

use crate::status::{FlightStatus, PassengerStatus};
use uuid::Uuid;

/// The longest text a field may hold, in characters.
pub const MAX_FIELD_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{field} can't be empty")]
    Empty { field: &'static str },
    #[error("{field} is {chars} characters long; at most {MAX_FIELD_CHARS} are allowed")]
    TooLong { field: &'static str, chars: usize },
    #[error("{field} contains a control character ({found}); use printable text")]
    ControlCharacter { field: &'static str, found: String },
    #[error("flight id can't be empty")]
    MissingFlightId,
    #[error("Can't update flight to status '{0}', invalid status!")]
    InvalidFlightStatus(i64),
    #[error("Can't update status to '{0}', invalid status")]
    InvalidPassengerStatus(i64),
    #[error("flight with id '{0}' does not exist")]
    FlightNotFound(Uuid),
    #[error("flight {flight} has been deleted")]
    FlightDeleted { flight: String },
    #[error("flight with id '{0}' already exists")]
    FlightExists(Uuid),
    #[error("passenger with id '{passenger_id}' is not on flight {flight}")]
    PassengerNotFound { passenger_id: Uuid, flight: String },
    #[error("passenger with id '{0}' already exists")]
    PassengerExists(Uuid),
    #[error("cannot add a passenger to flight {flight}: it is {status}, boarding has closed")]
    BoardingClosed {
        flight: String,
        status: FlightStatus,
    },
    #[error("passenger {passenger} cannot board: they are {status} already")]
    AlreadyBoarded {
        passenger: String,
        status: PassengerStatus,
    },
    #[error("flight {flight} cannot disembark: {boarded} of {total} passengers have boarded")]
    NotAllBoarded {
        flight: String,
        boarded: usize,
        total: usize,
    },
    #[error("flight {flight} cannot disembark: it has no passengers")]
    NoPassengers { flight: String },
    #[error("flight {flight} cannot disembark: it is {status} already")]
    AlreadyDisembarked {
        flight: String,
        status: FlightStatus,
    },
    #[error(
        "flight {flight} cannot land: it is {status}; a flight lands only after it has disembarked"
    )]
    NotDisembarked {
        flight: String,
        status: FlightStatus,
    },
    #[error("flight {flight} cannot change its details: it is {status}")]
    DetailsFrozen {
        flight: String,
        status: FlightStatus,
    },
    #[error("passenger {passenger} cannot be renamed: they have arrived")]
    NameFrozen { passenger: String },
    #[error(
        "flight {flight} cannot be set to {to}: it becomes All boarded when its last passenger boards"
    )]
    AllBoardedIsDerived { flight: String, to: FlightStatus },
    #[error("flight {flight} cannot go back to {to}: it is {from}")]
    FlightCannotGoBack {
        flight: String,
        from: FlightStatus,
        to: FlightStatus,
    },
    #[error(
        "passenger {passenger} cannot be set to {to}: they are {from}, and passengers arrive when their flight lands"
    )]
    PassengerStatusNotSettable {
        passenger: String,
        from: PassengerStatus,
        to: PassengerStatus,
    },
    #[error("passenger {passenger} cannot go back to {to}: they are {from}")]
    PassengerCannotGoBack {
        passenger: String,
        from: PassengerStatus,
        to: PassengerStatus,
    },
    #[error("passenger {passenger} cannot move to flight with id '{to}': passengers cannot move between flights; check them in on that flight instead")]
    PassengerCannotMove { passenger: String, to: Uuid },
    #[error("flight {flight}: change its details and its status in separate requests")]
    DetailsAndStatusTogether { flight: String },
}
