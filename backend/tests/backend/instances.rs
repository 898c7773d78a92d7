//! Two backends on one event store and one read model apply every event exactly once.
//! EventStoreDB cannot run here; the `esdb-standin` crate speaks its gRPC protocol.

use crate::support::{Stores, TestApp};
use flightdeck_backend::read_model::ReadModel;
use flightdeck_backend::verify::verify;
use flightdeck_core::contract::{Created, Outcome};
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

on_each_store!(a_command_never_rests_on_what_another_instance_changed);

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Value,
) -> Value {
    let answer = client.request(method, &url).json(&body).send().await;
    answer.expect("request").json().await.expect("JSON answer")
}

/// Each backend remembers the flights it wrote last, to skip reading their streams. Another
/// instance's writes make that memory stale: an append on it must conflict and be retried from
/// the log, and a refusal must be checked against the log before it is given.
async fn a_command_never_rests_on_what_another_instance_changed(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let second = app.another_instance().await;
    let (a, b) = (app.base.clone(), format!("http://{}", second.addr()));
    let client = app.client.clone();
    let post_passenger = |base: String, flight: Uuid, name: &'static str| {
        let client = client.clone();
        async move {
            let body = json!({"name": name, "flightId": flight});
            let created: Created = serde_json::from_value(
                send(
                    &client,
                    reqwest::Method::POST,
                    format!("{base}/api/passengers"),
                    body,
                )
                .await,
            )
            .expect("Created");
            assert!(created.success, "add {name}: {:?}", created.error);
            created.id
        }
    };

    // A writes the flight and remembers it; B boards everyone, so the flight is All boarded.
    let flight = app.create_flight("SK1").await;
    let ann = post_passenger(a.clone(), flight, "Ann").await;
    let bo = post_passenger(a.clone(), flight, "Bo").await;
    for (id, name) in [(ann, "Ann"), (bo, "Bo")] {
        let body = json!({"id": id, "flightId": flight, "name": name, "status": 2});
        let outcome = send(
            &client,
            reqwest::Method::PUT,
            format!("{b}/api/passengers"),
            body,
        )
        .await;
        assert_eq!(
            outcome["success"],
            json!(true),
            "board {name} on B: {outcome}"
        );
    }

    // A still remembers the flight waiting for boarding: a refusal from that memory would be
    // wrong. Disembarking must succeed.
    let flight_body = |status: i64| json!({"id": flight, "origin": "ARN", "destination": "CPH", "flightNumber": "SK1", "status": status});
    let outcome: Outcome = serde_json::from_value(
        send(
            &client,
            reqwest::Method::PUT,
            format!("{a}/api/flights"),
            flight_body(3),
        )
        .await,
    )
    .expect("Outcome");
    assert!(outcome.success, "disembark on A: {:?}", outcome.error);

    // A second flight: B checks in a passenger after A's last write, so A's revision is stale.
    let other = app.create_flight("SK2").await;
    post_passenger(a.clone(), other, "Cy").await;
    post_passenger(b.clone(), other, "Di").await;
    post_passenger(a.clone(), other, "Ed").await;
    crate::support::eventually(
        "both instances' writes to show",
        Duration::from_secs(10),
        || async { app.passengers(other).await.len() == 3 },
    )
    .await;
    let recorded = app
        .open_event_store()
        .await
        .read_stream(&flightdeck_core::event::stream_name(other))
        .await
        .expect("read the stream");
    assert_eq!(
        recorded.len(),
        4,
        "created and three check-ins, nothing lost or doubled"
    );
    assert_eq!(
        app.flight(flight).await.status,
        flightdeck_core::FlightStatus::Disembarked
    );
    second.shutdown().await;
    app.finish().await;
}

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
    crate::support::eventually(
        "the read model to catch up",
        Duration::from_secs(30),
        || app.ready(),
    )
    .await;

    // The read model must equal a replay of the log.
    let read_model = ReadModel::open(&app.config.read_db)
        .await
        .expect("read model");
    let store = app.open_event_store().await;
    let report = verify(store.as_ref(), &read_model)
        .await
        .expect("verify runs");
    assert_eq!(report.differences, Vec::<String>::new());
    assert_eq!(report.pending, 0);
    assert_eq!(report.events as i64, app.event_count().await);
    assert_eq!(app.flights().await.len(), 20);
    second.shutdown().await;
    app.finish().await;
}
