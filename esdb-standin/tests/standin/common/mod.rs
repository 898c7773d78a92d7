//! Helpers shared by the integration tests that drive the stand-in through the official
//! client: a patience bound for every wait, event builders and read shortcuts.

#![allow(dead_code)] // Each test binary uses its own subset.

use std::future::Future;
use std::time::Duration;

use eventstore::{
    AppendToStreamOptions, Client, ClientSettings, EventData, ExpectedRevision, ResolvedEvent,
};
use serde_json::json;

/// Generous: the machine running this is small and shared.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Waits for `future`, failing the test if it takes longer than [`PATIENCE`].
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what}: nothing within {PATIENCE:?}"),
    }
}

pub fn client_for(connection_string: &str) -> Client {
    let settings: ClientSettings = connection_string.parse().expect("connection string");
    Client::new(settings).expect("client")
}

pub fn event(event_type: &str, n: u64) -> EventData {
    EventData::json(event_type, &json!({ "n": n })).expect("json")
}

pub fn expect(revision: ExpectedRevision) -> AppendToStreamOptions {
    AppendToStreamOptions::default().expected_revision(revision)
}

pub async fn append(
    client: &Client,
    stream: &str,
    revision: ExpectedRevision,
    events: Vec<EventData>,
) {
    within(
        "append",
        client.append_to_stream(stream, &expect(revision), events),
    )
    .await
    .unwrap_or_else(|e| panic!("append to {stream}: {e}"));
}

pub fn payload_n(event: &ResolvedEvent) -> u64 {
    let value: serde_json::Value = event.get_original_event().as_json().expect("json payload");
    value["n"].as_u64().expect("n")
}

/// Waits until `condition` holds, looking every 10 ms, failing the test after [`PATIENCE`].
pub async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    within(what, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
}
