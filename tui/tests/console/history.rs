//! The history view in the real binary on a real pseudo-terminal: opened with `h`, walked from
//! the flight's creation to its newest event, closed with Esc; on the embedded backend (the
//! history route) and on an original-style server (no route: rebuilt from the audit log).

use crate::support::original::OriginalServer;
use crate::support::pty::{Console, DOWN, ENTER, ESC, UP};
use std::time::Duration;

const HOME: &str = "\x1b[H";
const END: &str = "\x1b[F";

/// A flight with one passenger: created, a passenger added, boarded where `board`.
fn a_flight_with_a_passenger(c: &mut Console, board: bool) {
    c.wait_for("No flights yet");
    c.send("n");
    c.wait_for("New flight");
    c.type_text("ARN\tCPH\tSK101");
    c.send(ENTER);
    c.wait_line(&["SK101", "ARN → CPH", "Waiting for boarding"]);
    c.send("a");
    c.wait_for("Add a passenger to SK101");
    c.type_text("Ann Lee");
    c.send(ENTER);
    c.wait_line(&["Ann Lee", "Checked in"]);
    if board {
        c.send("2");
        c.send("b");
        c.wait_line(&["Ann Lee", "Boarded"]);
        c.send("1");
    }
}

#[test]
fn the_history_view_walks_a_flight_from_its_creation_to_now() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(&["--data-dir", dir.path().to_str().unwrap()], 30, 120);
    c.wait_line(&["flightdeck", "embedded", "live", "connected"]);
    a_flight_with_a_passenger(&mut c, true);
    // Boarding the only passenger boards the flight too: two events, the second the newest.
    c.wait_line(&["All passengers boarded"]);

    c.send("h");
    c.wait_for("History of SK101");
    c.wait_line(&["After revision 3"]);
    c.wait_line(&["*Status", "All boarded"]);
    assert!(!c.contents().contains("from the audit log"));

    c.send(HOME);
    let screen = c.wait_line(&["After revision 0"]);
    assert!(screen.contains("no passengers"), "{screen}");
    assert!(screen.contains("Waiting for boarding"), "{screen}");
    assert!(!screen.contains("Ann Lee  "), "no passenger yet: {screen}");

    c.send(END);
    c.wait_line(&["After revision 3"]);
    c.send(UP);
    let screen = c.wait_line(&["After revision 2"]);
    // The boarding is what that event changed: the passenger is marked, the flight is not.
    assert!(screen.contains("*Ann Lee"), "{screen}");
    assert!(!screen.contains("*Status"), "{screen}");
    if std::env::var_os("SHOW_HISTORY_SCREEN").is_some() {
        eprintln!("{screen}");
    }

    c.send(ESC);
    c.wait_gone("History of SK101");
    c.wait_line(&["Flights (1)"]);

    // From the audit log, newest first: two down is the passenger's check-in, revision 1.
    c.send("3");
    c.send(DOWN);
    c.send(DOWN);
    c.send("h");
    c.wait_for("History of SK101");
    let screen = c.wait_line(&["After revision 1"]);
    assert!(screen.contains("*Ann Lee"), "{screen}");
    c.send(ESC);
    c.wait_gone("History of SK101");
    c.send("q");
    assert!(c.wait_exit(), "flightdeck exits cleanly on q");
}

#[test]
fn on_an_original_deployment_the_history_comes_from_the_audit_log() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt
        .block_on(OriginalServer::start(Duration::from_millis(300)))
        .unwrap();
    let mut c = Console::spawn(
        &["--api", &server.api_url(), "--poll-interval", "500ms"],
        30,
        120,
    );
    c.wait_line(&["flightdeck", "remote", "polling", "connected"]);
    a_flight_with_a_passenger(&mut c, false);
    c.wait_line(&["Create passenger", "Ann Lee"]);

    c.send("h");
    c.wait_for("History of SK101 — from the audit log");
    c.wait_line(&["After revision 1"]);
    c.wait_line(&["*Ann Lee", "Checked in"]);
    c.send(HOME);
    let screen = c.wait_line(&["After revision 0"]);
    assert!(screen.contains("no passengers"), "{screen}");
    c.send(ESC);
    c.wait_gone("from the audit log");
    c.send("q");
    assert!(c.wait_exit(), "flightdeck exits cleanly on q");
}
