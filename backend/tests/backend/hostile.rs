//! A table of hostile requests: broken and deeply nested JSON, huge numbers, nulls, wrong types,
//! oversized bodies, control characters, injection strings, ids that are not UUIDs, unknown
//! routes and methods, a slow client. Never a 5xx, never a hang, never an append, always a
//! message that names the problem.

use crate::support::{Stores, TestApp};
use flightdeck_core::contract::Problem;
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const VALID_ID: &str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

/// Bodies no route should accept as a change.
fn hostile_bodies() -> Vec<(String, Vec<u8>)> {
    let text = |label: &str, body: String| (label.to_owned(), body.into_bytes());
    vec![
        text("unterminated object", "{".into()),
        text("lone brace", "}".into()),
        text("bare word", "nul".into()),
        text("a string", "\"flight\"".into()),
        text("a number", "123".into()),
        text("a boolean", "true".into()),
        text("an empty array", "[]".into()),
        text("an array of objects", "[{}]".into()),
        text("10,000 nested arrays", "[".repeat(10_000) + &"]".repeat(10_000)),
        text("10,000 nested objects", "{\"a\":".repeat(10_000) + "1" + &"}".repeat(10_000)),
        text("a number too large for f64", r#"{"origin": 1e999, "id": 1e999}"#.into()),
        text("a status beyond i64", format!(r#"{{"id": "{VALID_ID}", "status": 99999999999999999999999}}"#)),
        text("an id as a huge integer", r#"{"id": 123456789012345678901234567890}"#.into()),
        text("every field null", r#"{"id": null, "origin": null, "destination": null, "flightNumber": null, "name": null, "flightId": null, "status": null}"#.into()),
        text("SQL injection as an id", r#"{"id": "' OR 1=1 --", "flightId": "'; DROP TABLE flights; --"}"#.into()),
        text("a UUID with a statement after it", format!(r#"{{"id": "{VALID_ID}; DROP TABLE flights", "flightId": "{VALID_ID}' OR '1'='1"}}"#)),
        text("operator injection objects", r#"{"id": {"$ne": ""}, "origin": {"$gt": ""}, "name": {"$where": "1"}}"#.into()),
        ("invalid UTF-8".to_owned(), vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']),
        text("a byte-order mark", "\u{feff}{}".into()),
        text("control characters in every text field and no ids", "{\"origin\": \"\\u0000\", \"destination\": \"\\u001b[2J\", \"flightNumber\": \"\\u0007\", \"name\": \"\\u0000\", \"flightId\": null}".into()),
        text("wrong types everywhere", r#"{"id": [], "origin": 5, "destination": false, "flightNumber": {}, "name": 1.5, "flightId": true, "status": "3"}"#.into()),
    ]
}

fn body_routes() -> Vec<(Method, &'static str)> {
    vec![
        (Method::POST, "/api/flights"),
        (Method::PUT, "/api/flights"),
        (Method::DELETE, "/api/flights"),
        (Method::POST, "/api/passengers"),
        (Method::PUT, "/api/passengers"),
    ]
}

fn hostile_paths() -> Vec<(Method, String)> {
    let long = "a".repeat(10_000);
    vec![
        (Method::GET, "/api/flights/'%20OR%201=1%20--".into()),
        (Method::GET, "/api/flights/%00".into()),
        (Method::GET, "/api/flights/..%2F..%2Fetc%2Fpasswd".into()),
        (Method::GET, format!("/api/flights/{long}")),
        (
            Method::GET,
            "/api/passengers/flight/%3Cscript%3Ealert(1)%3C%2Fscript%3E".into(),
        ),
        (Method::GET, "/api/passengers/%F0%9F%9B%AB".into()),
        (Method::GET, format!("/api/flights/exists/{VALID_ID}x")),
        (Method::GET, "/api/auditlog/all?after=-1".into()),
        (
            Method::GET,
            "/api/auditlog/all?limit=99999999999999999999".into(),
        ),
        (Method::GET, "/api/auditlog/stream?from=abc".into()),
        (Method::GET, "/api/../../etc/passwd".into()),
        (Method::GET, "/api/flights/1/2/3".into()),
        (Method::PATCH, "/api/flights".into()),
        (Method::TRACE, "/api/flights".into()),
        (
            Method::from_bytes(b"BREW").expect("a method"),
            "/api/flights".into(),
        ),
        (Method::DELETE, "/api/passengers".into()),
        (Method::POST, "/health/live".into()),
    ]
}

async fn check(app: &TestApp, method: Method, path: &str, body: Option<Vec<u8>>, label: &str) {
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .timeout(Duration::from_secs(20))
        .header("content-type", "application/json");
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path} ({label}): no answer: {e}"));
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(
        !status.is_server_error(),
        "{method} {path} ({label}): {status} {text}"
    );
    if status.is_success() {
        // A command the domain refused: 200 with success false and a reason.
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path} ({label}): {text}"));
        assert_eq!(
            value["success"], false,
            "{method} {path} ({label}) was accepted: {text}"
        );
        assert!(
            value["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{label}: {text}"
        );
    } else {
        let problem: Problem = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("{method} {path} ({label}): {status} without a problem body ({e}): {text}")
        });
        assert_eq!(problem.status, status.as_u16());
        assert!(
            problem.detail.len() > 10,
            "{method} {path} ({label}): {:?} names nothing",
            problem.detail
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_never_5xx_hang_or_append() {
    let Some(app) = TestApp::spawn(Stores::Sqlite).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    app.add_passenger(flight, "Ann").await;
    let before = app.event_count().await;
    let mut count = 0;
    for (method, path) in body_routes() {
        for (label, body) in hostile_bodies() {
            check(&app, method.clone(), path, Some(body), &label).await;
            count += 1;
        }
    }
    for (method, path) in hostile_paths() {
        check(&app, method, &path, None, "hostile path").await;
        count += 1;
    }
    // 10 MB, declared and undeclared (chunked). The server answers 413 as soon as it knows, and
    // may close before a client has sent it all, so the declared case is read off the socket.
    let big = vec![b'x'; 10 * 1024 * 1024];
    for (method, path) in body_routes() {
        let (status, text) = app.raw_request(method.as_str(), path, &big).await;
        assert_eq!(status, 413, "{method} {path}: {text}");
        let chunks = futures_util::stream::iter(
            big.chunks(64 * 1024)
                .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
                .collect::<Vec<_>>(),
        );
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .body(reqwest::Body::wrap_stream(chunks))
            .send()
            .await;
        if let Ok(response) = response {
            assert_eq!(response.status(), 413, "{method} {path}, chunked");
        }
        count += 2;
    }
    assert!(count >= 100, "only {count} hostile requests");
    assert_eq!(
        app.event_count().await,
        before,
        "a hostile request appended something"
    );
    assert_eq!(app.flights().await.len(), 1);
    assert_eq!(app.passengers(flight).await.len(), 1);
    eprintln!("{count} hostile requests, none appended, none answered 5xx");
    app.finish().await;
}

#[tokio::test]
async fn a_slow_client_is_cut_off() {
    let Some(app) = TestApp::spawn_with(Stores::Sqlite, |c| {
        c.request_timeout = Duration::from_secs(1)
    })
    .await
    else {
        return;
    };
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    socket
        .write_all(b"POST /api/flights HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ori")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), socket.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        read.is_ok(),
        "the server held a slow client past its request timeout"
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(app.event_count().await, 0);
    app.finish().await;
}

#[tokio::test]
async fn injection_strings_in_valid_fields_are_stored_as_data() {
    let Some(app) = TestApp::spawn(Stores::Sqlite).await else {
        return;
    };
    let nasty = "Robert'); DROP TABLE flights;--";
    let created = app
        .post_flight(nasty, "<script>alert(1)</script>", "{{7*7}}")
        .await;
    assert!(created.success);
    let flight = app.flight(created.id).await;
    assert_eq!(flight.origin, nasty);
    assert_eq!(flight.destination, "<script>alert(1)</script>");
    assert_eq!(flight.flight_number, "{{7*7}}");
    assert_eq!(app.flights().await.len(), 1, "the flights table is intact");
    app.finish().await;
}
