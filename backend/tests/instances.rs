//! Two backends on one event store and one read model apply every event exactly once.
//! EventStoreDB cannot run here; the `esdb-standin` crate speaks its gRPC protocol.

mod support;

use flightdeck_backend::read_model::ReadModel;
use flightdeck_backend::verify::verify;
use flightdeck_core::contract::Created;
use std::time::Duration;
use support::{Stores, TestApp};

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
