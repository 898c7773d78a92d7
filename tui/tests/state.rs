//! The update logic, without a terminal: keys in, state and requested I/O out.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use flightdeck_core::{EventTypeOperation, FlightStatus, PassengerStatus};
use flightdeck_tui::app::{AuditKind, Command, Done, Effect, Focus, Msg, Overlay};
use flightdeck_tui::client::ClientError;
use flightdeck_tui::theme::{Theme, Tone};
use serde_json::json;
use support::fixtures::*;
use uuid::Uuid;

fn app() -> flightdeck_tui::app::App {
    loaded_app(140, 40, Theme::plain())
}

fn runs(effects: &[Effect]) -> Vec<&Command> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Run(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn toast(app: &flightdeck_tui::app::App) -> String {
    app.toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

#[test]
fn disembark_before_everyone_boarded_is_refused_before_any_request() {
    let mut app = app();
    assert_eq!(app.selected_flight().unwrap().flight_number, "SK101");
    let effects = app.update(ch('d'));
    assert!(runs(&effects).is_empty(), "no request: {effects:?}");
    assert_eq!(
        toast(&app),
        "flight SK101 cannot disembark: 1 of 3 passengers have boarded"
    );
    assert_eq!(app.toast.as_ref().unwrap().tone, Tone::Bad);
}

#[test]
fn land_before_disembark_is_refused_and_after_it_is_sent() {
    let mut app = app();
    app.update(ch('j')); // DY602, all boarded
    let effects = app.update(ch('l'));
    assert!(runs(&effects).is_empty());
    assert!(
        toast(&app).contains("flight DY602 cannot land: it is All boarded"),
        "{}",
        toast(&app)
    );
    app.update(ch('j')); // AY913, disembarked
    let effects = app.update(ch('l'));
    assert!(matches!(runs(&effects)[..], [Command::Land(f)] if f.flight_number == "AY913"));
    assert_eq!(app.busy.as_deref(), Some("landing AY913"));
}

#[test]
fn a_flight_whose_passengers_all_boarded_may_disembark_though_its_status_lags() {
    let mut app = app();
    let mut lagging = flights();
    lagging[0].boarded_count = Some(3);
    app.update(Msg::Flights(Ok(lagging)));
    app.update(Msg::Passengers(
        Uuid::from_u128(1),
        Ok(vec![passenger(101, 1, "Ann Lee", PassengerStatus::Boarded)]),
    ));
    let effects = app.update(ch('d'));
    assert!(
        matches!(runs(&effects)[..], [Command::Disembark(f)] if f.status == FlightStatus::WaitingForBoarding)
    );
}

#[test]
fn a_server_refusal_is_shown_in_its_own_words_and_success_names_the_flight() {
    let mut app = app();
    app.update(ch('j'));
    let effects = app.update(ch('d'));
    assert_eq!(runs(&effects).len(), 1);
    let effects = app.update(Msg::Done(Done {
        result: Err(ClientError::Refused(
            "Flight with id 'x' does not exist, so can't create passenger on that flight!".into(),
        )),
        new_flight: None,
        new_passenger: None,
        flight: None,
        passenger: None,
    }));
    assert_eq!(
        toast(&app),
        "Flight with id 'x' does not exist, so can't create passenger on that flight!"
    );
    assert_eq!(app.busy, None);
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::ExpireToast { .. })));

    let mut landed = flights()[1].clone();
    landed.status = FlightStatus::Disembarked;
    app.update(ch('d'));
    app.update(Msg::Done(Done {
        result: Ok("Flight DY602 disembarked".into()),
        new_flight: None,
        new_passenger: None,
        flight: Some(landed),
        passenger: None,
    }));
    assert_eq!(toast(&app), "Flight DY602 disembarked");
    assert_eq!(
        app.selected_flight().unwrap().status,
        FlightStatus::Disembarked,
        "shown before the next read"
    );
}

#[test]
fn one_command_at_a_time() {
    let mut app = app();
    app.update(ch('j'));
    app.update(ch('j'));
    assert_eq!(runs(&app.update(ch('l'))).len(), 1);
    let effects = app.update(ch('x'));
    assert!(effects.is_empty());
    let effects = app.update(ch('y'));
    assert!(runs(&effects).is_empty());
    assert_eq!(
        toast(&app),
        "Still landing AY913; try again when it is done"
    );
}

