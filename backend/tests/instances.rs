//! Two backends on one event store and one read model apply every event exactly once.
//! EventStoreDB cannot run here; the `esdb-standin` crate speaks its gRPC protocol.

mod support;

use flightdeck_core::contract::{Created, Flight, Passenger};
use flightdeck_core::flight::FlightState;
use flightdeck_core::{replay, Event};
use std::collections::BTreeMap;
use std::time::Duration;
use support::{Stores, TestApp};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_projection_standin() {
    let Some(app) = TestApp::spawn(Stores::EventStoreDbPostgres).await else {
        return;
    };
    let second = app.another_instance().await;
    let bases = [app.base.clone(), format!("http://{}", second.addr())];
    let client = app.client.clone();
    let operators: Vec<_> = (0..4)
        .map(|op| {
            let client = client.clone();
            let bases = bases.clone();
            tokio::spawn(async move {
                for n in 0..5 {
                    let base = &bases[(op + n) % 2];
                    let created: Created = client
                        .post(format!("{base}/api/flights"))
                        .json(&serde_json::json!({"origin": "ARN", "destination": "CPH", "flightNumber": format!("OP{op}-{n}")}))
                        .send().await.unwrap().json().await.unwrap();
                    assert!(created.success, "{:?}", created.error);
                    for name in ["Ann", "Bo"] {
                        let other = &bases[(op + n + 1) % 2];
                        let p: Created = client
                            .post(format!("{other}/api/passengers"))
                            .json(&serde_json::json!({"name": name, "flightId": created.id}))
                            .send().await.unwrap().json().await.unwrap();
                        assert!(p.success, "{:?}", p.error);
                        let board = client
                            .put(format!("{base}/api/passengers"))
                            .json(&serde_json::json!({"id": p.id, "status": 2}))
                            .send().await.unwrap();
                        assert_eq!(board.status(), 200);
                    }
                }
            })
        })
        .collect();
    for operator in operators {
        operator.await.expect("operator");
    }
    support::eventually(
        "the read model to catch up",
        Duration::from_secs(30),
        || app.ready(),
    )
    .await;

    // The read model must equal a replay of the log.
    let log = app.log().await;
    let mut streams: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    for recorded in &log {
        let event = Event::decode(&recorded.event_type, recorded.data.clone()).expect("decodes");
        streams
            .entry(recorded.stream.clone())
            .or_default()
            .push(event);
    }
    let mut expected_flights: Vec<Flight> = Vec::new();
    let mut expected_passengers: BTreeMap<Uuid, Vec<Passenger>> = BTreeMap::new();
    for events in streams.values() {
        if let FlightState::Active(f) = replay(events) {
            expected_flights.push(Flight {
                id: f.id,
                origin: f.details.origin.clone(),
                destination: f.details.destination.clone(),
                flight_number: f.details.flight_number.clone(),
                status: f.status,
                passenger_count: Some(f.passengers.len() as u32),
                boarded_count: Some(f.boarded() as u32),
            });
            expected_passengers.insert(
                f.id,
                f.passengers
                    .iter()
                    .map(|p| Passenger {
                        id: p.id,
                        flight_id: f.id,
                        name: p.name.clone(),
                        status: p.status,
                    })
                    .collect(),
            );
        }
    }
    let mut flights = app.flights().await;
    flights.sort_by_key(|f| f.id);
    expected_flights.sort_by_key(|f| f.id);
    assert_eq!(flights, expected_flights);
    assert_eq!(flights.len(), 20);
    for (id, expected) in &expected_passengers {
        assert_eq!(&app.passengers(*id).await, expected);
    }
    let audit = app.audit().await;
    let audit_positions: Vec<_> = audit.iter().map(|e| e.position.unwrap()).collect();
    let log_positions: Vec<_> = log.iter().map(|e| e.position).collect();
    assert_eq!(
        audit_positions, log_positions,
        "every event in the audit log exactly once, in order"
    );
    second.shutdown().await;
    app.finish().await;
}
