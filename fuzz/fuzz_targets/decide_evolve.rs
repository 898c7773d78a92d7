//! Arbitrary command sequences with arbitrary text through decide and evolve: no panic, the
//! invariants hold after every step, replay gives the same state, the JSON form round-trips.
#![no_main]

use arbitrary::{Result, Unstructured};
use flightdeck_core::flight::{Action, Command, FlightDetails, FlightState};
use flightdeck_core::{decide, evolve, replay, Event, FlightStatus, PassengerStatus};
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

const FLIGHT: Uuid = Uuid::from_u128(0xF1);

fn details(u: &mut Unstructured) -> Result<FlightDetails> {
    Ok(FlightDetails {
        origin: u.arbitrary()?,
        destination: u.arbitrary()?,
        flight_number: u.arbitrary()?,
    })
}

fn action(u: &mut Unstructured) -> Result<Action> {
    let passenger_id = Uuid::from_u128(0x100 + u.int_in_range(0..=5)?);
    Ok(match u.int_in_range(0..=4)? {
        0 => Action::CreateFlight(details(u)?),
        1 => Action::UpdateFlight {
            details: if u.arbitrary()? { Some(details(u)?.into()) } else { None },
            status: FlightStatus::from_code(u.int_in_range(0..=5)?),
        },
        2 => Action::DeleteFlight,
        3 => Action::AddPassenger { passenger_id, name: u.arbitrary()? },
        _ => Action::UpdatePassenger {
            passenger_id,
            name: u.arbitrary()?,
            status: PassengerStatus::from_code(u.int_in_range(0..=4)?),
        },
    })
}

fn check(state: &FlightState) {
    let (FlightState::Active(f) | FlightState::Deleted(f)) = state else { return };
    let total = f.passengers.len();
    assert!(f.boarded() <= total);
    if matches!(f.status, FlightStatus::AllBoarded | FlightStatus::Disembarked | FlightStatus::Arrived) {
        assert!(total > 0 && f.boarded() == total, "{:?} with passengers who have not boarded", f.status);
    }
    for text in [&f.details.origin, &f.details.destination, &f.details.flight_number] {
        assert!(!text.trim().is_empty() && text.chars().count() <= 255 && !text.chars().any(char::is_control));
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut state = FlightState::Unknown;
    let mut history: Vec<Event> = Vec::new();
    while !u.is_empty() {
        let Ok(action) = action(&mut u) else { break };
        let command = Command { flight_id: FLIGHT, action };
        if let Ok(events) = decide(&state, &command) {
            for e in &events {
                state = evolve(state, e);
            }
            history.extend(events);
        }
        check(&state);
    }
    assert_eq!(replay(&history), state);
    for e in &history {
        assert_eq!(&Event::decode(e.event_type(), e.data()).expect("decodes"), e);
    }
});
