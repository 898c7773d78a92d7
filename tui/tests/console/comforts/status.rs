//! The backend's status in the console: `s` opens the view; the status bar says when the read
//! model has trailed the log for over a second; an original deployment has no status to show.

use super::backend;
use crate::support::original::OriginalServer;
use crate::support::pty::{Console, ESC};
use flightdeck_backend::event_store::sqlite::SqliteEventStore;
use flightdeck_backend::event_store::{EventStore, ExpectedRevision, NewEvent};
use std::time::Duration;
use uuid::Uuid;

#[test]
fn s_shows_the_status_and_a_stuck_read_model_shows_as_lag() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let server = rt.block_on(backend(&data));
    let api = format!("http://{}/api", server.addr());
    let mut c = Console::spawn(&["--api", &api], 40, 160);
    c.wait_line(&["remote", "live", "connected"]);
    c.send("s");
    c.wait_line(&["Ready", "yes"]);
    c.wait_line(&["Log head", "none yet"]);
    c.wait_line(&["Event store", "sqlite"]);
    c.wait_line(&["Read model", "sqlite"]);
    c.wait_line(&["Version", env!("CARGO_PKG_VERSION")]);
    // The console's own live stream, once a read after it opened has come.
    c.wait_line(&["Live subscribers", "1"]);
    // An event this version cannot read stops the projection: the head moves, the checkpoint
    // stays, and once that has lasted a second the status bar says so.
    rt.block_on(async {
        let store = SqliteEventStore::open(&data.join("events.db"))
            .await
            .expect("event log");
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
    });
    c.wait_line(&["Log head", "1"]);
    c.wait_line(&["Checkpoint", "none yet (1 behind the log)"]);
    c.wait_line(&["Ready", "no"]);
    let screen = c.wait_line(&["flightdeck", "lag: read model 1 events behind"]);
    println!("{screen}");
    c.send("s");
    c.wait_gone("Backend status");
    c.send("q");
    assert!(c.wait_exit());
    rt.block_on(server.shutdown());
}

#[test]
fn against_an_original_deployment_s_says_there_is_no_status() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let original = rt
        .block_on(OriginalServer::start(Duration::from_millis(0)))
        .expect("original server");
    let mut c = Console::spawn(&["--api", &original.api_url()], 30, 140);
    c.wait_line(&["remote", "polling", "connected"]);
    c.send("s");
    c.wait_for("This backend reports no status");
    // Said in a toast, or in the view if s came before the backend's 404 did: Esc closes the
    // view and does nothing in a pane.
    c.send(ESC);
    c.send("q");
    assert!(c.wait_exit());
}
