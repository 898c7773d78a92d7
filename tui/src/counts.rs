//! A flight's passenger counts as the console knows them: reported by a Flightdeck backend, or
//! counted from the flight's passenger list where the backend (an original one) reports none.

use flightdeck_core::contract::{Flight, Passenger};
use flightdeck_core::PassengerCounts;

/// The counts the flight came with, when it came with both.
pub fn reported(flight: &Flight) -> Option<PassengerCounts> {
    Some(PassengerCounts {
        total: flight.passenger_count? as usize,
        boarded: flight.boarded_count? as usize,
    })
}

/// Sets the flight's counts from its passengers as just read, which are newer than any count
/// that came with the flight.
pub fn fill(flight: &mut Flight, passengers: &[Passenger]) {
    let counts = PassengerCounts::of(passengers.iter().map(|p| p.status));
    flight.passenger_count = Some(counts.total as u32);
    flight.boarded_count = Some(counts.boarded as u32);
}
