//! With a token, /api answers only requests that carry it; health stays open. Live streams are
//! capped so no client can exhaust the backend.

use crate::support::{Stores, TestApp};
use flightdeck_backend::config::Token;
use flightdeck_core::contract::Problem;
use std::time::Duration;

#[tokio::test]
async fn a_token_guards_every_api_route_but_not_health() {
    let Some(app) =
        TestApp::spawn_with(Stores::Sqlite, |c| c.token = Some(Token::new("letmein"))).await
    else {
        return;
    };
    for (method, path) in [
        (reqwest::Method::GET, "/api/flights"),
        (reqwest::Method::POST, "/api/flights"),
        (reqwest::Method::GET, "/api/auditlog/all"),
        (reqwest::Method::GET, "/api/auditlog/stream"),
        (
            reqwest::Method::GET,
            "/api/passengers/3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        ),
    ] {
        for header in [
            None,
            Some("Bearer wrong"),
            Some("letmein"),
            Some("Basic letmein"),
        ] {
            let mut request = app.client.request(method.clone(), app.url(path)).body("{}");
            if let Some(h) = header {
                request = request.header("authorization", h);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{method} {path} with {header:?}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
            let problem: Problem = response.json().await.unwrap();
            assert!(
                problem.detail.contains("Authorization: Bearer"),
                "{}",
                problem.detail
            );
        }
    }
    assert_eq!(app.event_count().await, 0, "nothing got through");
    let ok = app
        .client
        .get(app.url("/api/flights"))
        .header("authorization", "Bearer letmein")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let created = app
        .client
        .post(app.url("/api/flights"))
        .header("authorization", "Bearer letmein")
        .json(&serde_json::json!({"origin": "ARN", "destination": "CPH", "flightNumber": "SK1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    assert_eq!(app.event_count().await, 1);
    let health = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    app.finish().await;
}

#[tokio::test]
async fn live_streams_are_capped() {
    let Some(app) = TestApp::spawn_with(Stores::Sqlite, |c| c.max_streams = 2).await else {
        return;
    };
    let open = || app.client.get(app.url("/api/auditlog/stream")).send();
    let first = open().await.unwrap();
    let second = open().await.unwrap();
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = open().await.unwrap();
    assert_eq!(third.status(), 503);
    let problem: Problem = third.json().await.unwrap();
    assert!(
        problem.detail.contains("too many live audit streams"),
        "{}",
        problem.detail
    );
    drop(first);
    crate::support::eventually(
        "a closed stream's place to free up",
        Duration::from_secs(20),
        || async { open().await.map(|r| r.status() == 200).unwrap_or(false) },
    )
    .await;
    drop(second);
    app.finish().await;
}
