//! The six scenarios of the original, typed into the real binary in a pseudo-terminal: on the
//! embedded backend (live stream), then on an original-style server (eventually consistent, no
//! stream, so the console polls).

use crate::support::original::OriginalServer;
use crate::support::pty::{Console, ENTER, ESC, TAB};
use std::time::Duration;

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Flightdeck,
    Original,
}

/// The audit pane shows an event: Flightdeck names events by what happened, the original by the
/// entity and operation; both summarise the entity's data.
fn wait_audit(c: &Console, backend: Backend, flightdeck: &str, original: &str, summary: &str) {
    let name = match backend {
        Backend::Flightdeck => flightdeck,
        Backend::Original => original,
    };
    c.wait_line_in(AUDIT, &[name, summary]);
}

// The wide layout at 160 columns: Flights and Passengers left, the Audit log right. A screen line
// crosses both, so each check looks at one side only.
const LEFT: std::ops::Range<u16> = 0..88;
const AUDIT: std::ops::Range<u16> = 88..160;

fn six_scenarios(c: &mut Console, backend: Backend) {
    c.wait_for("No flights yet");

    // 1. Create a flight.
    c.send("n");
    c.wait_for("New flight");
    c.type_text("ARN");
    c.send(TAB);
    c.type_text("CPH");
    c.send(TAB);
    c.type_text("SK101");
    c.send(ENTER);
    c.wait_for("Flight SK101 created (ARN → CPH)");
    c.wait_line_in(LEFT, &["SK101", "ARN → CPH", "Waiting for boarding", "0/0"]);
    wait_audit(
        c,
        backend,
        "Create flight",
        "Create flight",
        "SK101 ARN → CPH · Waiting",
    );

    // 2. Add a passenger.
    c.send("a");
    c.wait_for("Add a passenger to SK101");
    c.type_text("Ann Lee");
    c.send(ENTER);
    c.wait_for("Ann Lee checked in on SK101");
    c.wait_line_in(LEFT, &["SK101", "0/1"]);
    c.wait_line_in(LEFT, &["Ann Lee", "Checked in"]);
    wait_audit(
        c,
        backend,
        "Create passenger",
        "Create passenger",
        "Ann Lee on SK101 · Checked in",
    );

    // The rules are enforced before any request.
    c.send("d");
    c.wait_for("flight SK101 cannot disembark: 0 of 1 passengers have boarded");
    c.send("l");
    c.wait_for("flight SK101 cannot land: it is Waiting for boarding");

    // 3. Board.
    c.send("2");
    c.send("b");
    c.wait_for("Ann Lee boarded SK101");
    c.wait_line_in(LEFT, &["Ann Lee", "Boarded"]);
    c.wait_line_in(LEFT, &["SK101", "1/1"]);
    wait_audit(
        c,
        backend,
        "Board passenger",
        "Update passenger",
        "Ann Lee on SK101 · Boarded",
    );
    if backend == Backend::Flightdeck {
        c.wait_line_in(LEFT, &["SK101", "All boarded", "1/1"]);
        wait_audit(
            c,
            backend,
            "All passengers boarded",
            "",
            "SK101 ARN → CPH · All boarded",
        );
    } else {
        // The original's defect: a flight with one passenger never becomes All boarded. The
        // console goes by the passengers and lets it disembark.
        c.wait_line_in(LEFT, &["SK101", "Waiting for boarding", "1/1"]);
    }

    // 4. Disembark.
    c.send("1");
    c.send("d");
    c.wait_for("Flight SK101 disembarked");
    c.wait_line_in(LEFT, &["SK101", "Disembarked", "1/1"]);
    wait_audit(
        c,
        backend,
        "Disembark flight",
        "Update flight",
        "SK101 ARN → CPH · Disembarked",
    );

    // 5. Land.
    c.send("l");
    c.wait_for("Flight SK101 landed");
    c.wait_line_in(LEFT, &["SK101", "Arrived", "1/1"]);
    c.wait_line_in(LEFT, &["Ann Lee", "Arrived"]);
    wait_audit(
        c,
        backend,
        "Land flight",
        "Update flight",
        "SK101 ARN → CPH · Arrived",
    );

    // 6. Delete, after a confirmation; any other key keeps the flight.
    c.send("x");
    c.wait_for("Delete flight SK101 (ARN → CPH) and its 1 passenger?");
    c.send("n");
    c.wait_for("Kept flight SK101");
    c.send("x");
    c.wait_for("Delete flight SK101 (ARN → CPH) and its 1 passenger?");
    c.send("y");
    c.wait_for("Flight SK101 deleted with its passengers");
    c.wait_for("No flights yet");
    wait_audit(c, backend, "Delete flight", "Delete flight", "");
}

