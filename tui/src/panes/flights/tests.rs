//! The Flights pane in the console: the rules checked before any request, the selection and
//! the passengers it shows, the filter.

use crate::fixtures::*;
use crate::msg::{Command, Effect, Msg};
use crate::query::Query;
use crate::theme::{Theme, Tone};
use crossterm::event::KeyCode;
use flightdeck_core::{FlightStatus, PassengerStatus};
use uuid::Uuid;

#[test]
fn disembark_before_everyone_boarded_is_refused_before_any_request() {
    let mut console = fixture();
    assert_eq!(console.selected_flight().unwrap().flight_number, "SK101");
    let effects = console.update(ch('d'));
    assert!(runs(&effects).is_empty(), "no request: {effects:?}");
    assert_eq!(
        toast(&console),
        "flight SK101 cannot disembark: 1 of 3 passengers have boarded"
    );
    assert_eq!(console.toast().unwrap().tone, Tone::Bad);
}

#[test]
fn land_before_disembark_is_refused_and_after_it_is_sent() {
    let mut console = fixture();
    console.update(ch('j')); // DY602, all boarded
    let effects = console.update(ch('l'));
    assert!(runs(&effects).is_empty());
    assert!(
        toast(&console).contains("flight DY602 cannot land: it is All boarded"),
        "{}",
        toast(&console)
    );
    console.update(ch('j')); // AY913, disembarked
    let effects = console.update(ch('l'));
    assert!(matches!(runs(&effects)[..], [Command::Land(f)] if f.flight_number == "AY913"));
    assert_eq!(console.running(), Some("landing AY913"));
}

#[test]
fn a_flight_whose_passengers_all_boarded_may_disembark_though_its_status_lags() {
    let mut console = fixture();
    let mut lagging = flights();
    lagging[0].boarded_count = Some(3);
    console.update(Msg::Flights(Ok(lagging)));
    console.update(Msg::Passengers(
        Uuid::from_u128(1),
        Ok(vec![passenger(101, 1, "Ann Lee", PassengerStatus::Boarded)]),
    ));
    let effects = console.update(ch('d'));
    assert!(
        matches!(runs(&effects)[..], [Command::Disembark(f)] if f.status == FlightStatus::WaitingForBoarding)
    );
}

#[test]
fn moving_the_flight_selection_loads_its_passengers_and_clears_the_old_ones() {
    let mut console = fixture();
    let effects = console.update(key(KeyCode::End));
    assert_eq!(console.selected_flight().unwrap().flight_number, "LH2455");
    assert!(effects.contains(&Effect::LoadPassengers(Uuid::from_u128(4))));
    assert!(
        console.passengers().all().is_empty(),
        "no passenger shown under the wrong flight"
    );
    // A late answer for the flight no longer selected is dropped.
    console.update(Msg::Passengers(
        Uuid::from_u128(1),
        Ok(passengers_of_sk101()),
    ));
    assert!(console.passengers().all().is_empty());
    console.update(key(KeyCode::Home));
    assert_eq!(console.selected_flight().unwrap().flight_number, "SK101");
}

#[test]
fn a_filter_narrows_the_focused_list_and_esc_clears_it() {
    let mut console = fixture();
    console.update(ch('/'));
    for c in "zür".chars() {
        console.update(ch(c));
    }
    assert_eq!(console.flights().view().rows().len(), 1);
    assert_eq!(console.selected_flight().unwrap().flight_number, "LH2455");
    console.update(key(KeyCode::Enter));
    assert!(!console.flights().view().editing());
    // Keys act on the list again, not the filter.
    console.update(ch('j'));
    assert_eq!(console.flights().view().rows().len(), 1);
    console.update(key(KeyCode::Esc));
    assert_eq!(console.flights().view().rows().len(), 4);
    assert_eq!(
        console.selected_flight().unwrap().flight_number,
        "LH2455",
        "selection kept"
    );
}

