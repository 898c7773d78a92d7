//! The checks a client makes early agree with `decide`: for any flight, reachable or not, each
//! command the console checks before sending is refused early exactly when `decide` would not
//! carry it out, and with the same error whenever `decide` refuses.

use flightdeck_core::checks;
use flightdeck_core::flight::{Action, Command, Flight, FlightDetails, FlightState, Passenger};
use flightdeck_core::{decide, DomainError, Event, FlightStatus, PassengerCounts, PassengerStatus};
use proptest::prelude::*;
use uuid::Uuid;

const FLIGHT: Uuid = Uuid::from_u128(0xF1);

fn flight_status() -> impl Strategy<Value = FlightStatus> {
    prop_oneof![
        Just(FlightStatus::None),
        Just(FlightStatus::WaitingForBoarding),
        Just(FlightStatus::AllBoarded),
        Just(FlightStatus::Disembarked),
        Just(FlightStatus::Arrived),
    ]
}

fn passenger_status() -> impl Strategy<Value = PassengerStatus> {
    prop_oneof![
        Just(PassengerStatus::None),
        Just(PassengerStatus::CheckedIn),
        Just(PassengerStatus::Boarded),
        Just(PassengerStatus::Arrived),
    ]
}

/// Any flight, whether or not a history of commands could reach it.
fn flight() -> impl Strategy<Value = Flight> {
    let number = prop_oneof![Just("SK1".to_owned()), Just("DY602".to_owned())];
    let names = prop_oneof![Just("Ann"), Just("Bo"), Just("Åsa 李")];
    let passengers = proptest::collection::vec((names, passenger_status()), 0..6);
    (number, flight_status(), passengers).prop_map(|(number, status, passengers)| Flight {
        id: FLIGHT,
        details: FlightDetails {
            origin: "ARN".into(),
            destination: "CPH".into(),
            flight_number: number,
        },
        status,
        passengers: passengers
            .into_iter()
            .enumerate()
            .map(|(i, (name, status))| Passenger {
                id: Uuid::from_u128(0x100 + i as u128),
                name: name.to_owned(),
                status,
            })
            .collect(),
    })
}

/// The counts a read model reports for the flight, counted here without the code under test.
fn reported(flight: &Flight) -> PassengerCounts {
    PassengerCounts {
        total: flight.passengers.len(),
        boarded: flight
            .passengers
            .iter()
            .filter(|p| p.status != PassengerStatus::CheckedIn)
            .count(),
    }
}

fn decided(flight: &Flight, action: Action) -> Result<Vec<Event>, DomainError> {
    let state = FlightState::Active(flight.clone());
    decide(
        &state,
        &Command {
            flight_id: FLIGHT,
            action,
        },
    )
}

/// The early check and the decision agree: the same refusal, or both go ahead. A request the
/// flight has already satisfied changes nothing in `decide`; the early check refuses it.
fn agree(
    what: &str,
    early: Result<(), DomainError>,
    decided: Result<Vec<Event>, DomainError>,
) -> Result<(), TestCaseError> {
    match decided {
        Err(refused) => prop_assert_eq!(early, Err(refused), "{}", what),
        Ok(events) if events.is_empty() => {
            prop_assert!(
                early.is_err(),
                "{what}: changes nothing, yet not refused early"
            )
        }
        Ok(_) => prop_assert_eq!(early, Ok(()), "{}", what),
    }
    Ok(())
}

fn set_status(status: FlightStatus) -> Action {
    Action::UpdateFlight {
        details: None,
        status: Some(status),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn flight_checks_agree_with_decide(flight in flight()) {
        let number = flight.details.flight_number.clone();
        let status = flight.status;
        agree(
            "disembark",
            checks::disembark(&number, status, Some(reported(&flight))),
            decided(&flight, set_status(FlightStatus::Disembarked)),
        )?;
        agree(
            "land",
            checks::land(&number, status),
            decided(&flight, set_status(FlightStatus::Arrived)),
        )?;
        agree(
            "add a passenger",
            checks::add_passenger(&number, status),
            decided(&flight, Action::AddPassenger {
                passenger_id: Uuid::from_u128(0x999),
                name: "Zed".into(),
            }),
        )?;
        // The console sends new details with the status it shows.
        agree(
            "change details",
            checks::change_details(&number, status),
            decided(&flight, Action::UpdateFlight {
                details: Some(FlightDetails {
                    origin: "OSL".into(),
                    destination: "HEL".into(),
                    flight_number: "ZZ9".into(),
                }.into()),
                status: Some(status),
            }),
        )?;
    }

    #[test]
    fn passenger_checks_agree_with_decide(flight in flight(), pick in any::<prop::sample::Index>()) {
        prop_assume!(!flight.passengers.is_empty());
        let passenger = pick.get(&flight.passengers).clone();
        // Boarding sends the passenger as it is, with the status Boarded.
        agree(
            "board",
            checks::board(&passenger.name, passenger.status),
            decided(&flight, Action::UpdatePassenger {
                passenger_id: passenger.id,
                name: Some(passenger.name.clone()),
                status: Some(PassengerStatus::Boarded),
            }),
        )?;
        // Renaming sends the new name with the status it shows.
        agree(
            "rename",
            checks::rename(&passenger.name, passenger.status),
            decided(&flight, Action::UpdatePassenger {
                passenger_id: passenger.id,
                name: Some("Zed Ny".into()),
                status: Some(passenger.status),
            }),
        )?;
    }

    #[test]
    fn the_boarded_count_is_the_manifests(flight in flight()) {
        prop_assert_eq!(flight.counts(), reported(&flight));
        prop_assert_eq!(flight.boarded(), reported(&flight).boarded);
    }
}
