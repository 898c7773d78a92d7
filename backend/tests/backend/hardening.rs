//! What a demanding user met by trying what the other tests do not: connections that dawdle, a
//! log with an unreadable event, a command outliving the request timeout, a damaged read model,
//! `verify` on the wrong directory, odd text and odd requests. Each test is named after what it
//! guards.

use crate::support::{eventually, Stores, TestApp};
use flightdeck_backend::config::{EventsDb, Token};
use flightdeck_backend::read_model::ReadDb;
use flightdeck_core::contract::{Created, Outcome, Problem};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, SqliteConnection};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

on_each_store!(
    a_put_naming_one_field_changes_only_that_field,
    moving_a_passenger_is_refused,
    text_is_stored_composed_and_invisible_characters_are_refused,
    whole_audit_lists_are_streamed_and_complete
);

const BACKEND: &str = env!("CARGO_BIN_EXE_flightdeck-backend");

fn sqlite_path(app: &TestApp) -> (PathBuf, PathBuf) {
    match (&app.config.events, &app.config.read_db) {
        (EventsDb::Sqlite(events), ReadDb::Sqlite(read)) => (events.clone(), read.clone()),
        _ => panic!("this test runs on the embedded stores"),
    }
}

async fn sqlite(path: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("open SQLite file")
}

/// The real binary's one-off task `args` on the embedded stores in `data_dir`, whatever the
/// environment says about other stores.
fn task(args: &[&str], data_dir: &Path) -> std::process::Output {
    Command::new(BACKEND)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("EVENTSTORE_URL")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap_or_else(|e| panic!("{args:?} runs: {e}"))
}

async fn problem(response: reqwest::Response) -> (u16, Problem) {
    let status = response.status().as_u16();
    let problem = response.json().await.expect("a problem body");
    (status, problem)
}

/// True once the server has closed `socket` (a read finds the end, or an error).
async fn closed_by_server(socket: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_millis(10), socket.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

// 1. Connections that send nothing, or their headers a line at a time, are closed; the health
//    routes answer meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dawdling_connections_are_closed_and_health_still_answers() {
    let Some(app) = TestApp::spawn_with(Stores::Sqlite, |c| {
        c.request_timeout = Duration::from_secs(2)
    })
    .await
    else {
        return;
    };
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut silent = Vec::new();
    let mut slow = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(&address).await.expect("connect"));
        let mut socket = TcpStream::connect(&address).await.expect("connect");
        socket
            .write_all(b"GET /api/flights HTTP/1.1\r\n")
            .await
            .expect("first line");
        slow.push(socket);
    }
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .expect("health answers");
    assert_eq!(live.status(), 200);
    // One more header line now and then: each arrives well within any per-read timeout, the
    // head as a whole never does.
    let trickle = async {
        for n in 0..8 {
            for socket in &mut slow {
                let _ = socket
                    .write_all(format!("X-Slow-{n}: 1\r\n").as_bytes())
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    trickle.await;
    for (what, sockets) in [("a silent", &mut silent), ("a slow-header", &mut slow)] {
        for socket in sockets.iter_mut() {
            assert!(
                tokio::time::timeout(Duration::from_secs(15), async {
                    while !closed_by_server(socket).await {}
                })
                .await
                .is_ok(),
                "{what} connection was left open"
            );
        }
    }
    app.finish().await;
}

// 1. Past the cap, a new connection waits until one closes; it is then served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_a_new_connection_waits_for_a_free_one() {
    let Some(app) = TestApp::spawn_with(Stores::Sqlite, |c| {
        c.request_timeout = Duration::from_secs(2);
        c.max_connections = 2;
    })
    .await
    else {
        return;
    };
    let address = app.base.trim_start_matches("http://").to_owned();
    let request = b"GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n";
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut socket = TcpStream::connect(&address).await.expect("connect");
        socket.write_all(request).await.expect("request");
        let mut answer = [0u8; 12];
        socket.read_exact(&mut answer).await.expect("answered");
        assert_eq!(&answer, b"HTTP/1.1 200");
        held.push(socket); // kept alive, idle
    }
    let mut third = TcpStream::connect(&address)
        .await
        .expect("the kernel queues it");
    third.write_all(request).await.expect("request");
    let mut answer = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(15), third.read_exact(&mut answer))
        .await
        .expect("served once a slot frees")
        .expect("an answer");
    assert_eq!(&answer, b"HTTP/1.1 200");
    let mut closed = 0;
    for socket in &mut held {
        closed += usize::from(closed_by_server(socket).await);
    }
    assert!(
        closed >= 1,
        "the third was served while both others were still open: the cap did not hold"
    );
    app.finish().await;
}

