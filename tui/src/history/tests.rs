//! The history view's state with no terminal: the timeline rebuilt from an original's audit log,
//! the change marks, moving through time, opening from a pane or an audit entry, live growth.

use super::timeline::{changes, from_audit, Field, Mark};
use crate::fixtures::{ch, entry, fixture, key, render, text};
use crate::keymap::Context;
use crate::list::Step;
use crate::msg::{Effect, Msg, Story};
use crossterm::event::KeyCode;
use flightdeck_core::contract::{AuditEntry, HistoryEntry};
use flightdeck_core::{EventTypeOperation as Op, FlightStatus, PassengerStatus};
use serde_json::json;
use uuid::Uuid;

/// An original's audit entry: no stream, no position.
fn original(n: u64, name: &str, op: Op, data: serde_json::Value) -> AuditEntry {
    let mut entry = entry(n, name, op, data);
    entry.stream = None;
    entry.position = None;
    entry
}

fn original_log() -> Vec<AuditEntry> {
    let f1 = Uuid::from_u128(1);
    let other = Uuid::from_u128(2);
    let flight = |status| json!({"id": f1, "origin": "ARN", "destination": "CPH", "flightNumber": "SK101", "status": status});
    let ann = |status| json!({"id": Uuid::from_u128(101), "flightId": f1, "name": "Ann Lee", "status": status});
    vec![
        original(1, "Create flight", Op::Create, flight(1)),
        original(
            2,
            "Create flight",
            Op::Create,
            json!({"id": other, "origin": "A", "destination": "B", "flightNumber": "XX1", "status": 1}),
        ),
        original(3, "Create passenger", Op::Create, ann(1)),
        original(4, "Board passenger", Op::Update, ann(2)),
        original(5, "Update flight", Op::Update, flight(2)),
        original(6, "Delete flight", Op::Delete, json!({"id": f1})),
    ]
}

fn story(entries: Vec<HistoryEntry>) -> Msg {
    Msg::History(
        Uuid::from_u128(1),
        Ok(Story {
            entries,
            from_audit: false,
        }),
    )
}

#[test]
fn the_audit_log_folds_into_the_flights_history() {
    let history = from_audit(Uuid::from_u128(1), &original_log());
    let names: Vec<&str> = history.iter().map(|e| e.event_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Create flight",
            "Create passenger",
            "Board passenger",
            "Update flight",
            "Delete flight"
        ]
    );
    assert!(history[0].passengers.is_empty());
    assert_eq!(
        history[0].flight.as_ref().map(|f| f.status),
        Some(FlightStatus::WaitingForBoarding)
    );
    assert_eq!(history[2].passengers[0].status, PassengerStatus::Boarded);
    assert_eq!(
        history[3].flight.as_ref().map(|f| f.status),
        Some(FlightStatus::AllBoarded)
    );
    assert_eq!(history[4].flight, None);
    let revisions: Vec<u64> = history.iter().map(|e| e.revision).collect();
    assert_eq!(revisions, [0, 1, 2, 3, 4]);
}

#[test]
fn marks_say_what_each_event_changed() {
    let history = from_audit(Uuid::from_u128(1), &original_log());
    let ann = Uuid::from_u128(101);
    let created = changes(None, &history[0]);
    assert!(created.field(Field::Number) && created.field(Field::Status));
    let added = changes(Some(&history[0]), &history[1]);
    assert_eq!(added.passengers.get(&ann), Some(&Mark::New));
    assert!(added.fields.is_empty());
    let boarded = changes(Some(&history[1]), &history[2]);
    assert_eq!(boarded.passengers.get(&ann), Some(&Mark::Status));
    let updated = changes(Some(&history[2]), &history[3]);
    assert_eq!(updated.fields, [Field::Status]);
    assert!(updated.passengers.is_empty());
    let deleted = changes(Some(&history[3]), &history[4]);
    assert_eq!(deleted.fields, [Field::Gone]);
}

#[test]
fn h_opens_the_flights_history_and_esc_returns() {
    let mut console = fixture();
    let effects = console.update(ch('h'));
    assert_eq!(effects, [Effect::LoadHistory(Uuid::from_u128(1))]);
    assert_eq!(console.context(), Context::History);
    console.update(story(from_audit(Uuid::from_u128(1), &original_log())));
    let Some(crate::overlays::Overlay::History(view)) = console.overlay() else {
        panic!("no history view");
    };
    // It starts at the newest event.
    assert_eq!(view.selected_index(), 4);
    console.update(key(KeyCode::Home));
    let screen = text(&render(&console));
    assert!(screen.contains("History of SK101"), "{screen}");
    assert!(screen.contains("no passengers"), "{screen}");
    assert!(!screen.contains("from the audit log"), "{screen}");
    console.update(key(KeyCode::Down));
    console.update(key(KeyCode::Down));
    let screen = text(&render(&console));
    assert!(
        screen.contains("*Ann Lee"),
        "the boarded passenger is marked: {screen}"
    );
    console.update(key(KeyCode::Esc));
    assert_eq!(console.context(), Context::Flights);
}

#[test]
fn opened_from_an_audit_entry_it_starts_there() {
    let mut console = fixture();
    console.update(ch('3'));
    let anchor = console.audit().selected().map(|r| r.entry.clone());
    let Some(anchor) = anchor else {
        panic!("no audit entry selected");
    };
    let effects = console.update(ch('h'));
    assert_eq!(effects, [Effect::LoadHistory(Uuid::from_u128(1))]);
    // The backend's history: positions as the audit log's.
    let mut history = from_audit(Uuid::from_u128(1), &original_log());
    for (i, e) in history.iter_mut().enumerate() {
        e.position = i as u64 + 1;
    }
    let wanted = history
        .iter()
        .position(|e| Some(e.position) == anchor.position)
        .unwrap_or(usize::MAX);
    console.update(story(history));
    let Some(crate::overlays::Overlay::History(view)) = console.overlay() else {
        panic!("no history view");
    };
    assert_eq!(view.selected_index(), wanted);
    console.update(key(KeyCode::Esc));
    assert_eq!(console.context(), Context::Audit);
}

