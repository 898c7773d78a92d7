//! The Audit log pane in the console: newest first, following or paused, by type, and only
//! what fits drawn from a huge log.

use super::AuditKind;
use crate::fixtures::*;
use crate::layout;
use crate::msg::{Effect, Msg};
use crate::overlays::Overlay;
use crate::theme::Theme;
use crossterm::event::KeyCode;
use flightdeck_core::EventTypeOperation;
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