// 2. One unreadable event stops the projection at it, visibly, until an operator parks it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_event_stops_the_projection_until_it_is_parked() {
    let Some(mut app) = TestApp::spawn(Stores::Sqlite).await else {
        return;
    };
    let first = app.create_flight("OK1").await;
    let second = app.create_flight("BAD2").await;
    let third = app.create_flight("OK3").await;
    app.stop().await;
    let (events, _) = sqlite_path(&app);
    let mut log = sqlite(&events).await;
    let bad: i64 = sqlx::query_scalar("SELECT position FROM events WHERE stream = ?")
        .bind(format!("flight-{second}"))
        .fetch_one(&mut log)
        .await
        .expect("the second flight's event");
    log.execute(format!("UPDATE events SET data = '{{not json' WHERE position = {bad}").as_str())
        .await
        .expect("damage one row");
    drop(log);

    app.restart(true).await;
    eventually(
        "the projection to stop at the bad row",
        Duration::from_secs(10),
        || async {
            let response = app
                .client
                .get(app.url("/health/ready"))
                .send()
                .await
                .expect("sent");
            let body: Value = response.json().await.unwrap_or_default();
            body["reason"]
                .as_str()
                .is_some_and(|r| r.contains(&format!("stopped at position {bad}")))
        },
    )
    .await;
    let ready: Value = app.get_any("/health/ready").await;
    let reason = ready["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(&format!("flight-{second}")), "{reason}");
    assert!(reason.contains("not JSON"), "{reason}");
    assert_eq!(
        app.flight(first).await.flight_number,
        "OK1",
        "what precedes it is applied"
    );
    let missing = app
        .client
        .get(app.url(&format!("/api/flights/{third}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), 404, "nothing after it is applied");

    let before = app.event_count().await;
    let refused = app
        .send(
            reqwest::Method::POST,
            "/api/flights",
            json!({"origin": "A", "destination": "B", "flightNumber": "NEW"}),
        )
        .await;
    let (status, problem) = problem(refused).await;
    assert_eq!(status, 503);
    assert!(
        problem.detail.starts_with("nothing was written"),
        "{}",
        problem.detail
    );
    assert!(
        problem.detail.contains(&format!("position {bad}")),
        "{}",
        problem.detail
    );
    assert_eq!(app.event_count().await, before, "refused before its append");

    // Readable events cannot be parked; the unreadable one can, with the real binary.
    let data_dir = events.parent().expect("data dir").to_owned();
    let park = |position: i64| task(&["park", &position.to_string()], &data_dir);
    let readable = park(bad + 1);
    assert!(!readable.status.success());
    assert!(String::from_utf8_lossy(&readable.stderr).contains("can be read"));
    let parked = park(bad);
    assert!(
        parked.status.success(),
        "{}",
        String::from_utf8_lossy(&parked.stderr)
    );

    eventually(
        "the projection to go past the parked event",
        Duration::from_secs(15),
        || app.ready(),
    )
    .await;
    assert_eq!(app.flight(third).await.flight_number, "OK3");
    let audit = app.audit().await;
    let entry = audit
        .iter()
        .find(|e| e.position == Some(bad as u64))
        .expect("the parked event is in the audit log");
    assert_eq!(entry.meta_data.event_name, "Parked: not applied");
    app.create_flight("NEW").await;

    let verify = task(&["verify"], &data_dir);
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{report}");
    assert!(
        report.contains(&format!("PARKED: position {bad}")),
        "{report}"
    );
    app.finish().await;
}

// 2. An event type this version does not know stops the projection the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_event_type_stops_the_projection_too() {
    let Some(mut app) = TestApp::spawn(Stores::Sqlite).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    app.add_passenger(flight, "Ann").await;
    app.stop().await;
    let (events, _) = sqlite_path(&app);
    let mut log = sqlite(&events).await;
    log.execute("UPDATE events SET event_type = 'PassengerTeleported' WHERE revision = 1")
        .await
        .expect("rename a type");
    drop(log);
    app.restart(true).await;
    eventually(
        "the projection to stop at the unknown type",
        Duration::from_secs(10),
        || async {
            let ready: Value = app.get_any("/health/ready").await;
            ready["reason"]
                .as_str()
                .is_some_and(|r| r.contains("PassengerTeleported"))
        },
    )
    .await;
    assert_eq!(app.passengers(flight).await.len(), 0);
    app.finish().await;
}

// 3. A command whose append is done is answered for what it is, never cut by the request
//    timeout; a create repeated with its Idempotency-Key is answered as the first and writes
//    nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_command_is_never_cut_and_a_keyed_repeat_writes_nothing() {
    let Some(app) = TestApp::spawn_with(Stores::Sqlite, |c| {
        c.request_timeout = Duration::from_secs(1);
        c.read_your_writes = Duration::from_secs(2);
    })
    .await
    else {
        return;
    };
    app.create_flight("WARM").await;
    let (_, read) = sqlite_path(&app);
    // Another writer holds the read model: the projection waits, the log does not.
    let mut blocker = sqlite(&read).await;
    blocker
        .execute("BEGIN EXCLUSIVE")
        .await
        .expect("lock the read model");
    let before = app.event_count().await;
    let body = json!({"origin": "OSL", "destination": "BGO", "flightNumber": "KEY1"});
    let create = || {
        app.client
            .post(app.url("/api/flights"))
            .header("idempotency-key", "5b0e8d4c-create-key1")
            .json(&body)
            .send()
    };
    let first = create().await.expect("answered");
    assert_eq!(
        first.status(),
        202,
        "recorded, not shown yet: neither 408 nor success"
    );
    let answer: Value = first.json().await.expect("body");
    assert!(
        answer["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("was recorded at position"),
        "{answer}"
    );
    let id = answer["id"].as_str().expect("the new id").to_owned();
    assert_eq!(app.event_count().await, before + 1);
    blocker.execute("ROLLBACK").await.expect("release");
    drop(blocker);
    // The projection backs off while it cannot write; a client repeats once it is ready again.
    eventually("the projection to recover", Duration::from_secs(15), || {
        app.ready()
    })
    .await;

    let repeat = create()
        .await
        .expect("answered")
        .text()
        .await
        .expect("body");
    let repeat: Created = serde_json::from_str(&repeat).unwrap_or_else(|e| panic!("{e}: {repeat}"));
    assert!(repeat.success, "{repeat:?}");
    assert_eq!(repeat.id.to_string(), id, "the first answer's id");
    assert_eq!(
        app.event_count().await,
        before + 1,
        "the repeat wrote nothing"
    );
    assert_eq!(app.flight(repeat.id).await.flight_number, "KEY1");

    let other = app
        .client
        .post(app.url("/api/flights"))
        .header("idempotency-key", "5b0e8d4c-create-key1")
        .json(&json!({"origin": "OSL", "destination": "BGO", "flightNumber": "OTHER"}))
        .send()
        .await
        .expect("answered");
    let (status, problem) = problem(other).await;
    assert_eq!(status, 422);
    assert!(
        problem.detail.contains("different request"),
        "{}",
        problem.detail
    );

    // The same for a passenger's check-in.
    let flight = app.create_flight("PAX").await;
    let add = || {
        app.client
            .post(app.url("/api/passengers"))
            .header("idempotency-key", "pax-key")
            .json(&json!({"name": "Ann", "flightId": flight}))
            .send()
    };
    let first: Created = add()
        .await
        .expect("answered")
        .json()
        .await
        .expect("Created");
    let again: Created = add()
        .await
        .expect("answered")
        .json()
        .await
        .expect("Created");
    assert!(first.success && again.success);
    assert_eq!(first.id, again.id);
    assert_eq!(app.passengers(flight).await.len(), 1);
    app.finish().await;
}

// 4. A passenger's PUT naming another flight is refused; it never renames silently.
async fn moving_a_passenger_is_refused(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let here = app.create_flight("HERE").await;
    let there = app.create_flight("THERE").await;
    let ann = app.add_passenger(here, "Ann").await;
    for flight_id in [
        there.to_string(),
        uuid::Uuid::new_v4().to_string(),
        uuid::Uuid::nil().to_string(),
    ] {
        let answer = app
            .put_passenger(json!({"id": ann, "flightId": flight_id, "name": "Ann Renamed"}))
            .await;
        assert!(!answer.success);
        assert!(
            answer
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("passengers cannot move between flights"),
            "{answer:?}"
        );
    }
    let passenger = app.passenger(ann).await;
    assert_eq!(
        (passenger.flight_id, passenger.name.as_str()),
        (here, "Ann")
    );
    let same = app
        .put_passenger(json!({"id": ann, "flightId": here, "name": "Ann Lee"}))
        .await;
    assert_eq!(same, Outcome::ok(), "its own flight is no move");
    app.finish().await;
}

// 13. A PUT that names one field leaves the others; refusals name the rule actually broken.
async fn a_put_naming_one_field_changes_only_that_field(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let created = app.post_flight("ARN", "CPH", "SK1").await;
    let flight = created.id;
    assert_eq!(
        app.put_flight(json!({"id": flight, "origin": "OSL"})).await,
        Outcome::ok()
    );
    let stored = app.flight(flight).await;
    assert_eq!(
        (
            stored.origin.as_str(),
            stored.destination.as_str(),
            stored.flight_number.as_str()
        ),
        ("OSL", "CPH", "SK1")
    );
    let ann = app.add_passenger(flight, "Ann").await;
    app.add_passenger(flight, "Bo").await;
    assert!(app.board(ann).await.success);
    let back = app.put_passenger(json!({"id": ann, "status": 1})).await;
    assert_eq!(
        back.error.as_deref(),
        Some("passenger Ann cannot go back to Checked in: they are Boarded")
    );
    app.finish().await;
}

// 12. Text is stored in NFC, so a rename between forms changes nothing; format characters are
//     refused like control characters.
async fn text_is_stored_composed_and_invisible_characters_are_refused(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    let zoe = app.add_passenger(flight, "Zoe\u{0308}").await;
    assert_eq!(app.passenger(zoe).await.name, "Zo\u{00EB}");
    let events = app.event_count().await;
    let same = app
        .put_passenger(json!({"id": zoe, "name": "Zo\u{00EB}"}))
        .await;
    assert_eq!(same, Outcome::ok());
    assert_eq!(
        app.event_count().await,
        events,
        "the same text records nothing"
    );
    for (origin, found) in [
        ("\u{200B}", "U+200B"),
        ("OSL\u{202E}", "U+202E"),
        ("\u{FEFF}OSL", "U+FEFF"),
    ] {
        let refused = app.post_flight(origin, "BGO", "X1").await;
        assert!(!refused.success);
        assert_eq!(
            refused.error.as_deref(),
            Some(
                format!("origin contains a control character ({found}); use printable text")
                    .as_str()
            )
        );
    }
    assert_eq!(app.event_count().await, events);
    app.finish().await;
}

// 5/8. Whole lists are written as they are read, each complete, many at once.
async fn whole_audit_lists_are_streamed_and_complete(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    for n in 0..30 {
        app.add_passenger(flight, &format!("P{n}")).await;
    }
    let expected = app.audit().await;
    assert_eq!(expected.len(), 31);
    let reads = (0..12).map(|_| async {
        let response = app
            .client
            .get(app.url("/api/auditlog/all"))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        assert!(
            response.headers().get("content-length").is_none(),
            "streamed, not built whole first"
        );
        response
            .json::<Vec<flightdeck_core::contract::AuditEntry>>()
            .await
            .expect("a JSON list")
    });
    for list in futures_util::future::join_all(reads).await {
        assert_eq!(list, expected);
    }
    let flights: Vec<Value> = app.get("/api/auditlog/flights").await;
    assert_eq!(flights.len(), 1);
    let page: Vec<Value> = app
        .get(&format!(
            "/api/auditlog/passengers?after={}&limit=5",
            expected[0].position.unwrap_or(0)
        ))
        .await;
    assert_eq!(page.len(), 5);
    let empty: Vec<Value> = app.get("/api/auditlog/all?limit=0").await;
    assert!(empty.is_empty());
    app.finish().await;
}

// 6. A read model missing a table is not ready, and --rebuild repairs it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_read_model_is_not_ready_and_rebuild_repairs_it() {
    let Some(mut app) = TestApp::spawn(Stores::Sqlite).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    app.add_passenger(flight, "Ann").await;
    let (_, read) = sqlite_path(&app);
    sqlite(&read)
        .await
        .execute("DROP TABLE passengers")
        .await
        .expect("damage");
    let ready: Value = app.get_any("/health/ready").await;
    assert!(
        ready["reason"]
            .as_str()
            .is_some_and(|r| r.contains("schema is damaged") && r.contains("passengers")),
        "{ready}"
    );
    app.restart(true).await;
    eventually(
        "the rebuilt read model to be ready",
        Duration::from_secs(10),
        || app.ready(),
    )
    .await;
    assert_eq!(app.passengers(flight).await[0].name, "Ann");
    app.finish().await;
}

// 7. `verify` calls a missing read model a difference, and creates nothing where there is no log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_a_missing_read_model_and_creates_nothing_in_a_wrong_directory() {
    let Some(mut app) = TestApp::spawn(Stores::Sqlite).await else {
        return;
    };
    app.create_flight("SK1").await;
    app.stop().await;
    let (events, read) = sqlite_path(&app);
    let data_dir = events.parent().expect("data dir").to_owned();
    let verify = |dir: &Path| task(&["verify"], dir);
    let fine = verify(&data_dir);
    assert!(
        fine.status.success(),
        "{}",
        String::from_utf8_lossy(&fine.stdout)
    );
    for file in ["read.db", "read.db-wal", "read.db-shm"] {
        let _ = std::fs::remove_file(data_dir.join(file));
    }
    assert!(!read.exists());
    let missing = verify(&data_dir);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stdout).contains("DIFFERENCE: there is no read model"));
    let mistyped = data_dir.join("no-such-dir");
    let wrong = verify(&mistyped);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("there is no event log"));
    assert!(!mistyped.exists(), "nothing was created");
    let help = Command::new(BACKEND)
        .args(["verify", "--help"])
        .output()
        .expect("help");
    assert!(String::from_utf8_lossy(&help.stdout).contains("--data-dir"));
    app.finish().await;
}

