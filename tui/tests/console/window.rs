//! The Audit pane on a long log, in the real binary: it holds a window of the newest entries,
//! reads older pages as the selection reaches the oldest held, and searches the whole log on the
//! server. The log is written straight into the event store, and the backend serves it once its
//! read model has caught up, so that the console meets a long log from its first read.

use crate::support::pty::{Console, ENTER, ESC};
use flightdeck_backend::event_store::sqlite::SqliteEventStore;
use flightdeck_backend::event_store::{EventStore, ExpectedRevision, NewEvent};
use flightdeck_core::event::stream_name;
use flightdeck_core::Event;
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

const EVENTS: usize = 50_000;
/// Events per flight's stream: its creation and a check-in per passenger. Long streams keep the
/// writing to a few hundred appends.
const PER_FLIGHT: usize = 100;
const END: &str = "\x1b[F";

/// Writes `EVENTS` events: the first flight's passengers alone are called Firstcomer.
async fn write_log(dir: &Path) {
    {
        let store = SqliteEventStore::open(&dir.join("events.db"))
            .await
            .expect("the event log opens");
        for flight in 0..EVENTS / PER_FLIGHT {
            let flight_id = Uuid::new_v4();
            let mut events = vec![Event::FlightCreated {
                flight_id,
                origin: "Oslo".into(),
                destination: "Bergen".into(),
                flight_number: format!("WN{flight:04}"),
            }];
            let name = if flight == 0 {
                "Firstcomer"
            } else {
                "Traveller"
            };
            events.extend((1..PER_FLIGHT).map(|i| Event::PassengerCheckedIn {
                flight_id,
                passenger_id: Uuid::new_v4(),
                name: format!("{name} {flight}-{i}"),
            }));
            let events = events
                .iter()
                .map(|e| NewEvent {
                    event_id: Uuid::new_v4(),
                    event_type: e.event_type().to_owned(),
                    data: e.data(),
                })
                .collect();
            store
                .append(&stream_name(flight_id), ExpectedRevision::NoStream, events)
                .await
                .expect("appended");
        }
    }
}

/// The backend on the log, once its read model holds every event.
async fn serve(dir: &Path) -> flightdeck_backend::Server {
    let server = flightdeck_backend::start(flightdeck_backend::Config::embedded(dir.to_owned()))
        .await
        .expect("the backend starts");
    let ready = format!("http://{}/health/ready", server.addr());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answer = reqwest::get(&ready).await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        assert!(Instant::now() < deadline, "the read model caught up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn a_long_log_is_held_as_a_window_paged_and_searched_on_the_server() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let server = rt.block_on(async {
        write_log(dir.path()).await;
        serve(dir.path()).await
    });
    let api = format!("http://{}/api", server.addr());
    let mut c = Console::spawn(&["--api", &api], 40, 220);
    c.send("3");
    c.wait_for("newest 5,000 of ~50,000");

    // The oldest entry held is 45,001: End reaches it and brings the 5,000 before it.
    c.send(END);
    c.wait_for("newest 10,000 of ~50,000");
    // End again reaches 40,001, the oldest held now, and the page before it follows.
    c.send(END);
    c.wait_line(&["40001", "WN0400"]);
    c.wait_for("newest 15,000 of ~50,000");

    // Only the first flight's passengers match, far outside the window.
    c.send("/");
    c.type_text("firstcomer");
    c.send(ENTER);
    c.wait_for("search \"firstcomer\": 99 matches");
    c.wait_line(&["Firstcomer 0-99"]);

    c.send(ESC);
    // The tail again: the newest entry at the top of the Audit pane (the right half, inside its
    // heavy border; the Passengers pane on the left still lists Firstcomers), no match left.
    c.wait_until("the tail without the search", |screen| {
        let audit_pane: Vec<&str> = screen
            .lines()
            .filter_map(|l| l.split_once('┃').map(|(_, right)| right))
            .collect();
        screen.contains("newest 5,000 of ~50,000")
            && audit_pane.iter().any(|l| l.starts_with("50000"))
            && !audit_pane.iter().any(|l| l.contains("Firstcomer"))
    });
    c.send("q");
    assert!(c.wait_exit(), "flightdeck exits cleanly on q");
    rt.block_on(server.shutdown());
}