#[test]
fn live_entries_of_the_flight_read_it_again_and_the_newest_shows() {
    let mut console = fixture();
    console.update(ch('h'));
    let all = from_audit(Uuid::from_u128(1), &original_log());
    console.update(story(all[..2].to_vec()));
    let live = entry(
        50,
        "Board passenger",
        Op::Update,
        json!({"id": Uuid::from_u128(101), "flightId": Uuid::from_u128(1), "name": "Ann Lee", "status": 2}),
    );
    let effects = console.update(Msg::Audit(live.clone()));
    assert!(
        effects.contains(&Effect::LoadHistory(Uuid::from_u128(1))),
        "{effects:?}"
    );
    // A second while the read runs waits for it: one read at a time.
    let mut again = live;
    again.position = Some(51);
    let effects = console.update(Msg::Audit(again));
    assert!(
        !effects.contains(&Effect::LoadHistory(Uuid::from_u128(1))),
        "{effects:?}"
    );
    let effects = console.update(story(all[..3].to_vec()));
    assert_eq!(effects, [Effect::LoadHistory(Uuid::from_u128(1))]);
    let Some(crate::overlays::Overlay::History(view)) = console.overlay() else {
        panic!("no history view");
    };
    assert_eq!(view.selected_index(), 2, "the newest event is followed");
    // Another flight's entry leaves the view alone.
    let mut other = entry(
        60,
        "Create flight",
        Op::Create,
        json!({"id": Uuid::from_u128(2)}),
    );
    other.stream = Some(format!("flight-{}", Uuid::from_u128(2)));
    let effects = console.update(Msg::Audit(other));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::LoadHistory(_))),
        "{effects:?}"
    );
}

#[test]
fn the_title_says_when_the_history_comes_from_the_audit_log() {
    let mut console = fixture();
    console.update(ch('h'));
    console.update(Msg::History(
        Uuid::from_u128(1),
        Ok(Story {
            entries: from_audit(Uuid::from_u128(1), &original_log()),
            from_audit: true,
        }),
    ));
    let screen = text(&render(&console));
    assert!(
        screen.contains("History of SK101 — from the audit log"),
        "{screen}"
    );
    assert!(screen.contains("deleted"), "{screen}");
}

#[test]
fn pages_move_by_the_timelines_height_and_stop_at_the_ends() {
    let mut view = super::HistoryView::new(Uuid::from_u128(1), "SK101".into(), None);
    // 10 rows: the window less its borders and the footer.
    view.fit(ratatui::layout::Rect::new(0, 0, 100, 13));
    assert_eq!(view.reload(), [Effect::LoadHistory(Uuid::from_u128(1))]);
    let one = from_audit(Uuid::from_u128(1), &original_log());
    let entries: Vec<HistoryEntry> = (0..25)
        .map(|i| HistoryEntry {
            revision: i,
            ..one[0].clone()
        })
        .collect();
    view.loaded(Ok(Story {
        entries,
        from_audit: false,
    }));
    assert_eq!(view.selected_index(), 24);
    view.step(Step::PageUp);
    assert_eq!(view.selected_index(), 14);
    view.step(Step::PageUp);
    view.step(Step::PageUp);
    assert_eq!(view.selected_index(), 0);
    view.step(Step::Up);
    assert_eq!(view.selected_index(), 0);
    view.step(Step::PageDown);
    assert_eq!(view.selected_index(), 10);
    view.step(Step::Last);
    view.step(Step::Down);
    assert_eq!(view.selected_index(), 24);
    // Looking back in time, a reread keeps the event looked at.
    view.step(Step::First);
    view.reload();
    let more: Vec<HistoryEntry> = (0..26)
        .map(|i| HistoryEntry {
            revision: i,
            ..one[0].clone()
        })
        .collect();
    view.loaded(Ok(Story {
        entries: more,
        from_audit: false,
    }));
    assert_eq!(view.selected_index(), 0);
}

#[test]
fn a_failed_read_is_shown_and_the_next_one_clears_it() {
    let mut view = super::HistoryView::new(Uuid::from_u128(1), "SK101".into(), None);
    view.reload();
    view.loaded(Err(crate::client::ClientError::Unreachable(
        "refused".into(),
    )));
    assert!(view.error().is_some_and(|e| e.contains("refused")));
    view.reload();
    view.loaded(Ok(Story {
        entries: from_audit(Uuid::from_u128(1), &original_log()),
        from_audit: true,
    }));
    assert_eq!(view.error(), None);
    assert!(view.title().ends_with("— from the audit log"));
}

#[test]
fn an_entry_is_about_its_streams_flight_else_the_flight_its_data_names() {
    use super::timeline::flight_of;
    let log = original_log();
    // The original's: a passenger's entry names its flight, a flight's entry is the flight.
    assert_eq!(flight_of(&log[2]), Some(Uuid::from_u128(1)));
    assert_eq!(flight_of(&log[1]), Some(Uuid::from_u128(2)));
    // Flightdeck's stream wins over the data.
    let mut named = log[1].clone();
    named.stream = Some(format!("flight-{}", Uuid::from_u128(7)));
    assert_eq!(flight_of(&named), Some(Uuid::from_u128(7)));
    let mut nothing = log[1].clone();
    nothing.data = json!({"name": "no ids"});
    assert_eq!(flight_of(&nothing), None);
}
