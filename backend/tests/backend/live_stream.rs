//! The live audit stream: Server-Sent Events, one per new entry, resumable by position.

use crate::support::{Stores, TestApp};
use flightdeck_core::contract::AuditEntry;
use std::time::Duration;

on_each_store!(
    new_entries_arrive_live,
    streams_resume_from_a_position,
    health_reports_ready,
    positions_from_another_log_are_refused_or_reset
);

/// Reads SSE messages from a response, yielding (id, event, data) per message.
struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    async fn open(app: &TestApp, path: &str, last_event_id: Option<u64>) -> Self {
        let mut request = app
            .client
            .get(app.url(path))
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.expect("stream opens");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next audit entry, or a failure after a generous timeout.
    async fn next(&mut self) -> AuditEntry {
        let (id, event, data) = self.next_message().await;
        assert_eq!(event.as_deref(), Some("audit"));
        let entry: AuditEntry = serde_json::from_str(&data).expect("entry JSON");
        assert_eq!(
            id,
            entry.position.map(|p| p.to_string()),
            "id: is the position"
        );
        entry
    }

    /// The next message with data, as (id, event, data), or a failure after a generous timeout.
    async fn next_message(&mut self) -> (Option<String>, Option<String>, String) {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let message: String = self.buffer.drain(..end + 2).collect();
                    let mut id = None;
                    let mut data = None;
                    let mut event = None;
                    for line in message.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            id = Some(v.trim().to_owned())
                        }
                        if let Some(v) = line.strip_prefix("data:") {
                            data = Some(v.trim().to_owned())
                        }
                        if let Some(v) = line.strip_prefix("event:") {
                            event = Some(v.trim().to_owned())
                        }
                    }
                    if let Some(data) = data {
                        return (id, event, data);
                    }
                    continue; // a keep-alive comment
                }
                let chunk = self
                    .response
                    .chunk()
                    .await
                    .expect("chunk")
                    .expect("stream still open");
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .expect("a message arrived in time")
    }
}

async fn new_entries_arrive_live(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let earlier = app.create_flight("SK0").await;
    let mut stream = SseReader::open(&app, "/api/auditlog/stream", None).await;
    let flight = app.create_flight("SK1").await;
    let first = stream.next().await;
    assert_eq!(first.event_type, "FlightCreated");
    assert_eq!(
        first.data["id"],
        flight.to_string(),
        "only entries after the subscription, not {earlier}"
    );
    let ann = app.add_passenger(flight, "Ann").await;
    app.board(ann).await;
    let types = [
        stream.next().await,
        stream.next().await,
        stream.next().await,
    ]
    .map(|e| e.event_type);
    assert_eq!(
        types,
        ["PassengerCheckedIn", "PassengerBoarded", "FlightAllBoarded"]
    );
    let mut passengers_only =
        SseReader::open(&app, "/api/auditlog/stream?kind=passengers", None).await;
    let bo = app.add_passenger(flight, "Bo").await;
    let entry = passengers_only.next().await;
    assert_eq!(entry.data["id"], bo.to_string());
    app.board(bo).await;
    assert_eq!(
        passengers_only.next().await.event_type,
        "PassengerBoarded",
        "FlightBoardingReopened and FlightAllBoarded are skipped"
    );
    app.finish().await;
}

async fn streams_resume_from_a_position(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    for name in ["Ann", "Bo", "Cy"] {
        app.add_passenger(flight, name).await;
    }
    let all = app.audit().await;
    assert_eq!(all.len(), 4);
    let mut resumed = SseReader::open(&app, "/api/auditlog/stream", all[1].position).await;
    assert_eq!(resumed.next().await, all[2]);
    assert_eq!(resumed.next().await, all[3]);
    let mut from_zero = SseReader::open(&app, "/api/auditlog/stream?from=0", None).await;
    for expected in &all {
        assert_eq!(&from_zero.next().await, expected);
    }
    app.add_passenger(flight, "Di").await;
    assert_eq!(
        from_zero.next().await.data["name"],
        "Di",
        "after the backlog, live entries follow"
    );
    assert_eq!(resumed.next().await.data["name"], "Di");
    app.finish().await;
}

async fn health_reports_ready(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    app.create_flight("SK1").await;
    crate::support::eventually("ready", Duration::from_secs(20), || async {
        app.client
            .get(app.url("/health/ready"))
            .send()
            .await
            .map(|r| r.status() == 200)
            .unwrap_or(false)
    })
    .await;
    app.finish().await;
}

/// A position the log does not have comes from another log (the backend's data was reset):
/// `?from` and `?after` are refused naming the head; a `Last-Event-ID`, which a browser resends
/// by itself, gets a `reset` event and the stream from the beginning.
async fn positions_from_another_log_are_refused_or_reset(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    app.add_passenger(flight, "Ann").await;
    let all = app.audit().await;
    let head = all.last().and_then(|e| e.position).expect("a head");
    let beyond = head + 1000;
    for path in [
        format!("/api/auditlog/stream?from={beyond}"),
        format!("/api/auditlog/all?after={beyond}"),
        format!("/api/auditlog/flights?after={beyond}"),
        "/api/auditlog/all?after=9223372036854775808".to_owned(),
        "/api/auditlog/stream?from=18446744073709551615".to_owned(),
    ] {
        let response = app.client.get(app.url(&path)).send().await.expect("sent");
        assert_eq!(response.status(), 400, "{path}");
        let problem: flightdeck_core::contract::Problem = response.json().await.expect("problem");
        assert!(
            problem
                .detail
                .contains(&format!("whose newest position is {head}")),
            "{path}: {}",
            problem.detail
        );
    }
    let at_head = app
        .client
        .get(app.url(&format!("/api/auditlog/all?after={head}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        at_head.status(),
        200,
        "the head itself is a position the log has"
    );

    let mut reader = SseReader::open(&app, "/api/auditlog/stream", Some(beyond)).await;
    let (_, event, data) = reader.next_message().await;
    assert_eq!(event.as_deref(), Some("reset"));
    assert!(data.contains(&beyond.to_string()), "{data}");
    for expected in &all {
        assert_eq!(
            &reader.next().await,
            expected,
            "the stream starts again from the top"
        );
    }
    app.finish().await;
}
