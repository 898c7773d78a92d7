//! Paging the audit log backwards, searching it and keeping one flight's stream, on each read
//! model: what a console needs to show the newest window of a long log and find the past in it.

use crate::support::{Stores, TestApp};
use flightdeck_core::contract::{AuditEntry, Problem};
use flightdeck_core::event::stream_name;

on_each_store!(
    pages_go_backwards_from_a_position,
    search_matches_flight_numbers_names_and_event_names,
    one_flights_stream_is_kept,
    bad_paging_values_are_named
);

async fn list(app: &TestApp, query: &str) -> Vec<AuditEntry> {
    app.get(&format!("/api/auditlog/all?{query}")).await
}

async fn pages_go_backwards_from_a_position(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    for name in ["Ann", "Bo", "Cy", "Di"] {
        app.add_passenger(flight, name).await;
    }
    let all = app.audit().await;
    let position = |i: usize| all[i].position.expect("a position");
    let newest = list(&app, &format!("before={}&limit=2", i64::MAX)).await;
    assert_eq!(newest, all[3..5], "the newest two, oldest first");
    let older = list(&app, &format!("before={}&limit=2", position(3))).await;
    assert_eq!(older, all[1..3], "the two before the oldest shown");
    let oldest = list(&app, &format!("before={}&limit=2", position(1))).await;
    assert_eq!(oldest, all[0..1], "only one is left");
    let bounded = list(
        &app,
        &format!("after={}&before={}", position(0), position(4)),
    )
    .await;
    assert_eq!(bounded, all[1..4], "between two positions, oldest first");
    app.finish().await;
}

async fn search_matches_flight_numbers_names_and_event_names(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let w2 = app.create_flight("W2").await;
    let other = app.create_flight("QX9").await;
    let vic = app.add_passenger(w2, "Vic Café").await;
    app.add_passenger(other, "Ulla").await;
    assert!(app.board(vic).await.success);
    let found = list(&app, "q=w2").await;
    // Created, checked in, boarded, and all boarded (Vic is its only passenger).
    assert_eq!(
        found.len(),
        4,
        "the flight's entries, and its passenger's by the flight's number"
    );
    assert!(found
        .iter()
        .all(|e| e.stream.as_deref() == Some(stream_name(w2).as_str())));
    let by_name = list(&app, "q=CAFE%CC%81").await; // "CAFÉ" typed with a combining accent
    assert_eq!(by_name.len(), 2, "names match in NFC and in any case");
    let boarded = list(&app, "q=board%20passenger").await;
    assert_eq!(boarded.len(), 1);
    let literal = list(&app, "q=%25").await;
    assert!(
        literal.is_empty(),
        "% is a character to find, not a wildcard"
    );
    let paged = app
        .get::<Vec<AuditEntry>>("/api/auditlog/passengers?q=w2&limit=1")
        .await;
    assert_eq!(paged.len(), 1);
    assert_eq!(paged[0].meta_data.event_name, "Create passenger");
    app.finish().await;
}

async fn one_flights_stream_is_kept(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let mine = app.create_flight("SK1").await;
    let other = app.create_flight("SK2").await;
    app.add_passenger(mine, "Ann").await;
    app.add_passenger(other, "Bo").await;
    let stream = stream_name(mine);
    let kept = list(&app, &format!("stream={stream}")).await;
    assert_eq!(kept.len(), 2);
    assert!(kept
        .iter()
        .all(|e| e.stream.as_deref() == Some(stream.as_str())));
    app.finish().await;
}

async fn bad_paging_values_are_named(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    app.create_flight("SK1").await;
    let long = "x".repeat(256);
    for (query, names) in [
        ("before=-1", "before"),
        (
            "before=9223372036854775808",
            "before=9223372036854775808 is not a position",
        ),
        ("before=abc", "before"),
        ("q=", "q must be 1 to 255 characters"),
        ("q=%20%20", "q must be 1 to 255 characters"),
        (&format!("q={long}") as &str, "it has 256"),
        (
            "stream=flights",
            "stream 'flights' is not a flight's stream",
        ),
        ("stream=flight-nope", "is not a flight's stream"),
        ("before=5&limit=10001", "at most 10000"),
    ] {
        let response = app
            .client
            .get(app.url(&format!("/api/auditlog/all?{query}")))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 400, "{query}");
        let problem: Problem = response.json().await.expect("a problem body");
        assert!(
            problem.detail.contains(names),
            "{query}: {}",
            problem.detail
        );
    }
    app.finish().await;
}