#[test]
fn a_filter_shows_in_the_pane_title() {
    let mut console = loaded(120, 30, Theme::plain());
    console.update(ch('/'));
    for c in "osl".chars() {
        console.update(ch(c));
    }
    let screen = text(&render(&console));
    assert!(screen.contains("1 Flights (1 of 4) /osl▏"), "{screen}");
    assert!(screen.contains("Enter keep filter"));
    assert!(!screen.contains("SK101      ARN"));
}

#[test]
fn a_key_that_needs_a_flight_says_what_to_do_in_the_state_it_is_in() {
    let mut console = fixture();
    console.update(ch('/'));
    for c in "zzz".chars() {
        console.update(ch(c));
    }
    console.update(key(KeyCode::Enter));
    for c in ['a', 'd', 'e'] {
        console.update(ch(c));
        assert_eq!(
            toast(&console),
            "The filter hides every flight: Esc clears it"
        );
    }
    console.update(ch('2'));
    for c in ['a', 'b'] {
        console.update(ch(c));
        assert_eq!(
            toast(&console),
            "The Flights filter hides every flight: press 1, then Esc clears it"
        );
    }

    // Another console deleted every flight.
    console.update(Msg::Flights(Ok(vec![])));
    for c in ['b', 'a', 'e'] {
        console.update(ch(c));
        assert_eq!(
            toast(&console),
            "No flights yet: press 1, then n creates one"
        );
    }
    console.update(ch('1'));
    console.update(ch('a'));
    assert_eq!(toast(&console), "No flights yet: create one with n");

    let empty = flight(
        9,
        "W9",
        "OSL",
        "BGO",
        FlightStatus::WaitingForBoarding,
        0,
        0,
    );
    console.update(key(KeyCode::Esc));
    console.update(Msg::Flights(Ok(vec![empty])));
    console.update(Msg::Passengers(Uuid::from_u128(9), Ok(vec![])));
    console.update(ch('2'));
    console.update(ch('b'));
    assert_eq!(toast(&console), "No passengers on W9 yet: add one with a");
}

#[test]
fn long_routes_keep_both_ends_and_long_numbers_end_with_an_ellipsis() {
    let mut console = loaded(80, 24, Theme::plain());
    let mut long = flights();
    long[0].origin = "Aeropuerto Adolfo Suárez Madrid-Barajas Terminal 4S".into();
    long[0].flight_number = "IB31415926".into();
    long[1].flight_number = "IB3141592653".into();
    long[1].destination = "東京国際空港 羽田 第3ターミナル 東京都大田区".into();
    console.update(Msg::Flights(Ok(long)));
    let screen = text(&render(&console));
    let row = |needle: &str| {
        screen
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} not on\n{screen}"))
            .to_owned()
    };
    let madrid = row("Aeropuerto");
    assert!(
        madrid.contains("IB31415926 "),
        "a number that fits is whole: {madrid}"
    );
    assert!(
        madrid.contains("… → CPH"),
        "the destination stays: {madrid}"
    );
    assert!(madrid.contains("Waiting for boarding"), "{madrid}");
    let tokyo = row("IB3141592…");
    assert!(tokyo.contains("OSL → 東京国際空港"), "{tokyo}");
    assert!(
        tokyo.contains('…') && tokyo.contains("All boarded"),
        "{tokyo}"
    );

    // A toast longer than the line ends with an ellipsis, not mid-word without one.
    console.update(ch('j'));
    console.update(ch('j'));
    console.update(ch('l'));
    let long = "the command was recorded at position 1234, but the read model has not shown it within 5s: the projection is catching up; it will show once the read side catches up";
    console.update(Msg::Done(crate::msg::Done {
        result: Err(crate::client::ClientError::Refused(long.into())),
        new_flight: None,
        new_passenger: None,
        flight: None,
        passenger: None,
    }));
    let line = text(&render(&console))
        .lines()
        .find(|l| l.contains("the command was recorded"))
        .unwrap_or_default()
        .to_owned();
    assert!(line.trim_end().ends_with('…'), "{line}");
    assert!(crate::text::width(&line) <= 80, "{line}");
}