// 9. The bearer scheme is case-insensitive; without the token, no /api answer maps the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_guards_unknown_routes_and_takes_any_case_of_bearer() {
    let Some(app) =
        TestApp::spawn_with(Stores::Sqlite, |c| c.token = Some(Token::new("s3cret"))).await
    else {
        return;
    };
    for (method, path) in [
        (reqwest::Method::GET, "/api/no-such-route"),
        (reqwest::Method::PATCH, "/api/flights"),
        (reqwest::Method::GET, "/api"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 401, "{method} {path}");
    }
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = app
            .client
            .get(app.url("/api/flights"))
            .header("authorization", format!("{scheme} s3cret"))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "{scheme}");
    }
    let unknown = app
        .client
        .get(app.url("/api/no-such-route"))
        .header("authorization", "Bearer s3cret")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        unknown.status(),
        404,
        "with the token, routing answers as usual"
    );
    app.finish().await;
}

// 10/11. Bodies not declared JSON get a 415; a field sent twice in two cases gets a 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_must_be_declared_json_and_name_each_field_once() {
    let Some(app) = TestApp::spawn(Stores::Sqlite).await else {
        return;
    };
    let before = app.event_count().await;
    let body = r#"{"origin":"A","destination":"B","flightNumber":"X"}"#;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = app.client.post(app.url("/api/flights")).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let (status, problem) = problem(request.send().await.expect("sent")).await;
        assert_eq!(status, 415, "{content_type:?}");
        assert!(
            problem.detail.contains("application/json"),
            "{}",
            problem.detail
        );
    }
    for body in [
        r#"{"flightNumber":"FIRST","FLIGHTNUMBER":"LAST","origin":"A","destination":"B"}"#,
        r#"{"FLIGHTNUMBER":"LAST","flightNumber":"FIRST","origin":"A","destination":"B"}"#,
    ] {
        let response = app
            .client
            .post(app.url("/api/flights"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("sent");
        let (status, problem) = problem(response).await;
        assert_eq!(status, 400);
        assert!(
            problem.detail.starts_with("flightNumber is given twice"),
            "{}",
            problem.detail
        );
    }
    assert_eq!(app.event_count().await, before, "nothing was written");
    app.finish().await;
}

// 14. Answers the server writes itself have the problem body: a 408 for a request too slow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_too_slow_gets_a_408_with_a_problem_body() {
    let Some(app) = TestApp::spawn_with(Stores::Sqlite, |c| {
        c.request_timeout = Duration::from_secs(1)
    })
    .await
    else {
        return;
    };
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut socket = TcpStream::connect(&address).await.expect("connect");
    socket
        .write_all(b"POST /api/flights HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        .await
        .expect("a head and a byte of body");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_string(&mut answer))
        .await
        .expect("answered in time")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    let problem: Problem = serde_json::from_str(body).expect("a problem body");
    assert_eq!(problem.status, 408);
    assert!(
        problem.detail.contains("nothing was written"),
        "{}",
        problem.detail
    );
    app.finish().await;
}

