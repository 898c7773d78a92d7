//! `flightdeck demo`: the headless tour on the embedded backend and on an original-style server,
//! its JSON form, a failing script, script checking, the load-shaped run, the token, and the
//! visible tour in a pseudo-terminal.

use crate::support::original::OriginalServer;
use crate::support::pty::Console;
use flightdeck_tui::demo::parse::{load, parse};
use std::process::{Command, Output};
use std::time::Duration;

fn flightdeck(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    cmd.args(args);
    for var in [
        "FLIGHTDECK_API",
        "FLIGHTDECK_DATA_DIR",
        "FLIGHTDECK_POLL_INTERVAL",
        "FLIGHTDECK_TOKEN",
        "FLIGHTDECK_TOKEN_FILE",
        "FLIGHTDECK_CA_CERT",
        "FLIGHTDECK_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/flightdeck-tests");
    cmd.output().expect("run flightdeck")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn tour_steps() -> usize {
    flightdeck_tui::demo::tour().unwrap().steps.len()
}

fn example(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

#[test]
fn headless_tour_on_the_embedded_backend() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = flightdeck(&["demo", "--headless", "--data-dir", data.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let n = tour_steps();
    for step in 1..=n {
        let prefix = format!("step {step:>3}  ok ");
        assert!(
            stdout.lines().any(|l| l.starts_with(&prefix)),
            "no line for step {step}:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("refused: flight SK101 cannot disembark"),
        "{stdout}"
    );
    let last = stdout.lines().last().unwrap();
    assert!(last.contains(&format!("all {n} steps held")), "{last}");
}

#[test]
fn headless_json_tour_on_an_original_style_server() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt
        .block_on(OriginalServer::start(Duration::from_millis(300)))
        .unwrap();
    let out = flightdeck(&[
        "demo",
        "--headless",
        "--json",
        "--api",
        &server.api_url(),
        "--poll-interval",
        "500ms",
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let objects: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let n = tour_steps();
    assert_eq!(objects.len(), n + 1, "{stdout}");
    for (i, o) in objects[..n].iter().enumerate() {
        assert_eq!(o["step"], i + 1);
        assert_eq!(o["ok"], true, "{o}");
        assert!(o["latency_ms"].as_f64().is_some());
    }
    let summary = &objects[n];
    assert_eq!(summary["summary"], true);
    assert_eq!(summary["ok"], true);
    assert_eq!(summary["passed"], n);
}

#[test]
fn the_examples_play_headless_on_the_original_services_one_by_one() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt
        .block_on(OriginalServer::start(Duration::from_millis(200)))
        .unwrap();
    for name in ["boarding.toml", "editing.toml", "history.toml"] {
        let path = example(name);
        let out = flightdeck(&[
            "demo",
            "--headless",
            "--script",
            path.to_str().unwrap(),
            "--flights-url",
            &server.flights_url(),
            "--passengers-url",
            &server.passengers_url(),
            "--auditlog-url",
            &server.auditlog_url(),
        ]);
        let stdout = text(&out.stdout);
        assert!(
            out.status.success(),
            "{name}:\n{stdout}\n{}",
            text(&out.stderr)
        );
        assert!(
            stdout.lines().last().unwrap().contains("steps held"),
            "{stdout}"
        );
    }
}

#[test]
fn an_expectation_that_never_holds_fails_the_run_and_names_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never.toml");
    std::fs::write(
        &path,
        r#"
name = "Never lands"
[[step]]
action = "create_flight"
as = "f"
origin = "ARN"
destination = "CPH"
number = "SK9"
[[step]]
expect = "flight_status"
flight = "f"
status = "arrived"
timeout = "300ms"
[[step]]
action = "delete"
flight = "f"
"#,
    )
    .unwrap();
    let data = dir.path().join("data");
    let out = flightdeck(&[
        "demo",
        "--headless",
        "--script",
        path.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("step   2  FAIL"), "{stdout}");
    assert!(
        !stdout.contains("step   3"),
        "the run stops at the failure:\n{stdout}"
    );
    let last = stdout.lines().last().unwrap();
    assert!(last.contains("FAILED at step 2"), "{last}");
    assert!(last.contains("saw SK9 is Waiting for boarding"), "{last}");
}

#[test]
fn both_examples_and_the_tour_parse() {
    for name in ["boarding.toml", "editing.toml", "history.toml"] {
        let s = load(&example(name)).unwrap();
        assert!(s.steps.len() >= 8, "{name}");
    }
    let tour = flightdeck_tui::demo::tour().unwrap();
    assert!(tour.steps.len() >= 30);
}

/// Each broken script, and the words its refusal must hold.
const BROKEN: &[(&str, &str, &[&str])] = &[
    (
        "unknown action",
        "[[step]]\naction = \"teleport\"\nflight = \"x\"\n",
        &["step 1", "unknown action 'teleport'", "create_flight"],
    ),
    (
        "unbound name",
        "[[step]]\naction = \"create_flight\"\nas = \"a\"\norigin = \"A\"\ndestination = \"B\"\nnumber = \"N1\"\n[[step]]\naction = \"board\"\npassenger = \"bob\"\n",
        &["step 2", "unbound name 'bob'"],
    ),
    (
        "missing field",
        "[[step]]\naction = \"create_flight\"\nas = \"a\"\norigin = \"A\"\nnumber = \"N1\"\n",
        &["step 1", "needs 'destination'"],
    ),
    (
        "bad status word",
        "[[step]]\naction = \"create_flight\"\nas = \"a\"\norigin = \"A\"\ndestination = \"B\"\nnumber = \"N1\"\n[[step]]\nexpect = \"flight_status\"\nflight = \"a\"\nstatus = \"flying\"\n",
        &["step 2", "bad status word 'flying'"],
    ),
    (
        "misspelt field",
        "[[step]]\naction = \"create_flight\"\nas = \"a\"\norigin = \"A\"\ndestination = \"B\"\nnumber = \"N1\"\n[[step]]\naction = \"land\"\nflihgt = \"a\"\n",
        &["step 2", "unknown field 'flihgt'"],
    ),
    (
        "wrong kind of name",
        "[[step]]\naction = \"create_flight\"\nas = \"a\"\norigin = \"A\"\ndestination = \"B\"\nnumber = \"N1\"\n[[step]]\naction = \"board\"\npassenger = \"a\"\n",
        &["step 2", "'a' is a flight", "not a passenger"],
    ),
    (
        "bad timeout",
        "[[step]]\naction = \"create_flight\"\nas = \"a\"\norigin = \"A\"\ndestination = \"B\"\nnumber = \"N1\"\ntimeout = \"soon\"\n",
        &["step 1", "'timeout'", "not a duration"],
    ),
    ("no steps", "name = \"empty\"\n", &["no steps"]),
    ("not TOML", "[[step]\naction = 1\n", &["not valid TOML"]),
];

#[test]
fn broken_scripts_are_refused_with_the_step_and_the_problem() {
    for (kind, text, words) in BROKEN {
        let err = parse("broken.toml", text).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("broken.toml: "), "{kind}: {message}");
        for w in *words {
            assert!(message.contains(w), "{kind}: '{w}' not in: {message}");
        }
    }
}

#[test]
fn nothing_runs_for_a_broken_script() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, BROKEN[1].1).unwrap();
    let data = dir.path().join("data");
    for headless in [true, false] {
        let mut args = vec!["demo", "--script", path.to_str().unwrap()];
        args.extend(["--data-dir", data.to_str().unwrap()]);
        if headless {
            args.push("--headless");
        }
        let out = flightdeck(&args);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(
            err.contains("broken.toml: step 2: unbound name 'bob'"),
            "{err}"
        );
        assert!(out.stdout.is_empty(), "no step ran");
        assert!(!data.exists(), "no backend was started");
    }
}

#[test]
fn the_load_shaped_run_prints_throughput_and_percentiles() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = flightdeck(&[
        "demo",
        "--headless",
        "--flights",
        "4",
        "--passengers",
        "3",
        "--concurrency",
        "2",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    // Per flight: create, 3 check-ins, 3 boardings, disembark, land, delete.
    assert!(stdout.contains("40 commands"), "{stdout}");
    for word in [
        "commands/s",
        "p50",
        "p90",
        "p99",
        "max",
        "every flight made it through",
    ] {
        assert!(stdout.contains(word), "'{word}' missing: {stdout}");
    }
}

/// A backend that wants a token it never gets: it remembers the Authorization header it saw.
async fn locked_backend() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::http::{HeaderMap, StatusCode};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let log = log.clone();
        async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            log.lock().unwrap().push(auth);
            (
                StatusCode::UNAUTHORIZED,
                [("content-type", "application/problem+json")],
                r#"{"status":401,"title":"Unauthorized","detail":"a valid bearer token is required"}"#,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/api"), seen)
}

#[test]
fn the_token_is_sent_and_a_401_says_what_to_do() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (api, seen) = rt.block_on(locked_backend());
    let out = flightdeck(&[
        "demo",
        "--headless",
        "--api",
        &api,
        "--token",
        "s3cret-t0ken",
    ]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("the backend wants a token: pass --token or FLIGHTDECK_TOKEN"),
        "{stdout}"
    );
    assert!(stdout.contains("FAILED at step 1"), "{stdout}");
    assert!(
        !stdout.contains("s3cret") && !stderr.contains("s3cret"),
        "never print the token"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|a| a == "Bearer s3cret-t0ken"), "{seen:?}");

    // The console shows it too, in its status bar or toast, with no token given.
    let mut c = Console::spawn(&["--api", &api], 30, 140);
    c.wait_for("the backend wants a token");
    c.send("q");
    assert!(c.wait_exit());
}

