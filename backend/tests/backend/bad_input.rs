//! Malformed requests get a 4xx that names the problem, in the same JSON form, and append
//! nothing; no client mistake yields a 5xx.

use crate::support::{Stores, TestApp};
use flightdeck_core::contract::Problem;
use reqwest::Method;

on_each_store!(
    malformed_requests_are_named_and_change_nothing,
    cors_answers_any_origin
);

struct Case {
    method: Method,
    path: &'static str,
    body: Option<String>,
    status: u16,
    /// Words the answer's detail must contain.
    names: &'static str,
}

fn case(
    method: Method,
    path: &'static str,
    body: Option<String>,
    status: u16,
    names: &'static str,
) -> Case {
    Case {
        method,
        path,
        body,
        status,
        names,
    }
}

fn cases() -> Vec<Case> {
    use Method as M;
    let json = |s: &str| Some(s.to_owned());
    vec![
        case(M::POST, "/api/flights", json("{"), 400, "not valid JSON"),
        case(M::POST, "/api/flights", json(""), 400, "body is empty"),
        case(M::POST, "/api/flights", json("[]"), 400, "not an array"),
        case(M::POST, "/api/flights", json("null"), 400, "not null"),
        case(
            M::POST,
            "/api/flights",
            json(r#"{"origin": 1}"#),
            400,
            "origin: invalid type: integer",
        ),
        case(
            M::POST,
            "/api/flights",
            json(r#"{"origin": ["ARN"]}"#),
            400,
            "origin: invalid type: sequence",
        ),
        case(
            M::PUT,
            "/api/flights",
            json(r#"{"origin": "A"}"#),
            400,
            "missing field `id`",
        ),
        case(
            M::PUT,
            "/api/flights",
            json(r#"{"id": "not-a-uuid"}"#),
            400,
            "id: UUID parsing failed",
        ),
        case(
            M::PUT,
            "/api/flights",
            json(r#"{"id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "status": "3"}"#),
            400,
            "status: invalid type: string",
        ),
        case(
            M::PUT,
            "/api/flights",
            json(r#"{"id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "status": 1e40}"#),
            400,
            "status: invalid type: floating point",
        ),
        case(M::DELETE, "/api/flights", None, 400, "body is empty"),
        case(
            M::POST,
            "/api/passengers",
            json(r#"{"name": "A", "flightId": 7}"#),
            400,
            "flightId: invalid type: integer",
        ),
        case(
            M::PUT,
            "/api/passengers",
            json(r#"{"id": null}"#),
            400,
            "id: invalid type: null",
        ),
        case(
            M::POST,
            "/api/flights",
            Some(format!(r#"{{"origin": "{}"}}"#, "x".repeat(70 * 1024))),
            413,
            "larger than 65536 bytes",
        ),
        case(
            M::POST,
            "/api/flights",
            Some("[".repeat(5000)),
            400,
            "not valid JSON",
        ),
        case(
            M::GET,
            "/api/flights/not-a-uuid",
            None,
            400,
            "'not-a-uuid' is not an id",
        ),
        case(
            M::GET,
            "/api/passengers/flight/1234",
            None,
            400,
            "'1234' is not an id",
        ),
        case(
            M::GET,
            "/api/flights/3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            None,
            404,
            "does not exist",
        ),
        case(
            M::GET,
            "/api/passengers/3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            None,
            404,
            "does not exist",
        ),
        case(
            M::GET,
            "/api/nothing-here",
            None,
            404,
            "there is no route /api/nothing-here",
        ),
        case(
            M::PATCH,
            "/api/flights",
            None,
            405,
            "PATCH is not allowed on /api/flights",
        ),
        case(
            M::GET,
            "/api/auditlog/stream?kind=boats",
            None,
            400,
            "kind 'boats' is not one of",
        ),
    ]
}

async fn malformed_requests_are_named_and_change_nothing(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    app.create_flight("SK1").await;
    let before = app.event_count().await;
    for case in cases() {
        let mut request = app
            .client
            .request(case.method.clone(), app.url(case.path))
            .header("content-type", "application/json");
        if let Some(body) = case.body.clone() {
            request = request.body(body);
        }
        let (status, text) = if case.status == 413 {
            app.raw_request(
                case.method.as_str(),
                case.path,
                case.body.as_deref().unwrap_or("").as_bytes(),
            )
            .await
        } else {
            let response = request.send().await.expect("request sent");
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        };
        assert_eq!(status, case.status, "{} {}: {text}", case.method, case.path);
        let problem: Problem = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "{} {}: not a problem body ({e}): {text}",
                case.method, case.path
            )
        });
        assert_eq!(problem.status, case.status);
        assert!(
            problem.detail.contains(case.names),
            "{} {}: {:?} does not name {:?}",
            case.method,
            case.path,
            problem.detail,
            case.names
        );
    }
    assert_eq!(
        app.event_count().await,
        before,
        "bad input appended something"
    );
    assert_eq!(app.flights().await.len(), 1);
    app.finish().await;
}

async fn cors_answers_any_origin(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/api/flights"))
        .header("origin", "http://localhost:4200")
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let methods = preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(methods.contains("PUT") || methods == "*", "{methods}");
    let get = app
        .client
        .get(app.url("/api/flights"))
        .header("origin", "http://example.test")
        .send()
        .await
        .unwrap();
    assert_eq!(get.headers()["access-control-allow-origin"], "*");
    app.finish().await;
}