#[test]
fn the_new_flight_form_checks_fields_and_sends_them_trimmed() {
    let mut app = app();
    app.update(ch('n'));
    assert!(matches!(app.overlay, Some(Overlay::Form(_))));
    for c in " ARN ".chars() {
        app.update(ch(c));
    }
    let effects = app.update(key(KeyCode::Enter));
    assert!(effects.is_empty(), "refused with the form still open");
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("form closed")
    };
    assert_eq!(
        form.fields[1].error.as_deref(),
        Some("destination can't be empty")
    );
    for c in "CPH".chars() {
        app.update(ch(c));
    }
    app.update(key(KeyCode::Tab));
    for c in "SK9".chars() {
        app.update(ch(c));
    }
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        runs(&effects),
        vec![&Command::CreateFlight {
            origin: "ARN".into(),
            destination: "CPH".into(),
            flight_number: "SK9".into()
        }]
    );
    assert!(app.overlay.is_none());
    // Once created, the new flight is selected when it shows up.
    app.update(Msg::Done(Done {
        result: Ok("Flight SK9 created".into()),
        new_flight: Some(Uuid::from_u128(77)),
        new_passenger: None,
        flight: None,
        passenger: None,
    }));
    let mut more = flights();
    more.push(flight(
        77,
        "SK9",
        "ARN",
        "CPH",
        FlightStatus::WaitingForBoarding,
        0,
        0,
    ));
    let effects = app.update(Msg::Flights(Ok(more)));
    assert_eq!(app.selected_flight().unwrap().flight_number, "SK9");
    assert!(
        effects.contains(&Effect::LoadPassengers(Uuid::from_u128(77))) || app.passengers.is_empty()
    );
}

#[test]
fn esc_cancels_a_form_and_delete_needs_y() {
    let mut app = app();
    app.update(ch('a'));
    assert!(matches!(app.overlay, Some(Overlay::Form(_))));
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(app.overlay.is_none());
    app.update(key(KeyCode::Delete));
    assert!(matches!(app.overlay, Some(Overlay::ConfirmDelete(_))));
    assert!(runs(&app.update(ch('n'))).is_empty());
    assert_eq!(toast(&app), "Kept flight SK101");
    app.update(ch('x'));
    assert!(
        matches!(runs(&app.update(ch('y')))[..], [Command::Delete(f)] if f.flight_number == "SK101")
    );
}

#[test]
fn passengers_board_and_rename() {
    let mut app = app();
    app.update(key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Passengers);
    // Ann has boarded already.
    assert!(runs(&app.update(ch('b'))).is_empty());
    assert_eq!(
        toast(&app),
        "passenger Ann Lee cannot board: they are Boarded already"
    );
    app.update(key(KeyCode::Down));
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        matches!(runs(&effects)[..], [Command::Board { passenger, flight }] if passenger.name == "Åsa 李小龍" && flight == "SK101")
    );
    app.update(Msg::Done(Done {
        result: Ok("ok".into()),
        new_flight: None,
        new_passenger: None,
        flight: None,
        passenger: None,
    }));
    app.update(ch('e'));
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("no rename form")
    };
    assert_eq!(form.fields[0].input.value(), "Åsa 李小龍");
}

#[test]
fn focus_moves_with_tab_shift_tab_and_numbers() {
    let mut app = app();
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Audit);
    app.update(key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Flights);
    app.update(key(KeyCode::BackTab));
    assert_eq!(app.focus, Focus::Audit);
    app.update(ch('2'));
    assert_eq!(app.focus, Focus::Passengers);
    app.update(ch('1'));
    assert_eq!(app.focus, Focus::Flights);
    app.update(ch('?'));
    assert!(matches!(app.overlay, Some(Overlay::Help)));
    app.update(key(KeyCode::Esc));
    assert!(app.overlay.is_none());
    app.update(ch('q'));
    assert!(app.quit);
}

#[test]
fn moving_the_flight_selection_loads_its_passengers_and_clears_the_old_ones() {
    let mut app = app();
    let effects = app.update(key(KeyCode::End));
    assert_eq!(app.selected_flight().unwrap().flight_number, "LH2455");
    assert!(effects.contains(&Effect::LoadPassengers(Uuid::from_u128(4))));
    assert!(
        app.passengers.is_empty(),
        "no passenger shown under the wrong flight"
    );
    // A late answer for the flight no longer selected is dropped.
    app.update(Msg::Passengers(
        Uuid::from_u128(1),
        Ok(passengers_of_sk101()),
    ));
    assert!(app.passengers.is_empty());
    app.update(key(KeyCode::Home));
    assert_eq!(app.selected_flight().unwrap().flight_number, "SK101");
}

#[test]
fn a_filter_narrows_the_focused_list_and_esc_clears_it() {
    let mut app = app();
    app.update(ch('/'));
    for c in "zür".chars() {
        app.update(ch(c));
    }
    assert_eq!(app.flights_view.rows.len(), 1);
    assert_eq!(app.selected_flight().unwrap().flight_number, "LH2455");
    app.update(key(KeyCode::Enter));
    assert!(!app.flights_view.editing);
    // Keys act on the list again, not the filter.
    app.update(ch('j'));
    assert_eq!(app.flights_view.rows.len(), 1);
    app.update(key(KeyCode::Esc));
    assert_eq!(app.flights_view.rows.len(), 4);
    assert_eq!(
        app.selected_flight().unwrap().flight_number,
        "LH2455",
        "selection kept"
    );
}