fn quit(c: &mut Console) {
    c.send("q");
    assert!(c.wait_exit(), "flightdeck exits cleanly on q");
    assert!(!c.in_alternate_screen(), "the terminal is given back");
}

#[test]
fn six_scenarios_on_the_embedded_backend() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(&["--data-dir", dir.path().to_str().unwrap()], 40, 160);
    c.wait_line(&["flightdeck", "embedded", "live", "connected"]);
    six_scenarios(&mut c, Backend::Flightdeck);
    quit(&mut c);

    // The data outlives the process: the log is there on the next start.
    let c = Console::spawn(&["--data-dir", dir.path().to_str().unwrap()], 40, 160);
    c.wait_line(&["Delete flight"]);
    c.wait_line(&["Create flight", "SK101"]);
}

#[test]
fn six_scenarios_on_an_original_style_server() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt
        .block_on(OriginalServer::start(Duration::from_millis(400)))
        .unwrap();
    let mut c = Console::spawn(
        &["--api", &server.api_url(), "--poll-interval", "500ms"],
        40,
        160,
    );
    c.wait_line(&["flightdeck", "remote", "polling", "connected"]);
    six_scenarios(&mut c, Backend::Original);
    quit(&mut c);
}

#[test]
fn original_services_addressed_one_by_one_on_a_narrow_terminal() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt
        .block_on(OriginalServer::start(Duration::from_millis(300)))
        .unwrap();
    let mut c = Console::spawn(
        &[
            "--flights-url",
            &server.flights_url(),
            "--passengers-url",
            &server.passengers_url(),
            "--auditlog-url",
            &server.auditlog_url(),
            "--poll-interval",
            "500ms",
        ],
        40,
        90,
    );
    c.wait_line(&["original", "polling", "connected"]);
    c.send("n");
    c.wait_for("New flight");
    // An empty field is refused beside it, before any request.
    c.type_text("OSL");
    c.send(ENTER);
    c.wait_for("destination can't be empty");
    c.send(ESC);
    c.wait_gone("New flight");
    c.wait_for("No flights yet");

    c.send("n");
    c.wait_for("New flight");
    c.type_text("OSL");
    c.send(TAB);
    c.type_text("BGO");
    c.send(TAB);
    c.type_text("DY602");
    c.send(ENTER);
    c.wait_line(&["DY602", "OSL → BGO", "Waiting for boarding"]);
    c.wait_line(&["Create flight", "DY602 OSL → BGO"]);

    // Ctrl-C quits as q does.
    c.send("\x03");
    assert!(c.wait_exit());
    assert!(!c.in_alternate_screen());
}

#[test]
fn sigterm_gives_the_terminal_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(&["--data-dir", dir.path().to_str().unwrap()], 30, 120);
    c.wait_line(&["embedded", "live", "connected"]);
    assert!(c.in_alternate_screen());
    let pid = c.pid().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    assert!(c.wait_exit(), "an orderly exit on SIGTERM");
    assert!(!c.in_alternate_screen(), "the terminal is given back");
}

#[test]
fn a_window_too_small_asks_for_more_room() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(&["--data-dir", dir.path().to_str().unwrap()], 15, 50);
    c.wait_until("the size message", |s| {
        s.contains("needs at least") && s.contains("60×20")
    });
    quit(&mut c);
}

#[test]
fn a_backend_that_is_down_is_shown_and_the_console_stays_usable() {
    // A port nothing listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = format!("http://127.0.0.1:{port}/api");
    let mut c = Console::spawn(&["--api", &api], 30, 120);
    c.wait_line(&["remote", "down"]);
    c.wait_for("backend unreachable");
    c.send("?");
    c.wait_for("pause / resume following");
    c.send(ESC);
    c.wait_gone("pause / resume following");
    quit(&mut c);
}

#[test]
fn bad_flags_get_a_clear_message() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .args(["--api", "localhost:5000"])
        .env_remove("FLIGHTDECK_API")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected an http:// URL"), "{err}");
}

#[test]
fn without_a_terminal_it_says_so_in_one_line_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for args in [vec![], vec!["demo"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_flightdeck"))
            .args(&args)
            .args(["--data-dir", data.to_str().unwrap()])
            .env_remove("FLIGHTDECK_API")
            .env("RUST_BACKTRACE", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains("not a terminal"), "{err}");
        assert!(err.contains("flightdeck demo --headless"), "{err}");
        for noise in ["os error", "backtrace", "Backtrace", "panicked", "Error:"] {
            assert!(!err.contains(noise), "'{noise}' in: {err}");
        }
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!data.exists(), "no backend was started");
    }
}