// The error edge: a store's own text (SQL, table and column names, hosts) never reaches a
// client; the answer carries a reference, and the log line with the details carries the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_errors_reach_the_log_not_the_client() {
    let Some((url, name)) = crate::support::fresh_postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut backend = tokio::process::Command::new(BACKEND)
        .args(["--bind", "127.0.0.1:0", "--read-db", &url, "--data-dir"])
        .arg(dir.path())
        .env_remove("EVENTSTORE_URL")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the backend starts");
    let mut stdout = tokio::io::BufReader::new(backend.stdout.take().expect("stdout"));
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        tokio::io::AsyncBufReadExt::read_line(&mut stdout, &mut line),
    )
    .await
    .expect("listening in time")
    .expect("a line");
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .expect("the address")
        .trim_end_matches("/api")
        .to_owned();
    let client = reqwest::Client::new();
    let ok = client
        .get(format!("{base}/api/flights"))
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status(), 200);

    let mut pg = sqlx::PgConnection::connect(&url).await.expect("connect");
    pg.execute("ALTER TABLE flights RENAME COLUMN origin TO origin_renamed")
        .await
        .expect("break the read model");
    let broken = client
        .get(format!("{base}/api/flights"))
        .send()
        .await
        .expect("sent");
    assert!(broken.status().is_server_error(), "{}", broken.status());
    let (_, problem) = problem(broken).await;
    for secret in ["origin", "flights", "column", "SELECT", "postgres", &name] {
        assert!(
            !problem.detail.contains(secret),
            "the answer leaks {secret:?}: {}",
            problem.detail
        );
    }
    let reference = problem
        .detail
        .rsplit(' ')
        .next()
        .expect("a reference")
        .to_owned();
    assert_eq!(reference.len(), 12, "{}", problem.detail);

    backend.start_kill().expect("stop the backend");
    let mut log = String::new();
    backend
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .await
        .expect("read the log");
    let line = log
        .lines()
        .find(|l| l.contains(&reference))
        .unwrap_or_else(|| panic!("no log line carries {reference}: {log}"));
    assert!(line.contains("origin"), "the log has the details: {line}");
    drop(pg);
    if let Ok(mut admin) = sqlx::PgConnection::connect(&crate::support::postgres_admin_url()).await
    {
        let _ = admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await;
    }
}