// The wide layout at 160 columns: Flights and Passengers left, the Audit log right.
const LEFT: std::ops::Range<u16> = 0..88;

#[test]
fn the_visible_tour_plays_to_its_last_step() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut c = Console::spawn(
        &["demo", "--speed", "0", "--data-dir", data.to_str().unwrap()],
        40,
        160,
    );
    // At speed 0 the first step's banner may be gone before a look at the screen.
    c.wait_line_shown(&["Step 1/", "Create flight SK101"]);
    let n = tour_steps();
    c.wait_for(&format!("Tour complete: all {n} steps held"));
    // The final state: SK101 gone, DY602 arrived with both passengers, LH808 edited to Porto
    // with Eve renamed.
    c.wait_line_in(LEFT, &["DY602", "OSL → BGO", "Arrived", "2/2"]);
    c.wait_line_in(LEFT, &["LH808", "FRA → OPO", "Waiting for boarding", "0/1"]);
    c.wait_line_in(LEFT, &["Eve Holmberg", "Checked in"]);
    let left: String = c.wait_line_in(LEFT, &["DY602"]);
    assert!(!left.contains("SK101"), "SK101 was deleted:\n{left}");
    // The console is the operator's now: keys work as usual.
    c.send("?");
    c.wait_for("pause / resume following");
    c.send("\x1b");
    c.wait_gone("pause / resume following");
    c.send("q");
    assert!(c.wait_exit(), "q quits cleanly after the tour");
    assert!(!c.in_alternate_screen());
}

