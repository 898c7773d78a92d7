//! `GET /api/status`: the stores by kind, the log head and the checkpoint, live subscribers,
//! version and start time; behind the token like every /api route, and never a path or a
//! connection string.

use crate::support::{eventually, Stores, TestApp};
use flightdeck_backend::config::{EventsDb, Token};
use flightdeck_backend::event_store::{ExpectedRevision, NewEvent};
use flightdeck_backend::read_model::ReadDb;
use flightdeck_core::backend_status::{BackendStatus, EventStoreKind, ReadModelKind};
use std::time::Duration;
use uuid::Uuid;

on_each_store!(status_names_the_stores_and_how_far_each_has_come);

async fn status(app: &TestApp) -> BackendStatus {
    app.get("/api/status").await
}

async fn status_names_the_stores_and_how_far_each_has_come(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let flight = app.create_flight("ST1").await;
    app.add_passenger(flight, "Ann Lee").await;
    eventually(
        "the backend to be ready",
        Duration::from_secs(10),
        || async { status(&app).await.ready },
    )
    .await;
    let seen = status(&app).await;
    let (events, read) = match stores {
        Stores::Sqlite => (EventStoreKind::Sqlite, ReadModelKind::Sqlite),
        Stores::SqlitePostgres => (EventStoreKind::Sqlite, ReadModelKind::Postgres),
        Stores::EventStoreDbPostgres => (EventStoreKind::EventStoreDb, ReadModelKind::Postgres),
    };
    assert_eq!((seen.event_store, seen.read_model), (events, read));
    assert!(seen.log_position.is_some(), "{seen:?}");
    assert_eq!(seen.checkpoint, seen.log_position, "caught up: {seen:?}");
    assert_eq!(seen.lag(), 0);
    assert_eq!(seen.live_subscribers, 0);
    assert_eq!(seen.version, env!("CARGO_PKG_VERSION"));
    let started = chrono::DateTime::parse_from_rfc3339(&seen.started_at).expect("RFC 3339");
    assert!(started <= chrono::Utc::now(), "{}", seen.started_at);

    // Where the stores live is nobody's business but the operator's: not a path, not a URL.
    let body = app
        .client
        .get(app.url("/api/status"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    let mut secrets = vec!["://".to_owned()];
    match &app.config.events {
        EventsDb::Sqlite(path) => secrets.extend(path.parent().map(|d| d.display().to_string())),
        EventsDb::EventStoreDb(url) => secrets.push(url.clone()),
    }
    match &app.config.read_db {
        ReadDb::Sqlite(path) => secrets.push(path.display().to_string()),
        ReadDb::Postgres(url) => secrets.push(url.clone()),
    }
    for secret in &secrets {
        assert!(!body.contains(secret.as_str()), "'{secret}' in {body}");
    }
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_subscribers_are_counted_while_their_streams_are_open() {
    let Some(app) = TestApp::spawn(Stores::Sqlite).await else {
        return;
    };
    let open = |_: ()| {
        app.client
            .get(app.url("/api/auditlog/stream"))
            .header("accept", "text/event-stream")
            .send()
    };
    let first = open(()).await.expect("stream opens");
    let second = open(()).await.expect("stream opens");
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    assert_eq!(status(&app).await.live_subscribers, 2);
    drop(first);
    eventually(
        "a closed stream to stop counting",
        Duration::from_secs(10),
        || async { status(&app).await.live_subscribers == 1 },
    )
    .await;
    drop(second);
    app.finish().await;
}

/// An event the projection cannot read stops it there: the log head moves on, the checkpoint
/// stays, and the status says both (the console shows the difference as lag).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checkpoint_stays_behind_the_head_when_the_projection_stops() {
    let Some(app) = TestApp::spawn(Stores::Sqlite).await else {
        return;
    };
    app.create_flight("ST2").await;
    let before = status(&app).await;
    let applied = before.checkpoint.expect("one event applied");
    let store = app.open_event_store().await;
    store
        .append(
            &format!("flight-{}", Uuid::new_v4()),
            ExpectedRevision::NoStream,
            vec![NewEvent {
                event_id: Uuid::new_v4(),
                event_type: "FlightTeleported".into(),
                data: serde_json::json!({}),
            }],
        )
        .await
        .expect("appended");
    eventually(
        "the head to move past the checkpoint",
        Duration::from_secs(10),
        || async {
            let now = status(&app).await;
            now.log_position > Some(applied) && !now.ready
        },
    )
    .await;
    let stopped = status(&app).await;
    assert_eq!(stopped.checkpoint, Some(applied), "{stopped:?}");
    assert_eq!(stopped.lag(), 1, "{stopped:?}");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_is_behind_the_token() {
    let Some(app) =
        TestApp::spawn_with(Stores::Sqlite, |c| c.token = Some(Token::new("letmein"))).await
    else {
        return;
    };
    let without = app
        .client
        .get(app.url("/api/status"))
        .send()
        .await
        .expect("sent");
    assert_eq!(without.status(), 401);
    let with = app
        .client
        .get(app.url("/api/status"))
        .header("authorization", "Bearer letmein")
        .send()
        .await
        .expect("sent");
    assert_eq!(with.status(), 200);
    let seen: BackendStatus = with.json().await.expect("a status");
    assert_eq!(seen.event_store, EventStoreKind::Sqlite);
    app.finish().await;
}
