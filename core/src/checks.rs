//! The rules a client can check from what it sees of a flight: its number, its status, how many
//! passengers it has and how many have boarded, and a passenger's name and status. `decide` makes
//! the same checks before it records a change, so a client that refuses early refuses with the
//! very error the server would answer.
//!
//! A client asks for a change the flight has already made (disembark a disembarked flight, board a
//! boarded passenger) and `decide` records nothing: the request changes nothing. The checks refuse
//! it instead, with the error `decide` gives for the same request from a later status.

use crate::error::DomainError;
use crate::status::{FlightStatus, PassengerStatus};

/// How many passengers a flight has, and how many of them have boarded (or arrived since).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PassengerCounts {
    pub total: usize,
    pub boarded: usize,
}

impl PassengerCounts {
    /// The counts of a manifest, from each passenger's status: the one place a boarding is counted.
    pub fn of(statuses: impl IntoIterator<Item = PassengerStatus>) -> Self {
        statuses
            .into_iter()
            .fold(Self::default(), |counts, status| Self {
                total: counts.total + 1,
                boarded: counts.boarded + usize::from(has_boarded(status)),
            })
    }
}

/// Whether a passenger with this status has boarded: boarding is the one step after check-in,
/// so every later status counts as boarded.
pub fn has_boarded(status: PassengerStatus) -> bool {
    status != PassengerStatus::CheckedIn
}

/// Whether a flight may disembark. Counts that are unknown (a server that does not report them)
/// leave the decision to the server. A flight whose every passenger has boarded may disembark
/// even when its status still says otherwise: an original server can leave such a flight
/// "Waiting for boarding" for ever.
pub fn disembark(
    flight: &str,
    status: FlightStatus,
    counts: Option<PassengerCounts>,
) -> Result<(), DomainError> {
    match status {
        FlightStatus::Disembarked | FlightStatus::Arrived => {
            return Err(DomainError::AlreadyDisembarked {
                flight: flight.to_owned(),
                status,
            })
        }
        FlightStatus::AllBoarded => return Ok(()),
        FlightStatus::None | FlightStatus::WaitingForBoarding => {}
    }
    match counts {
        None => Ok(()),
        Some(c) if c.total == 0 => Err(DomainError::NoPassengers {
            flight: flight.to_owned(),
        }),
        Some(c) if c.boarded < c.total => Err(DomainError::NotAllBoarded {
            flight: flight.to_owned(),
            boarded: c.boarded,
            total: c.total,
        }),
        Some(_) => Ok(()),
    }
}

/// Whether a flight may land: only once it has disembarked.
pub fn land(flight: &str, status: FlightStatus) -> Result<(), DomainError> {
    match status {
        FlightStatus::Disembarked => Ok(()),
        status => Err(DomainError::NotDisembarked {
            flight: flight.to_owned(),
            status,
        }),
    }
}

/// Whether a flight takes another passenger: only while boarding is open.
pub fn add_passenger(flight: &str, status: FlightStatus) -> Result<(), DomainError> {
    match status {
        FlightStatus::WaitingForBoarding | FlightStatus::AllBoarded => Ok(()),
        status => Err(DomainError::BoardingClosed {
            flight: flight.to_owned(),
            status,
        }),
    }
}

/// Whether a flight's details (origin, destination, number) may change: only before it disembarks.
pub fn change_details(flight: &str, status: FlightStatus) -> Result<(), DomainError> {
    match status {
        FlightStatus::WaitingForBoarding | FlightStatus::AllBoarded => Ok(()),
        status => Err(DomainError::DetailsFrozen {
            flight: flight.to_owned(),
            status,
        }),
    }
}

/// Whether a passenger may board: only from check-in.
pub fn board(passenger: &str, status: PassengerStatus) -> Result<(), DomainError> {
    if has_boarded(status) {
        return Err(DomainError::AlreadyBoarded {
            passenger: passenger.to_owned(),
            status,
        });
    }
    Ok(())
}

/// Whether a passenger may be renamed: until they arrive.
pub fn rename(passenger: &str, status: PassengerStatus) -> Result<(), DomainError> {
    if status == PassengerStatus::Arrived {
        return Err(DomainError::NameFrozen {
            passenger: passenger.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boardings_are_counted_from_statuses() {
        let counts = PassengerCounts::of([
            PassengerStatus::CheckedIn,
            PassengerStatus::Boarded,
            PassengerStatus::Arrived,
        ]);
        assert_eq!(
            counts,
            PassengerCounts {
                total: 3,
                boarded: 2
            }
        );
        assert_eq!(PassengerCounts::of([]), PassengerCounts::default());
    }

    #[test]
    fn unknown_counts_leave_disembarking_to_the_server() {
        assert_eq!(
            disembark("SK1", FlightStatus::WaitingForBoarding, None),
            Ok(())
        );
        let all = PassengerCounts {
            total: 2,
            boarded: 2,
        };
        assert_eq!(
            disembark("SK1", FlightStatus::WaitingForBoarding, Some(all)),
            Ok(()),
            "a status that lags its passengers"
        );
    }
}
