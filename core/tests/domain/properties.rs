//! Properties of the decider over arbitrary command sequences.

use flightdeck_core::flight::{Action, Command, FlightDetails, FlightState};
use flightdeck_core::{decide, evolve, replay, Event, FlightStatus, PassengerStatus};
use proptest::prelude::*;
use uuid::Uuid;

const FLIGHT: Uuid = Uuid::from_u128(0xF1);

fn action() -> impl Strategy<Value = Action> {
    let pid = (0u128..6).prop_map(|n| Uuid::from_u128(0x100 + n));
    let name = prop_oneof![
        Just("Ann".to_owned()),
        Just("Bo".to_owned()),
        Just(" ".to_owned())
    ];
    let details = prop_oneof![
        Just(FlightDetails {
            origin: "ARN".into(),
            destination: "CPH".into(),
            flight_number: "SK1".into()
        }),
        Just(FlightDetails {
            origin: "OSL".into(),
            destination: "HEL".into(),
            flight_number: "SK2".into()
        }),
    ];
    let flight_status = (0i64..6).prop_map(FlightStatus::from_code);
    let passenger_status = (0i64..5).prop_map(PassengerStatus::from_code);
    prop_oneof![
        1 => details.clone().prop_map(Action::CreateFlight),
        2 => (proptest::option::of(details), flight_status)
            .prop_map(|(details, status)| Action::UpdateFlight { details: details.map(Into::into), status }),
        1 => Just(Action::DeleteFlight),
        4 => (pid.clone(), name.clone())
            .prop_map(|(passenger_id, name)| Action::AddPassenger { passenger_id, name }),
        6 => (pid, proptest::option::of(name), passenger_status).prop_map(
            |(passenger_id, name, status)| Action::UpdatePassenger { passenger_id, name, status }
        ),
    ]
}

fn invariants(state: &FlightState) -> Result<(), TestCaseError> {
    let flight = match state {
        FlightState::Active(f) | FlightState::Deleted(f) => f,
        FlightState::Unknown => return Ok(()),
    };
    let total = flight.passengers.len();
    let boarded = flight.boarded();
    prop_assert!(boarded <= total);
    prop_assert_ne!(flight.status, FlightStatus::None);
    if matches!(
        flight.status,
        FlightStatus::Disembarked | FlightStatus::Arrived | FlightStatus::AllBoarded
    ) {
        prop_assert!(total > 0, "{:?} with no passengers", flight.status);
        prop_assert!(
            flight
                .passengers
                .iter()
                .all(|p| p.status != PassengerStatus::CheckedIn),
            "{:?} with a passenger who has not boarded",
            flight.status
        );
    }
    if flight.status == FlightStatus::WaitingForBoarding {
        prop_assert!(
            total == 0 || boarded < total,
            "everyone boarded yet still waiting"
        );
    }
    let arrived = flight
        .passengers
        .iter()
        .filter(|p| p.status == PassengerStatus::Arrived)
        .count();
    prop_assert!(arrived == 0 || (flight.status == FlightStatus::Arrived && arrived == total));
    let mut ids: Vec<_> = flight.passengers.iter().map(|p| p.id).collect();
    ids.sort();
    ids.dedup();
    prop_assert_eq!(ids.len(), total, "a passenger checked in twice");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_sequence_breaks_the_invariants(actions in proptest::collection::vec(action(), 1..60)) {
        let mut state = FlightState::Unknown;
        let mut history: Vec<Event> = Vec::new();
        for action in actions {
            let command = Command { flight_id: FLIGHT, action };
            if let Ok(events) = decide(&state, &command) {
                for e in &events {
                    prop_assert_eq!(e.flight_id(), FLIGHT);
                    state = evolve(state, e);
                }
                history.extend(events);
            }
            invariants(&state)?;
        }
        // The state is a function of the events: replaying the log gives the same state.
        prop_assert_eq!(replay(&history), state);
        // And the stored JSON form loses nothing.
        let decoded: Vec<Event> = history
            .iter()
            .map(|e| Event::decode(e.event_type(), e.data()).expect("decodes"))
            .collect();
        prop_assert_eq!(decoded, history);
    }

    #[test]
    fn refusals_are_total_and_change_nothing(actions in proptest::collection::vec(action(), 1..40)) {
        let mut state = FlightState::Unknown;
        for action in actions {
            let command = Command { flight_id: FLIGHT, action };
            if let Ok(events) = decide(&state, &command) {
                state = events.iter().fold(state, evolve);
            }
        }
        // An edit to what is already there records nothing.
        if let FlightState::Active(flight) = &state {
            let same = Command {
                flight_id: FLIGHT,
                action: Action::UpdateFlight { details: Some(flight.details.clone().into()), status: Some(flight.status) },
            };
            prop_assert_eq!(decide(&state, &same), Ok(vec![]));
        }
    }
}