#[test]
fn the_audit_log_is_newest_first_follows_pauses_and_filters_by_type() {
    let mut app = app();
    app.update(Msg::Flights(Ok(flights()))); // the read the fixtures left running
    app.update(ch('3'));
    assert_eq!(
        app.selected_audit().unwrap().entry.meta_data.event_name,
        "Delete flight"
    );
    let next = entry(
        5,
        "Board passenger",
        EventTypeOperation::Update,
        json!({"id": Uuid::from_u128(102), "flightId": Uuid::from_u128(1), "name": "Åsa", "status": 2}),
    );
    let effects = app.update(Msg::Audit(next.clone()));
    assert!(
        effects.contains(&Effect::LoadFlights),
        "an event makes the lists stale"
    );
    assert_eq!(
        app.selected_audit().unwrap().entry.position,
        Some(5),
        "following: the newest is selected"
    );
    assert_eq!(
        app.selected_audit().unwrap().summary,
        "Åsa on SK101 · Boarded"
    );
    // The same entry again (a reconnect replays from the last id) is not shown twice.
    app.update(Msg::Audit(next));
    assert_eq!(app.audit.len(), 5);

    app.update(ch('f'));
    assert!(!app.following);
    app.update(ch('j'));
    let held = app.selected_audit().unwrap().entry.position;
    app.update(Msg::Audit(entry(
        6,
        "Create flight",
        EventTypeOperation::Create,
        json!({"flightNumber": "X1", "origin": "A", "destination": "B", "status": 1}),
    )));
    assert_eq!(
        app.selected_audit().unwrap().entry.position,
        held,
        "paused: the selection stays put"
    );
    assert_eq!(app.unseen, 1);
    app.update(ch('f'));
    assert_eq!(app.selected_audit().unwrap().entry.position, Some(6));

    app.update(ch('t'));
    assert_eq!(app.audit_kind, AuditKind::Flights);
    assert_eq!(app.audit_view.rows.len(), 3);
    app.update(ch('t'));
    assert_eq!(app.audit_kind, AuditKind::Passengers);
    assert_eq!(app.audit_view.rows.len(), 3);
    app.update(key(KeyCode::Enter));
    assert!(matches!(app.overlay, Some(Overlay::Details { .. })));
}

#[test]
fn loads_are_coalesced_during_a_burst() {
    let mut app = app();
    // Settle any load the fixtures left running.
    app.update(Msg::Flights(Ok(flights())));
    let mut loads = 0;
    for p in 10..60 {
        let effects = app.update(Msg::Audit(entry(
            p,
            "Update flight",
            EventTypeOperation::Update,
            json!({}),
        )));
        loads += effects
            .iter()
            .filter(|e| **e == Effect::LoadFlights)
            .count();
    }
    assert!(
        loads <= 1,
        "{loads} loads for 50 events while one was running"
    );
    let effects = app.update(Msg::Flights(Ok(flights())));
    assert!(
        effects.contains(&Effect::LoadFlights),
        "one more read after the burst"
    );
    let effects = app.update(Msg::Flights(Ok(flights())));
    assert!(!effects.contains(&Effect::LoadFlights), "then quiet");
}

#[test]
fn a_click_focuses_and_selects_and_the_wheel_scrolls() {
    let mut app = app();
    let areas = flightdeck_tui::ui::areas(app.size).unwrap();
    // Third data row of the flights pane: border, header, then rows.
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: areas.flights.x + 3,
        row: areas.flights.y + 2 + 2,
        modifiers: KeyModifiers::NONE,
    };
    let effects = app.update(Msg::Mouse(click));
    assert_eq!(app.selected_flight().unwrap().flight_number, "AY913");
    assert!(effects.contains(&Effect::LoadPassengers(Uuid::from_u128(3))));
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: areas.audit.x + 3,
        row: areas.audit.y + 3,
        modifiers: KeyModifiers::NONE,
    };
    app.update(Msg::Mouse(wheel));
    assert_eq!(app.audit_view.selected, 3);
    assert_eq!(
        app.focus,
        Focus::Flights,
        "the wheel scrolls without taking focus"
    );
}

#[test]
fn connection_state_follows_the_feed() {
    let mut app = app();
    app.update(Msg::Feed(flightdeck_tui::app::FeedEvent::Down {
        reason: "backend unreachable: connection refused".into(),
        retry_in: Some(std::time::Duration::from_secs(2)),
    }));
    assert!(matches!(app.link, flightdeck_tui::app::Link::Down { .. }));
    assert_eq!(
        app.last_error.as_deref(),
        Some("backend unreachable: connection refused")
    );
    app.update(Msg::Feed(flightdeck_tui::app::FeedEvent::Live));
    assert_eq!(app.link, flightdeck_tui::app::Link::Connected);
}

#[test]
fn toasts_expire_only_by_their_own_timer() {
    let mut app = app();
    app.update(ch('d'));
    let first = app.toast.clone().unwrap();
    app.update(ch('l'));
    app.update(Msg::ToastExpired(first.seq));
    assert!(
        app.toast.is_some(),
        "a newer toast outlives the older one's timer"
    );
    let seq = app.toast.as_ref().unwrap().seq;
    app.update(Msg::ToastExpired(seq));
    assert!(app.toast.is_none());
}

#[test]
fn ctrl_c_quits_even_inside_a_form() {
    let mut app = app();
    app.update(ch('n'));
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}
