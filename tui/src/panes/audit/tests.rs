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

/// Entries at these positions, each a flight of its own named after its position.
fn positions(range: std::ops::RangeInclusive<u64>) -> Vec<flightdeck_core::contract::AuditEntry> {
    range
        .map(|p| {
            entry(p, "Update flight", EventTypeOperation::Update,
                json!({"flightNumber": format!("F{p}"), "origin": "A", "destination": "B", "status": 1}))
        })
        .collect()
}

fn reads(effects: &[Effect]) -> Vec<&super::AuditPage> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::ReadAudit(page) => Some(page),
            _ => None,
        })
        .collect()
}

fn older(before: u64) -> super::AuditPage {
    super::AuditPage { before, q: None }
}

#[test]
fn the_window_reads_the_page_before_its_oldest_row_and_stays_bounded() {
    let page = super::PAGE as u64;
    let mut console = loaded(220, 30, Theme::plain());
    console.update(Msg::AuditSnapshot(positions(95 * page / 5 + 1..=20 * page)));
    console.update(ch('3'));
    let screen = text(&render(&console));
    assert!(screen.contains("newest 5,000 of ~100,000"), "{screen}");

    let effects = console.update(key(KeyCode::End));
    let oldest = 95 * page / 5 + 1;
    assert_eq!(
        reads(&effects),
        vec![&older(oldest)],
        "the page before the oldest"
    );
    let screen = text(&render(&console));
    assert!(screen.contains("reading…"), "{screen}");
    let again = console.update(key(KeyCode::Down));
    assert!(reads(&again).is_empty(), "one read at a time");

    console.update(Msg::AuditPage(
        older(oldest),
        Ok(positions(oldest - page..=oldest - 1)),
    ));
    assert_eq!(console.audit().rows().len(), 2 * page as usize);
    assert_eq!(
        console.audit().selected().unwrap().entry.position,
        Some(oldest),
        "the selection stays on its entry"
    );
    assert!(text(&render(&console)).contains("newest 10,000 of ~100,000"));
    let effects = console.update(key(KeyCode::Down));
    assert!(reads(&effects).is_empty(), "not yet at the oldest row");

    // Older pages beyond the bound drop the newest rows: the tail is read again to follow.
    let mut before = oldest - page;
    for _ in 0..3 {
        let effects = console.update(key(KeyCode::End));
        assert_eq!(reads(&effects), vec![&older(before)]);
        console.update(Msg::AuditPage(
            older(before),
            Ok(positions(before - page..=before - 1)),
        ));
        before -= page;
    }
    assert_eq!(console.audit().rows().len(), super::MOST);
    assert_eq!(console.audit().rows()[0].entry.position, Some(before));
    assert!(!console.audit().following());
    let effects = console.update(ch('f'));
    assert_eq!(reads(&effects), vec![&super::AuditPage::tail()]);
    console.update(Msg::AuditPage(
        super::AuditPage::tail(),
        Ok(positions(95 * page / 5 + 1..=20 * page)),
    ));
    assert_eq!(console.audit().rows().len(), page as usize);
    assert!(console.audit().following());
    assert_eq!(
        console.audit().selected().unwrap().entry.position,
        Some(20 * page)
    );
}

#[test]
fn a_search_runs_on_the_server_page_by_page_and_esc_returns_to_the_tail() {
    let page = super::PAGE as u64;
    let mut console = loaded(220, 30, Theme::plain());
    console.update(Msg::AuditSnapshot(positions(page + 1..=2 * page)));
    console.update(ch('3'));
    console.update(ch('/'));
    for c in "F42".chars() {
        console.update(ch(c));
    }
    let effects = console.update(key(KeyCode::Enter));
    let search = super::AuditPage {
        before: super::NEWEST,
        q: Some("F42".into()),
    };
    assert_eq!(reads(&effects), vec![&search]);
    assert!(text(&render(&console)).contains("searching the whole log"));

    // Matches from outside the window, a whole page of them: more may be older.
    let matches: Vec<_> = (0..page)
        .map(|i| positions(42 + i..=42 + i).remove(0))
        .collect();
    console.update(Msg::AuditPage(search.clone(), Ok(matches)));
    let screen = text(&render(&console));
    assert!(
        screen.contains("search \"F42\": newest 5,000 matches"),
        "{screen}"
    );
    assert_eq!(
        console.audit().selected().unwrap().entry.position,
        Some(41 + page)
    );
    let effects = console.update(key(KeyCode::End));
    let next = super::AuditPage {
        before: 42,
        q: Some("F42".into()),
    };
    assert_eq!(reads(&effects), vec![&next], "the search's next page");
    console.update(Msg::AuditPage(next, Ok(positions(1..=1))));
    assert!(text(&render(&console)).contains("5,001 matches"));

    // A live entry during the search waits for the tail.
    console.update(Msg::Audit(positions(2 * page + 1..=2 * page + 1).remove(0)));
    assert_eq!(console.audit().rows().len(), page as usize + 1);

    let effects = console.update(key(KeyCode::Esc));
    assert_eq!(reads(&effects), vec![&super::AuditPage::tail()]);
    // A late answer to the search left is ignored.
    console.update(Msg::AuditPage(search, Ok(positions(7..=7))));
    console.update(Msg::AuditPage(
        super::AuditPage::tail(),
        Ok(positions(page + 2..=2 * page + 1)),
    ));
    assert!(console.audit().following());
    assert_eq!(
        console.audit().selected().unwrap().entry.position,
        Some(2 * page + 1)
    );
    assert!(!text(&render(&console)).contains("search"));
}

#[test]
fn a_backend_without_paging_is_polled_and_its_last_page_held() {
    let page = super::PAGE as u64;
    let mut console = loaded(220, 30, Theme::plain());
    console.update(Msg::AuditSnapshot(positions(page + 1..=2 * page)));
    console.update(Msg::Feed(crate::msg::FeedEvent::Polling));
    console.update(ch('3'));
    assert!(text(&render(&console)).contains("last 5,000 · polling the whole log"));
    let effects = console.update(key(KeyCode::End));
    assert!(reads(&effects).is_empty(), "no page can be asked for");
    console.update(ch('/'));
    console.update(ch('F'));
    let effects = console.update(key(KeyCode::Enter));
    assert!(reads(&effects).is_empty(), "the filter stays local");
    assert_eq!(console.audit().view().rows().len(), page as usize);
}

#[test]
fn a_position_past_a_million_is_shown_whole() {
    let mut console = loaded(140, 30, Theme::plain());
    console.update(Msg::AuditSnapshot(positions(999_990..=1_000_006)));
    let screen = text(&render(&console));
    assert!(screen.contains("1000006 "), "{screen}");
}
