//! Every rule of the flight aggregate, through decide and evolve.

use flightdeck_core::flight::{
    already_created, Action, Command, DetailsChange, FlightDetails, FlightState,
};
use flightdeck_core::{decide, evolve, DomainError, Event, FlightStatus, PassengerStatus};
use uuid::Uuid;

const FLIGHT: Uuid = Uuid::from_u128(0xF1);

fn details(origin: &str, destination: &str, number: &str) -> FlightDetails {
    FlightDetails {
        origin: origin.into(),
        destination: destination.into(),
        flight_number: number.into(),
    }
}

fn passenger(n: u128) -> Uuid {
    Uuid::from_u128(0x100 + n)
}

/// A flight's history, run through the decider the way the backend does.
struct Scenario {
    state: FlightState,
}

impl Scenario {
    fn new() -> Self {
        let mut s = Self {
            state: FlightState::Unknown,
        };
        s.ok(Action::CreateFlight(details("ARN", "CPH", "SK1529")));
        s
    }

    fn run(&mut self, action: Action) -> Result<Vec<Event>, DomainError> {
        let command = Command {
            flight_id: FLIGHT,
            action,
        };
        let events = decide(&self.state, &command)?;
        for e in &events {
            self.state = evolve(std::mem::take(&mut self.state), e);
        }
        Ok(events)
    }

    fn ok(&mut self, action: Action) -> Vec<Event> {
        self.run(action.clone())
            .unwrap_or_else(|e| panic!("{action:?} was refused: {e}"))
    }

    fn refused(&mut self, action: Action) -> String {
        let before = self.state.clone();
        let err = self.run(action).expect_err("should be refused").to_string();
        assert_eq!(self.state, before, "a refusal changes nothing");
        err
    }

    fn add(&mut self, n: u128, name: &str) {
        self.ok(Action::AddPassenger {
            passenger_id: passenger(n),
            name: name.into(),
        });
    }

    fn board(&mut self, n: u128) -> Vec<Event> {
        self.ok(board(n))
    }

    fn status(&self) -> FlightStatus {
        self.state.flight().expect("flight exists").status
    }
}

fn board(n: u128) -> Action {
    Action::UpdatePassenger {
        passenger_id: passenger(n),
        name: None,
        status: Some(PassengerStatus::Boarded),
    }
}

fn set_status(status: FlightStatus) -> Action {
    Action::UpdateFlight {
        details: None,
        status: Some(status),
    }
}

#[test]
fn create_flight_trims_and_waits_for_boarding() {
    let mut s = Scenario {
        state: FlightState::Unknown,
    };
    let events = s.ok(Action::CreateFlight(details("  ARN ", "CPH", " SK1529")));
    assert_eq!(
        events,
        vec![Event::FlightCreated {
            flight_id: FLIGHT,
            origin: "ARN".into(),
            destination: "CPH".into(),
            flight_number: "SK1529".into()
        }]
    );
    assert_eq!(s.status(), FlightStatus::WaitingForBoarding);
}

#[test]
fn create_flight_refuses_bad_fields() {
    let mut s = Scenario {
        state: FlightState::Unknown,
    };
    assert_eq!(
        s.refused(Action::CreateFlight(details("ARN", " ", "SK1"))),
        "destination can't be empty"
    );
    assert!(s
        .refused(Action::CreateFlight(details(
            "ARN",
            "CPH",
            &"9".repeat(256)
        )))
        .contains("flight number is 256 characters long"));
    assert!(s
        .refused(Action::CreateFlight(details("AR\nN", "CPH", "SK1")))
        .contains("origin contains a control character"));
    assert_eq!(s.state, FlightState::Unknown);
}

#[test]
fn commands_on_a_missing_flight_are_refused() {
    let mut s = Scenario {
        state: FlightState::Unknown,
    };
    let msg = s.refused(Action::DeleteFlight);
    assert_eq!(msg, format!("flight with id '{FLIGHT}' does not exist"));
    s.refused(set_status(FlightStatus::Disembarked));
    s.refused(Action::AddPassenger {
        passenger_id: passenger(1),
        name: "Ann".into(),
    });
}

#[test]
fn add_passenger_checks_in_and_reopens_an_all_boarded_flight() {
    let mut s = Scenario::new();
    s.add(1, "Ann");
    assert_eq!(
        s.state.flight().unwrap().passengers[0].status,
        PassengerStatus::CheckedIn
    );
    s.board(1);
    assert_eq!(s.status(), FlightStatus::AllBoarded);
    s.add(2, "Bo");
    assert_eq!(s.status(), FlightStatus::WaitingForBoarding);
    assert_eq!(
        s.refused(Action::AddPassenger {
            passenger_id: passenger(3),
            name: "".into()
        }),
        "name can't be empty"
    );
}