#[test]
fn a_start_up_error_is_one_plain_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    for no_color in [Some("1"), None] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flightdeck"));
        cmd.args(["demo", "--headless", "--data-dir", file.to_str().unwrap()])
            .env_remove("FLIGHTDECK_API")
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .stdin(std::process::Stdio::null());
        match no_color {
            Some(v) => cmd.env("NO_COLOR", v),
            None => cmd.env_remove("NO_COLOR"),
        };
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{no_color:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.starts_with("flightdeck: cannot create the data directory"),
            "{err}"
        );
        assert!(err.contains("a-file"), "{err}");
        for noise in ["\x1b", "Location", "backtrace", "Backtrace", "Error:"] {
            assert!(!err.contains(noise), "{noise:?} in: {err}");
        }
    }
}

#[test]
fn a_long_url_on_a_narrow_window_leaves_room_for_the_state_and_the_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = format!("http://127.0.0.1:{port}/operations/flightdeck/gateway/v1/api");
    let mut c = Console::spawn(&["--api", &api], 24, 80);
    c.wait_line(&[
        "down, retry in",
        "last error: backend unreachable: connection refused",
    ]);
    c.wait_for("The backend does not answer yet");
    c.send("q");
    assert!(c.wait_exit());

    let mut c = Console::spawn(&["--api", &api], 20, 60);
    c.wait_line(&["down, retry in", "last error: backend unreachable"]);
    quit(&mut c);
}

#[test]
fn a_form_sent_while_the_backend_is_down_keeps_what_was_typed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = format!("http://127.0.0.1:{port}/api");
    let mut c = Console::spawn(&["--api", &api], 30, 120);
    c.wait_line(&["remote", "down"]);
    c.send("n");
    c.wait_for("New flight");
    c.type_text("OSL");
    c.send(TAB);
    c.type_text("BGO");
    c.send(TAB);
    c.type_text("DY2");
    c.send(ENTER);
    c.wait_for("The backend does not answer (connection refused). Enter tries again");
    let screen = c.wait_line(&["Origin:", "OSL"]);
    assert!(screen.contains("New flight"), "{screen}");
    c.wait_line(&["Destination:", "BGO"]);
    c.wait_line(&["Flight number:", "DY2"]);
    assert!(!screen.contains("os erro"), "{screen}");
    c.send(ESC);
    c.wait_gone("New flight");
    quit(&mut c);
}

#[test]
fn lines_pasted_as_keys_into_a_form_add_one_passenger_and_run_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(&["--data-dir", dir.path().to_str().unwrap()], 40, 160);
    c.wait_line(&["embedded", "live", "connected"]);
    c.send("n");
    c.wait_for("New flight");
    c.type_text("OSL");
    c.send(TAB);
    c.type_text("BGO");
    c.send(TAB);
    c.type_text("PA1");
    c.send(ENTER);
    c.wait_line_in(LEFT, &["PA1", "OSL → BGO"]);
    c.send("a");
    c.wait_for("Add a passenger to PA1");
    // A terminal without bracketed paste sends the three lines as keys, at once.
    c.send("Ann Lee\rjon snow\rdan berg\r");
    c.wait_for("Ann Lee checked in on PA1");
    // Keys are taken in order: once the help opens, every key of the paste was handled.
    c.send("?");
    c.wait_for("close help");
    c.send(ESC);
    let screen = c.wait_gone("close help");
    assert!(screen.contains("Passengers (1) on PA1"), "{screen}");
    for stray in [
        "snow",
        "berg",
        "New flight",
        "Add a passenger",
        "Edit flight",
    ] {
        assert!(!screen.contains(stray), "{stray}:\n{screen}");
    }
    c.wait_line_in(LEFT, &["PA1", "OSL → BGO", "Waiting for boarding", "0/1"]);
    quit(&mut c);
}