#[test]
fn any_key_pauses_the_visible_tour_and_exit_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut c = Console::spawn(
        &[
            "demo",
            "--speed",
            "0.5",
            "--exit",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        40,
        160,
    );
    // At speed 0 the first step's banner may be gone before a look at the screen.
    c.wait_line_shown(&["Step 1/", "Create flight SK101"]);
    c.send(" ");
    c.wait_for("PAUSED");
    c.send(" ");
    c.wait_gone("PAUSED");
    c.send("q");
    assert!(c.wait_exit(), "q quits during the tour");
}

#[test]
fn a_visible_tour_that_fails_with_exit_says_why_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never.toml");
    std::fs::write(
        &path,
        r#"
name = "Never lands"
[[step]]
action = "create_flight"
as = "f"
origin = "ARN"
destination = "CPH"
number = "SK9"
[[step]]
say = "SK9 lands by itself"
expect = "flight_status"
flight = "f"
status = "arrived"
timeout = "300ms"
"#,
    )
    .unwrap();
    let data = dir.path().join("data");
    let mut c = Console::spawn(
        &[
            "demo",
            "--speed",
            "0",
            "--exit",
            "--script",
            path.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        40,
        160,
    );
    assert!(!c.wait_exit(), "a step that did not hold fails the run");
    assert!(!c.in_alternate_screen());
    let screen = c.contents();
    let line = screen
        .lines()
        .find(|l| l.starts_with("flightdeck demo: step 2/2 failed"))
        .unwrap_or_else(|| panic!("no failure on the screen left behind:\n{screen}"));
    assert!(line.contains("SK9 lands by itself"), "{line}");
    assert!(line.contains("saw SK9 Waiting for boarding"), "{line}");
}

#[test]
fn the_history_expectation_holds_on_the_embedded_backend_and_says_what_it_saw_when_not() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let path = example("history.toml");
    let out = flightdeck(&[
        "demo",
        "--headless",
        "--script",
        path.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("history: 4 events"), "{stdout}");

    let wrong = dir.path().join("wrong.toml");
    std::fs::write(
        &wrong,
        r#"
[[step]]
action = "create_flight"
as = "f"
origin = "ARN"
destination = "CPH"
number = "SK9"
[[step]]
expect = "history"
flight = "f"
events = 2
timeout = "300ms"
"#,
    )
    .unwrap();
    let out = flightdeck(&[
        "demo",
        "--headless",
        "--script",
        wrong.to_str().unwrap(),
        "--data-dir",
        dir.path().join("data2").to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.contains("FAILED at step 2"), "{last}");
    assert!(
        last.contains("1 events, the last 'Create flight'"),
        "{last}"
    );
}
