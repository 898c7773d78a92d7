//! The event store goes away under load: nothing acknowledged is lost or applied twice.
//! EventStoreDB cannot run here; the `esdb-standin` crate speaks its gRPC protocol and injects
//! the faults.

use crate::support::{Stores, TestApp};
use flightdeck_core::contract::Created;
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_event_store_connections_lose_no_acknowledged_command_standin() {
    let Some(app) = TestApp::spawn(Stores::EventStoreDbPostgres).await else {
        return;
    };
    let standin = app.standin.as_ref().expect("stand-in");
    let mut acknowledged_flights = Vec::new();
    let mut acknowledged_passengers = Vec::new();
    let mut failures = 0;
    for n in 0..60 {
        if n % 7 == 3 {
            standin.drop_connections();
        }
        let response = app
            .send(
                reqwest::Method::POST,
                "/api/flights",
                serde_json::json!({"origin": "ARN", "destination": "CPH", "flightNumber": format!("SK{n}")}),
            )
            .await;
        if response.status() != 200 {
            assert_eq!(
                response.status(),
                503,
                "an unavailable store is a 503, never another 5xx"
            );
            failures += 1;
            continue;
        }
        let created: Created = response.json().await.unwrap();
        assert!(created.success, "{:?}", created.error);
        acknowledged_flights.push(created.id);
        let passenger = app.post_passenger(created.id, "Ann").await;
        if passenger.success {
            acknowledged_passengers.push(passenger.id);
        }
    }
    eprintln!(
        "{} flights and {} passengers acknowledged, {failures} commands answered 503",
        acknowledged_flights.len(),
        acknowledged_passengers.len()
    );
    assert!(
        acknowledged_flights.len() > 30,
        "most commands get through: {failures} failed"
    );
    crate::support::eventually(
        "the backend to be ready again",
        Duration::from_secs(30),
        || app.ready(),
    )
    .await;
    let flights: HashSet<_> = app.flights().await.into_iter().map(|f| f.id).collect();
    for id in &acknowledged_flights {
        assert!(flights.contains(id), "acknowledged flight {id} is missing");
    }
    for id in &acknowledged_passengers {
        assert_eq!(app.passenger(*id).await.id, *id);
    }
    let audit = app.audit().await;
    let positions: HashSet<_> = audit.iter().map(|e| e.position).collect();
    let ids: HashSet<_> = audit.iter().map(|e| e.event_id).collect();
    assert_eq!(positions.len(), audit.len(), "no event applied twice");
    assert_eq!(ids.len(), audit.len(), "no event applied twice");
    assert_eq!(
        audit.len() as i64,
        app.event_count().await,
        "every event applied once"
    );
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_event_store_standin() {
    let Some(app) = TestApp::spawn(Stores::EventStoreDbPostgres).await else {
        return;
    };
    app.create_flight("SK1").await;
    crate::support::eventually("ready", Duration::from_secs(20), || app.ready()).await;
    let standin = app.standin.as_ref().expect("stand-in");
    standin.refuse_connections_for(Duration::from_secs(3));
    crate::support::eventually(
        "not ready while the store is gone",
        Duration::from_secs(20),
        || async { !app.ready().await },
    )
    .await;
    crate::support::eventually(
        "ready again once it is back",
        Duration::from_secs(30),
        || app.ready(),
    )
    .await;
    app.create_flight("SK2").await;
    assert_eq!(app.flights().await.len(), 2);
    app.finish().await;
}
