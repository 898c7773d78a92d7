//! URLs checked, problems read, creates keyed, and answers taken as the backend means them.

use super::*;

#[test]
fn api_urls_are_checked() {
    let ep = Endpoints::from_api("http://localhost:5000/api/").unwrap();
    assert_eq!(ep.flights, "http://localhost:5000/api/flights");
    assert_eq!(ep.stream(), "http://localhost:5000/api/auditlog/stream");
    assert!(Endpoints::from_api("localhost:5000")
        .unwrap_err()
        .contains("expected an http:// URL (or https://)"));
    assert!(Endpoints::from_api("http://").is_err());
    assert!(Endpoints::from_api("https://").is_err());
    let ep = Endpoints::from_api("https://flights.example/api").unwrap();
    assert_eq!(ep.stream(), "https://flights.example/api/auditlog/stream");
}

#[test]
fn problems_are_read_or_quoted() {
    let body = r#"{"status":404,"title":"Not found","detail":"no flight 1"}"#;
    assert_eq!(problem_message(body), "Not found: no flight 1");
    assert_eq!(
        problem_message("  <html>\n oops </html>"),
        "<html> oops </html>"
    );
    assert_eq!(problem_message(""), "no details");
    let body = r#"{"status":401,"title":"Unauthorized","detail":"a bearer token is required"}"#;
    let err = status_error(401, body).to_string();
    assert!(err.contains(WANTS_TOKEN), "{err}");
    assert!(err.contains("a bearer token is required"), "{err}");
}

#[tokio::test]
async fn no_answer_is_said_in_plain_words() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let client =
        Client::new(Endpoints::from_api(&format!("http://127.0.0.1:{port}/api")).expect("url"))
            .expect("client");
    let err = client.flights().await.expect_err("nothing listens");
    assert_eq!(err.to_string(), "backend unreachable: connection refused");
}

/// A command recorded but not shown yet is taken as accepted: the reads that follow wait
/// for it, rather than the console calling the answer unreadable.
#[tokio::test]
async fn a_command_recorded_but_not_shown_yet_is_accepted() {
    let id = Uuid::from_u128(42);
    let recorded = move || async move {
        (
            axum::http::StatusCode::ACCEPTED,
            axum::Json(serde_json::json!({"status": 202, "title": "Accepted",
                "detail": "the command was recorded at position 7, but the read model has not shown it within 5s",
                "id": id})),
        )
    };
    let app = axum::Router::new()
        .route("/api/flights", axum::routing::post(recorded).put(recorded))
        .route("/api/passengers", axum::routing::put(recorded));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::new(Endpoints::from_api(&format!("http://{addr}/api")).expect("url"))
        .expect("client");
    assert_eq!(client.create_flight(&CreateFlight::default()).await, Ok(id));
    let update = UpdateFlight {
        id,
        origin: None,
        destination: Some("TRD".into()),
        flight_number: None,
        status: None,
    };
    assert_eq!(client.update_flight(&update).await, Ok(()));
}

/// Each create carries a key of its own, so a repeat of that request is safe and two
/// creates are never taken for one.
#[tokio::test]
async fn each_create_carries_its_own_idempotency_key() {
    use axum::http::HeaderMap;
    use std::sync::{Arc, Mutex};
    let keys = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = keys.clone();
    let created = move |headers: HeaderMap| {
        let seen = seen.clone();
        async move {
            if let Some(key) = headers.get("idempotency-key").and_then(|k| k.to_str().ok()) {
                seen.lock().expect("keys").push(key.to_owned());
            }
            axum::Json(Created::ok(Uuid::from_u128(7)))
        }
    };
    let app = axum::Router::new()
        .route("/api/flights", axum::routing::post(created.clone()))
        .route("/api/passengers", axum::routing::post(created));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::new(Endpoints::from_api(&format!("http://{addr}/api")).expect("url"))
        .expect("client");
    client
        .create_flight(&CreateFlight::default())
        .await
        .expect("created");
    client
        .create_flight(&CreateFlight::default())
        .await
        .expect("created");
    client
        .create_passenger(&CreatePassenger::default())
        .await
        .expect("created");
    let keys = keys.lock().expect("keys").clone();
    assert_eq!(keys.len(), 3, "every create sent a key: {keys:?}");
    assert!(keys.iter().all(|k| Uuid::parse_str(k).is_ok()), "{keys:?}");
    assert!(keys[0] != keys[1] && keys[1] != keys[2], "{keys:?}");
}