#[test]
fn a_url_that_is_no_flightdeck_api_says_what_answered_there() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let backend = rt
        .block_on(flightdeck_tui::embedded::Embedded::start(dir.path(), None))
        .unwrap();
    // The backend's own address without its /api, as an operator might type it.
    let base = backend.api_url().trim_end_matches("/api").to_owned();
    let mut c = Console::spawn(&["--api", &base], 30, 200);
    c.wait_for(&format!(
        "not a Flightdeck API: {base}/flights answered 404; did you mean {base}/api?"
    ));
    let screen = c.contents();
    assert!(
        !screen.lines().next().unwrap_or("").contains("connected"),
        "{screen}"
    );
    quit(&mut c);

    // A web server that answers every path with a page.
    let page = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .fallback(|| async { axum::response::Html("<!doctype html><title>It works</title>") });
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/api")
    });
    let mut c = Console::spawn(&["--api", &page], 30, 200);
    c.wait_for(&format!(
        "not a Flightdeck API: {page}/flights answered a web page"
    ));
    quit(&mut c);
    rt.block_on(backend.shutdown());
}

/// A backend on a fixed port with its data under `dir`, as an operator restarts one.
async fn backend_at(
    dir: &std::path::Path,
    bind: std::net::SocketAddr,
) -> flightdeck_backend::Server {
    let mut config = flightdeck_backend::Config::embedded(dir.to_path_buf());
    config.bind = bind;
    flightdeck_backend::start(config).await.unwrap()
}

#[test]
fn after_the_backends_data_is_reset_the_console_follows_the_new_log() {
    use flightdeck_core::contract::CreateFlight;
    use flightdeck_tui::client::{Client, Endpoints};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = rt.block_on(backend_at(old.path(), "127.0.0.1:0".parse().unwrap()));
    let addr = first.addr();
    let api = format!("http://{addr}/api");
    let client = Client::new(Endpoints::from_api(&api).unwrap()).unwrap();
    let create = |number: &str| {
        let body = CreateFlight {
            origin: Some("OSL".into()),
            destination: Some("BGO".into()),
            flight_number: Some(number.into()),
        };
        rt.block_on(client.create_flight(&body)).unwrap();
    };
    for number in ["OLD1", "OLD2", "OLD3"] {
        create(number);
    }
    let mut c = Console::spawn(&["--api", &api], 40, 160);
    c.wait_line(&["remote", "live", "connected"]);
    c.wait_for("Audit log (3)");

    // The same port, a fresh data directory.
    rt.block_on(first.shutdown());
    let second = rt.block_on(backend_at(new.path(), addr));
    c.wait_for("Flights (0)");
    create("NEW1");
    c.wait_line_in(LEFT, &["NEW1", "OSL → BGO"]);
    c.wait_for("Audit log (1)");
    let screen = c.wait_line_in(AUDIT, &["Create flight", "NEW1"]);
    assert!(!screen.contains("OLD"), "the old log is gone:\n{screen}");
    quit(&mut c);
    rt.block_on(second.shutdown());
}

/// The state letter of a process ('T' when stopped), as the kernel reports it.
#[cfg(target_os = "linux")]
fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The state follows the command's name, in parentheses that may hold anything.
    let (_, rest) = stat.rsplit_once(')')?;
    rest.trim_start().chars().next()
}

/// Waits, up to the screen timeout, for the process to be in `state`.
#[cfg(target_os = "linux")]
fn wait_state(pid: u32, state: char) {
    let deadline = std::time::Instant::now() + crate::support::pty::SCREEN_TIMEOUT;
    while process_state(pid) != Some(state) {
        assert!(
            std::time::Instant::now() < deadline,
            "process {pid} is {:?}, not {state}",
            process_state(pid)
        );
        // The kernel has no way to be waited on for another process's stop: look again soon.
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(target_os = "linux")]
fn signal(pid: u32, signal: &str) {
    let sent = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_z_and_sigtstp_give_the_terminal_back_and_fg_takes_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(&["--data-dir", dir.path().to_str().unwrap()], 30, 120);
    c.wait_line(&["embedded", "live", "connected"]);
    let pid = c.pid().unwrap();
    for stop in ["Ctrl-Z", "SIGTSTP"] {
        if stop == "Ctrl-Z" {
            c.send("\x1a");
        } else {
            signal(pid, "-TSTP");
        }
        c.wait_alternate(false);
        wait_state(pid, 'T');
        assert!(
            !c.mouse_reporting(),
            "{stop}: the mouse is the shell's again"
        );

        // What `fg` sends.
        signal(pid, "-CONT");
        c.wait_alternate(true);
        c.wait_line(&["embedded", "live", "connected"]);
        c.wait_for("No flights yet");
        assert!(
            c.mouse_reporting(),
            "{stop}: the mouse is the console's again"
        );
        // Raw mode again: a key acts at once, without Enter.
        c.send("?");
        c.wait_for("next / previous pane");
        c.send(ESC);
        c.wait_gone("next / previous pane");
    }
    quit(&mut c);
}
