//! The Audit log pane in the console: newest first, following or paused, by type, and only
//! what fits drawn from a huge log.

use super::AuditKind;
use crate::fixtures::*;
use crate::layout;
use crate::msg::{Effect, Msg};
use crate::overlays::Overlay;
use crate::theme::Theme;
use crossterm::event::KeyCode;
use flightdeck_core::{EventTypeOperation, FlightStatus};
use serde_json::json;
use uuid::Uuid;

#[test]
fn the_audit_log_is_newest_first_follows_pauses_and_filters_by_type() {
    let mut console = fixture();
    console.update(Msg::Flights(Ok(flights()))); // the read the fixtures left running
    console.update(ch('3'));
    assert_eq!(
        console
            .audit()
            .selected()
            .unwrap()
            .entry
            .meta_data
            .event_name,
        "Delete flight"
    );
    let next = entry(
        5,
        "Board passenger",
        EventTypeOperation::Update,
        json!({"id": Uuid::from_u128(102), "flightId": Uuid::from_u128(1), "name": "Åsa", "status": 2}),
    );
    let effects = console.update(Msg::Audit(next.clone()));
    assert!(
        effects.contains(&Effect::LoadFlights),
        "an event makes the lists stale"
    );
    assert_eq!(
        console.audit().selected().unwrap().entry.position,
        Some(5),
        "following: the newest is selected"
    );
    assert_eq!(
        console.audit().selected().unwrap().summary,
        "Åsa on SK101 · Boarded"
    );
    // The same entry again (a reconnect replays from the last id) is not shown twice.
    console.update(Msg::Audit(next));
    assert_eq!(console.audit().rows().len(), 5);

    console.update(ch('f'));
    assert!(!console.audit().following());
    console.update(ch('j'));
    let held = console.audit().selected().unwrap().entry.position;
    console.update(Msg::Audit(entry(
        6,
        "Create flight",
        EventTypeOperation::Create,
        json!({"flightNumber": "X1", "origin": "A", "destination": "B", "status": 1}),
    )));
    assert_eq!(
        console.audit().selected().unwrap().entry.position,
        held,
        "paused: the selection stays put"
    );
    assert_eq!(console.audit().unseen(), 1);
    console.update(ch('f'));
    assert_eq!(console.audit().selected().unwrap().entry.position, Some(6));

    console.update(ch('t'));
    assert_eq!(console.audit().kind(), AuditKind::Flights);
    assert_eq!(console.audit().view().rows().len(), 3);
    console.update(ch('t'));
    assert_eq!(console.audit().kind(), AuditKind::Passengers);
    assert_eq!(console.audit().view().rows().len(), 3);
    console.update(key(KeyCode::Enter));
    assert!(matches!(console.overlay(), Some(Overlay::Details(_))));
}

#[test]
fn a_huge_audit_log_draws_only_what_fits() {
    let mut console = loaded(140, 30, Theme::plain());
    let entries: Vec<_> = (1..=100_000u64)
        .map(|p| entry(p, "Update flight", EventTypeOperation::Update,
            json!({"flightNumber": format!("F{p}"), "origin": "A", "destination": "B", "status": 1})))
        .collect();
    console.update(Msg::AuditSnapshot(entries));
    console.update(ch('3'));
    console.update(key(KeyCode::PageDown));
    console.update(key(KeyCode::PageDown));
    let screen = text(&render(&console));
    assert!(screen.contains("Audit log (100000)"));
    let height = layout::list_height(layout::areas(console.size()).unwrap().audit);
    let shown: Vec<&str> = screen.lines().filter(|l| l.contains("F99")).collect();
    assert!(shown.len() <= height);
    let selected = console.audit().selected().unwrap();
    assert_eq!(selected.entry.position, Some(100_000 - 2 * height as u64));
    console.update(key(KeyCode::End));
    assert!(text(&render(&console)).contains("A → B"));
    assert_eq!(console.audit().selected().unwrap().entry.position, Some(1));
}

/// The console as it starts when the audit log answers before the flights do.
fn log_first(entries: Vec<flightdeck_core::contract::AuditEntry>) -> crate::console::Console {
    let mut console = crate::console::Console::new(
        Theme::plain(),
        "http://127.0.0.1:5000/api".into(),
        crate::status_bar::Mode::Remote,
        ratatui::layout::Rect::new(0, 0, 140, 40),
    );
    console.start();
    console.update(Msg::Feed(crate::msg::FeedEvent::Live));
    console.update(Msg::AuditSnapshot(entries));
    console
}

fn summaries(console: &crate::console::Console) -> Vec<String> {
    console
        .audit()
        .view()
        .rows()
        .iter()
        .map(|&i| console.audit().rows()[i].summary.clone())
        .collect()
}

#[test]
fn passenger_rows_are_completed_when_the_flights_answer_late() {
    let w2 = Uuid::from_u128(2);
    let vic = |p, status| {
        entry(
            p,
            "Board passenger",
            EventTypeOperation::Update,
            json!({"id": Uuid::from_u128(201), "flightId": w2, "name": "Vic", "status": status}),
        )
    };
    // The flight's own entries are older than this log (paged away, or another service's).
    let mut console = log_first(vec![vic(1, 1), vic(2, 2)]);
    assert_eq!(summaries(&console), ["Vic · Boarded", "Vic · Checked in"]);
    console.update(ch('3'));
    console.update(ch('/'));
    for c in "w2".chars() {
        console.update(ch(c));
    }
    assert!(console.audit().view().rows().is_empty());

    let mut w2_flight = flight(
        2,
        "W2",
        "OSL",
        "BGO",
        FlightStatus::WaitingForBoarding,
        1,
        2,
    );
    w2_flight.id = w2;
    console.update(Msg::Flights(Ok(vec![w2_flight])));
    assert_eq!(
        summaries(&console),
        ["Vic on W2 · Boarded", "Vic on W2 · Checked in"],
        "completed, and the filter finds them"
    );
}

#[test]
fn the_log_names_a_passengers_flight_before_the_flights_are_read() {
    let gone = Uuid::from_u128(3);
    let console = log_first(vec![
        entry(
            1,
            "Create flight",
            EventTypeOperation::Create,
            json!({"id": gone, "origin": "OSL", "destination": "TRD", "flightNumber": "W3", "status": 1}),
        ),
        entry(
            2,
            "Create passenger",
            EventTypeOperation::Create,
            json!({"id": Uuid::from_u128(301), "flightId": gone, "name": "Kim", "status": 1}),
        ),
        entry(
            3,
            "Delete flight",
            EventTypeOperation::Delete,
            json!({"id": gone}),
        ),
    ]);
    assert_eq!(summaries(&console)[1], "Kim on W3 · Checked in");
}