#[test]
fn the_last_boarding_makes_the_flight_all_boarded_in_the_same_decision() {
    let mut s = Scenario::new();
    s.add(1, "Ann");
    s.add(2, "Bo");
    assert_eq!(s.board(1).len(), 1);
    assert_eq!(s.status(), FlightStatus::WaitingForBoarding);
    let events = s.board(2);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1], Event::FlightAllBoarded { flight_id: FLIGHT });
    assert_eq!(s.status(), FlightStatus::AllBoarded);
    assert!(s.ok(board(2)).is_empty(), "a repeated PUT changes nothing");
}

#[test]
fn a_single_passenger_flight_becomes_all_boarded() {
    let mut s = Scenario::new();
    s.add(1, "Solo");
    s.board(1);
    assert_eq!(s.status(), FlightStatus::AllBoarded);
}

#[test]
fn disembark_only_when_all_boarded() {
    let mut s = Scenario::new();
    assert_eq!(
        s.refused(set_status(FlightStatus::Disembarked)),
        "flight SK1529 cannot disembark: it has no passengers"
    );
    s.add(1, "Ann");
    s.add(2, "Bo");
    s.add(3, "Cy");
    s.board(1);
    s.board(2);
    assert_eq!(
        s.refused(set_status(FlightStatus::Disembarked)),
        "flight SK1529 cannot disembark: 2 of 3 passengers have boarded"
    );
    s.board(3);
    s.ok(set_status(FlightStatus::Disembarked));
    assert_eq!(s.status(), FlightStatus::Disembarked);
    assert!(
        s.ok(set_status(FlightStatus::Disembarked)).is_empty(),
        "a repeated PUT changes nothing"
    );
}

#[test]
fn land_only_from_disembarked_and_everyone_arrives() {
    let mut s = Scenario::new();
    s.add(1, "Ann");
    s.add(2, "Bo");
    assert_eq!(
        s.refused(set_status(FlightStatus::Arrived)),
        "flight SK1529 cannot land: it is Waiting for boarding; a flight lands only after it has disembarked"
    );
    s.board(1);
    s.board(2);
    s.refused(set_status(FlightStatus::Arrived));
    s.ok(set_status(FlightStatus::Disembarked));
    s.ok(set_status(FlightStatus::Arrived));
    let flight = s.state.flight().unwrap();
    assert_eq!(flight.status, FlightStatus::Arrived);
    assert!(flight
        .passengers
        .iter()
        .all(|p| p.status == PassengerStatus::Arrived));
    assert!(
        s.ok(set_status(FlightStatus::Arrived)).is_empty(),
        "a repeated PUT changes nothing"
    );
    assert_eq!(
        s.refused(set_status(FlightStatus::Disembarked)),
        "flight SK1529 cannot disembark: it is Arrived already"
    );
    assert_eq!(
        s.refused(board(1)),
        "passenger Ann cannot board: they are Arrived already"
    );
    assert!(s
        .refused(Action::AddPassenger {
            passenger_id: passenger(9),
            name: "Late".into()
        })
        .contains("boarding has closed"));
}

#[test]
fn delete_in_any_status_then_everything_is_refused() {
    let mut s = Scenario::new();
    s.add(1, "Ann");
    s.ok(Action::DeleteFlight);
    assert!(matches!(s.state, FlightState::Deleted(_)));
    assert_eq!(
        s.refused(Action::DeleteFlight),
        "flight SK1529 has been deleted"
    );
    s.refused(board(1));
    s.refused(Action::CreateFlight(details("A", "B", "C")));
}

#[test]
fn unchanged_status_edits_details_until_disembark() {
    let mut s = Scenario::new();
    let edit = |n: &str| Action::UpdateFlight {
        details: Some(details("ARN", "OSL", n).into()),
        status: Some(FlightStatus::WaitingForBoarding),
    };
    let events = s.ok(edit("SK1530"));
    assert!(matches!(events[0], Event::FlightDetailsChanged { .. }));
    assert_eq!(s.state.flight().unwrap().details.flight_number, "SK1530");
    assert!(
        s.ok(edit("SK1530")).is_empty(),
        "an edit to the same details records nothing"
    );
    s.add(1, "Ann");
    s.board(1);
    s.ok(set_status(FlightStatus::Disembarked));
    assert_eq!(
        s.refused(Action::UpdateFlight {
            details: Some(details("ARN", "OSL", "SK9").into()),
            status: Some(FlightStatus::Disembarked)
        }),
        "flight SK1530 cannot change its details: it is Disembarked"
    );
}

