//! The event store port's contract, on each store: expected revisions guard every append,
//! multi-event appends are all or nothing, and appends that share a commit do not share a fate.

use crate::support::{Stores, TestApp};
use flightdeck_backend::event_store::{
    EventStore, ExpectedRevision, NewEvent, Position, StoreError,
};
use flightdeck_core::event::stream_name;
use flightdeck_core::Event;
use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

on_each_store!(
    expected_revisions_guard_every_append,
    racing_appends_to_one_stream_let_exactly_one_in
);

fn events(flight_id: Uuid, count: usize) -> Vec<NewEvent> {
    (0..count)
        .map(|n| {
            let event = Event::PassengerCheckedIn {
                flight_id,
                passenger_id: Uuid::new_v4(),
                name: format!("P{n}"),
            };
            NewEvent {
                event_id: Uuid::new_v4(),
                event_type: event.event_type().into(),
                data: event.data(),
            }
        })
        .collect()
}

fn assert_conflict(outcome: Result<impl std::fmt::Debug, StoreError>, holds: u64) {
    match outcome {
        Err(StoreError::Conflict { actual, .. }) => assert_eq!(actual, Some(holds)),
        other => panic!("expected a conflict naming revision {holds}, got {other:?}"),
    }
}

async fn expected_revisions_guard_every_append(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let store = app.open_event_store().await;
    let flight = Uuid::new_v4();
    let stream = stream_name(flight);

    let first = store
        .append(&stream, ExpectedRevision::NoStream, events(flight, 1))
        .await
        .expect("a new stream");
    assert_eq!(first.revision, 0);
    assert_conflict(
        store
            .append(&stream, ExpectedRevision::NoStream, events(flight, 1))
            .await,
        0,
    );

    let written = events(flight, 2);
    let second = store
        .append(&stream, ExpectedRevision::Exact(0), written.clone())
        .await
        .expect("the next revision");
    assert_eq!(second.revision, 2);
    assert!(second.position > first.position);

    // Behind and ahead of the stream are both refused, and write nothing.
    for expected in [ExpectedRevision::Exact(0), ExpectedRevision::Exact(5)] {
        assert_conflict(store.append(&stream, expected, events(flight, 2)).await, 2);
    }

    let recorded = store.read_stream(&stream).await.expect("read the stream");
    let revisions: Vec<u64> = recorded.iter().map(|e| e.revision).collect();
    assert_eq!(revisions, [0, 1, 2]);
    let ids: Vec<Uuid> = recorded[1..].iter().map(|e| e.event_id).collect();
    assert_eq!(ids, written.iter().map(|e| e.event_id).collect::<Vec<_>>());
    assert!(recorded.windows(2).all(|w| w[0].position < w[1].position));
    assert_eq!(recorded[2].position, second.position);
    app.finish().await;
}

/// Many appends at once land in shared commits (group commit on SQLite); on each contested
/// stream exactly one of two racing creators wins and the loser leaves no trace.
async fn racing_appends_to_one_stream_let_exactly_one_in(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let store = app.open_event_store().await;
    let flights: Vec<Uuid> = (0..30).map(|_| Uuid::new_v4()).collect();
    let mut racers = Vec::new();
    for &flight in &flights {
        for _ in 0..2 {
            let store: Arc<dyn EventStore> = store.clone();
            let written = events(flight, 2);
            racers.push(tokio::spawn(async move {
                let outcome = store
                    .append(
                        &stream_name(flight),
                        ExpectedRevision::NoStream,
                        written.clone(),
                    )
                    .await;
                (flight, written, outcome)
            }));
        }
    }
    let mut winners = HashSet::new();
    let mut positions: Vec<Position> = Vec::new();
    for racer in racers {
        let (flight, written, outcome) = racer.await.expect("racer");
        match outcome {
            Ok(appended) => {
                assert!(winners.insert(flight), "two creators of {flight} both won");
                assert_eq!(appended.revision, 1);
                let recorded = store
                    .read_stream(&stream_name(flight))
                    .await
                    .expect("read the stream");
                let ids: Vec<Uuid> = recorded.iter().map(|e| e.event_id).collect();
                assert_eq!(ids, written.iter().map(|e| e.event_id).collect::<Vec<_>>());
                positions.extend(recorded.iter().map(|e| e.position));
            }
            Err(StoreError::Conflict { .. }) => {}
            Err(other) => panic!("an append failed instead of winning or conflicting: {other}"),
        }
    }
    assert_eq!(winners.len(), flights.len(), "every stream has one creator");
    let distinct: HashSet<Position> = positions.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        2 * flights.len(),
        "positions are never shared"
    );
    app.finish().await;
}

/// The embedded log refuses an event id it already holds, and the refusal changes nothing.
/// (EventStoreDB instead treats a repeated id as the same append arriving twice.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refuses_a_repeated_event_id_and_writes_nothing() {
    let Some(app) = TestApp::spawn(Stores::Sqlite).await else {
        return;
    };
    let store = app.open_event_store().await;
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let used = events(a, 1);
    store
        .append(&stream_name(a), ExpectedRevision::NoStream, used.clone())
        .await
        .expect("first use of the id");
    let mut again = events(b, 2);
    again[1].event_id = used[0].event_id;
    match store
        .append(&stream_name(b), ExpectedRevision::NoStream, again)
        .await
    {
        Err(StoreError::Corrupt(message)) => assert!(message.contains(&stream_name(b))),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(store
        .read_stream(&stream_name(b))
        .await
        .expect("read")
        .is_empty());
    let retried = store
        .append(&stream_name(b), ExpectedRevision::NoStream, events(b, 1))
        .await
        .expect("the log goes on after a refusal");
    assert_eq!(retried.revision, 0);
    app.finish().await;
}
