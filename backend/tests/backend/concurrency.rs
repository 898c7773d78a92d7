//! Concurrent operators never lose an update.

use crate::support::{Stores, TestApp};
use flightdeck_core::FlightStatus;
use std::sync::Arc;

on_each_store!(twenty_concurrent_boardings);

async fn twenty_concurrent_boardings(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let app = Arc::new(app);
    let flight = app.create_flight("SK1529").await;
    let mut passengers = Vec::new();
    for n in 0..20 {
        passengers.push(app.add_passenger(flight, &format!("Passenger {n}")).await);
    }
    let boardings: Vec<_> = passengers
        .iter()
        .map(|&p| {
            let app = app.clone();
            tokio::spawn(async move { app.board(p).await })
        })
        .collect();
    for boarding in boardings {
        let outcome = boarding.await.expect("task");
        assert!(outcome.success, "{:?}", outcome.error);
    }
    let f = app.flight(flight).await;
    assert_eq!(f.status, FlightStatus::AllBoarded);
    assert_eq!(f.boarded_count, Some(20));
    let audit = app.audit().await;
    let all_boarded = audit
        .iter()
        .filter(|e| e.event_type == "FlightAllBoarded")
        .count();
    assert_eq!(all_boarded, 1, "the flight became AllBoarded exactly once");
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.event_type == "PassengerBoarded")
            .count(),
        20
    );
    let revisions: Vec<i64> = audit.iter().map(|e| e.event_number).collect();
    assert_eq!(
        revisions,
        (0..revisions.len() as i64).collect::<Vec<_>>(),
        "one stream, no gaps"
    );
    let app = Arc::into_inner(app).expect("tasks are done");
    app.finish().await;
}