#[test]
fn status_changes_no_rule_allows_are_refused() {
    let mut s = Scenario::new();
    assert!(s
        .refused(set_status(FlightStatus::AllBoarded))
        .contains("it becomes All boarded when its last passenger boards"));
    s.add(1, "Ann");
    s.board(1);
    assert_eq!(
        s.refused(set_status(FlightStatus::WaitingForBoarding)),
        "flight SK1529 cannot go back to Waiting for boarding: it is All boarded"
    );
    assert!(s
        .refused(Action::UpdateFlight {
            details: Some(details("X", "Y", "Z").into()),
            status: Some(FlightStatus::Disembarked)
        })
        .contains("separate requests"));
}

#[test]
fn passengers_rename_until_arrival_and_cannot_be_set_to_arrived() {
    let mut s = Scenario::new();
    s.add(1, "Ann");
    let rename = |name: &str| Action::UpdatePassenger {
        passenger_id: passenger(1),
        name: Some(name.into()),
        status: Some(PassengerStatus::CheckedIn),
    };
    s.ok(rename("Anna"));
    assert_eq!(s.state.flight().unwrap().passengers[0].name, "Anna");
    assert!(s
        .refused(Action::UpdatePassenger {
            passenger_id: passenger(1),
            name: None,
            status: Some(PassengerStatus::Arrived)
        })
        .contains("passengers arrive when their flight lands"));
    s.board(1);
    s.ok(set_status(FlightStatus::Disembarked));
    s.ok(set_status(FlightStatus::Arrived));
    assert_eq!(
        s.refused(Action::UpdatePassenger {
            passenger_id: passenger(1),
            name: Some("Annie".into()),
            status: None
        }),
        "passenger Anna cannot be renamed: they have arrived"
    );
    assert_eq!(
        s.refused(Action::UpdatePassenger {
            passenger_id: passenger(7),
            name: Some("Nobody".into()),
            status: None
        }),
        format!(
            "passenger with id '{}' is not on flight SK1529",
            passenger(7)
        )
    );
}

#[test]
fn a_put_that_names_one_field_changes_only_that_field() {
    let mut s = Scenario::new();
    s.ok(Action::UpdateFlight {
        details: Some(DetailsChange {
            origin: Some("OSL".into()),
            ..DetailsChange::default()
        }),
        status: None,
    });
    assert_eq!(
        s.state.flight().unwrap().details,
        details("OSL", "CPH", "SK1529")
    );
    assert_eq!(
        s.refused(Action::UpdateFlight {
            details: Some(DetailsChange {
                destination: Some(" ".into()),
                ..DetailsChange::default()
            }),
            status: None,
        }),
        "destination can't be empty",
        "a field the request names is still checked"
    );
}

#[test]
fn a_passenger_cannot_go_back_to_checked_in() {
    let mut s = Scenario::new();
    s.add(1, "Ann");
    s.add(2, "Bo");
    s.board(1);
    assert_eq!(
        s.refused(Action::UpdatePassenger {
            passenger_id: passenger(1),
            name: None,
            status: Some(PassengerStatus::CheckedIn)
        }),
        "passenger Ann cannot go back to Checked in: they are Boarded"
    );
}

#[test]
fn a_rename_to_the_same_text_in_another_normal_form_records_nothing() {
    let mut s = Scenario::new();
    s.add(1, "Zo\u{00EB}");
    assert!(s
        .ok(Action::UpdatePassenger {
            passenger_id: passenger(1),
            name: Some("Zoe\u{0308}".into()),
            status: None
        })
        .is_empty());
    let mut t = Scenario::new();
    t.add(1, "Zoe\u{0308}");
    assert_eq!(t.state.flight().unwrap().passengers[0].name, "Zo\u{00EB}");
}

#[test]
fn a_create_repeated_as_it_was_is_recognised() {
    let mut s = Scenario {
        state: FlightState::Unknown,
    };
    let create = |number: &str| Command {
        flight_id: FLIGHT,
        action: Action::CreateFlight(details("ARN", "CPH", number)),
    };
    let mut history = s.ok(create(" SK1").action);
    assert!(already_created(&history, &create("SK1")));
    assert!(!already_created(&history, &create("SK2")));
    let add = |name: &str| Command {
        flight_id: FLIGHT,
        action: Action::AddPassenger {
            passenger_id: passenger(1),
            name: name.into(),
        },
    };
    assert!(!already_created(&history, &add("Ann")));
    history.extend(s.ok(add("Zoe\u{0308}").action));
    assert!(already_created(&history, &add("Zo\u{00EB}")));
    assert!(!already_created(&history, &add("Zoey")));
    assert!(!already_created(
        &history,
        &Command {
            flight_id: FLIGHT,
            action: Action::DeleteFlight
        }
    ));
}
