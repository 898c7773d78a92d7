//! A flight's story, `GET /api/flights/{id}/history`: every event of its stream with the flight
//! as it stood after it, replayed from the log on each store.

use crate::support::{Stores, TestApp};
use flightdeck_backend::event_store::{ExpectedRevision, NewEvent};
use flightdeck_core::contract::{HistoryEntry, Problem};
use flightdeck_core::event::stream_name;
use flightdeck_core::{Event, FlightStatus, PassengerStatus};
use std::time::Instant;
use uuid::Uuid;

on_each_store!(
    each_entry_is_the_flight_as_it_stood,
    a_deleted_flight_keeps_its_story,
    unknown_and_malformed_ids_are_refused,
    a_ten_thousand_event_flight_is_told_whole
);

async fn history(app: &TestApp, id: Uuid) -> Vec<HistoryEntry> {
    app.get(&format!("/api/flights/{id}/history")).await
}

async fn each_entry_is_the_flight_as_it_stood(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    let ann = app.add_passenger(flight, "Ann").await;
    let bo = app.add_passenger(flight, "Bo").await;
    assert!(app.board(ann).await.success);
    assert!(app.board(bo).await.success);
    let entries = history(&app, flight).await;
    let names: Vec<&str> = entries.iter().map(|e| e.event_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Create flight",
            "Create passenger",
            "Create passenger",
            "Board passenger",
            "Board passenger",
            "All passengers boarded"
        ]
    );
    let revisions: Vec<u64> = entries.iter().map(|e| e.revision).collect();
    assert_eq!(revisions, (0..6).collect::<Vec<u64>>());
    let first = &entries[0];
    let created = first.flight.as_ref().expect("the flight");
    assert_eq!(created.status, FlightStatus::WaitingForBoarding);
    assert_eq!(created.passenger_count, Some(0));
    assert!(first.passengers.is_empty(), "created with no passengers");
    let third = &entries[3];
    assert_eq!(third.passengers[0].status, PassengerStatus::Boarded);
    assert_eq!(third.passengers[1].status, PassengerStatus::CheckedIn);
    assert_eq!(third.flight.as_ref().and_then(|f| f.boarded_count), Some(1));
    let last = entries.last().expect("a last entry");
    assert_eq!(
        last.flight.as_ref(),
        Some(&app.flight(flight).await),
        "the last is the read model"
    );
    assert_eq!(last.passengers, app.passengers(flight).await);
    // Positions are the audit log's.
    let audit: Vec<u64> = app
        .audit()
        .await
        .iter()
        .filter(|e| e.stream.as_deref() == Some(stream_name(flight).as_str()))
        .filter_map(|e| e.position)
        .collect();
    let positions: Vec<u64> = entries.iter().map(|e| e.position).collect();
    assert_eq!(positions, audit);
    let one: HistoryEntry = app
        .get(&format!("/api/flights/{flight}/history?revision=3"))
        .await;
    assert_eq!(&one, third, "one entry, the same as in the list");
    let beyond = app
        .client
        .get(app.url(&format!("/api/flights/{flight}/history?revision=6")))
        .send()
        .await
        .expect("sent");
    assert_eq!(beyond.status(), 404);
    app.finish().await;
}

async fn a_deleted_flight_keeps_its_story(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let flight = app.create_flight("GONE1").await;
    assert!(app.delete_flight(flight).await.success);
    let entries = history(&app, flight).await;
    assert_eq!(entries.len(), 2);
    let last = &entries[1];
    assert_eq!(last.event_name, "Delete flight");
    assert!(
        last.flight.is_none(),
        "GET would answer 404 after the delete"
    );
    assert_eq!(
        entries[0].flight.as_ref().map(|f| f.flight_number.as_str()),
        Some("GONE1")
    );
    app.finish().await;
}

async fn unknown_and_malformed_ids_are_refused(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    for (path, status) in [
        (format!("/api/flights/{}/history", Uuid::new_v4()), 404),
        ("/api/flights/not-a-uuid/history".to_owned(), 400),
    ] {
        let response = app.client.get(app.url(&path)).send().await.expect("sent");
        assert_eq!(response.status(), status, "{path}");
        let problem: Problem = response.json().await.expect("a problem body");
        assert_eq!(problem.status, status);
    }
    app.finish().await;
}

/// A long stream, appended straight to the store (as many commands over years would leave it):
/// the whole story is answered, in order, ending as the flight ends.
async fn a_ten_thousand_event_flight_is_told_whole(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let store = app.open_event_store().await;
    let flight = Uuid::new_v4();
    let mut events = vec![Event::FlightCreated {
        flight_id: flight,
        origin: "ARN".into(),
        destination: "CPH".into(),
        flight_number: "LONG0".into(),
    }];
    for n in 0..20u128 {
        events.push(Event::PassengerCheckedIn {
            flight_id: flight,
            passenger_id: Uuid::from_u128(n + 1),
            name: format!("P{n}"),
        });
    }
    for n in 1..(10_000 - 20) {
        events.push(Event::FlightDetailsChanged {
            flight_id: flight,
            origin: "ARN".into(),
            destination: "CPH".into(),
            flight_number: format!("LONG{n}"),
        });
    }
    assert_eq!(events.len(), 10_000);
    let stream = stream_name(flight);
    let mut revision = None;
    for chunk in events.chunks(500) {
        let new = chunk
            .iter()
            .map(|e| NewEvent {
                event_id: Uuid::new_v4(),
                event_type: e.event_type().to_owned(),
                data: e.data(),
            })
            .collect();
        let expected = revision.map_or(ExpectedRevision::NoStream, ExpectedRevision::Exact);
        revision = Some(
            store
                .append(&stream, expected, new)
                .await
                .expect("append")
                .revision,
        );
    }
    let started = Instant::now();
    let response = app
        .client
        .get(app.url(&format!("/api/flights/{flight}/history")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let entries: Vec<HistoryEntry> = response.json().await.expect("the whole story");
    let took = started.elapsed();
    // A figure for the record, not a bound: speed is measured by benchmarks.
    eprintln!("history of a 10,000-event flight ({stores:?}): {took:?}");
    assert_eq!(entries.len(), 10_000);
    let last = entries.last().expect("a last entry");
    assert_eq!(last.revision, 9_999);
    assert_eq!(
        last.flight.as_ref().map(|f| f.flight_number.as_str()),
        Some("LONG9979")
    );
    assert_eq!(last.passengers.len(), 20);
    app.finish().await;
}
