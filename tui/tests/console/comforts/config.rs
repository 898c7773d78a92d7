//! The config file: where the backend is, the token file, the CA, the theme and `[keys]`;
//! flags and the environment win over it; `flightdeck config` says where each setting came from;
//! a bad file stops the start with one line naming the file, the line and the problem.

use super::pki::Ca;
use super::{backend, flightdeck, text};
use crate::support::pty::{Console, ESC};

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path.to_str().expect("path").to_owned()
}

#[test]
fn the_file_names_the_backend_and_its_keys_replace_the_defaults_in_help_and_footer() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let server = rt.block_on(backend(&dir.path().join("data")));
    let api = format!("http://{}/api", server.addr());
    let file = write(
        dir.path(),
        "config.toml",
        &format!("api = \"{api}\"\n\n[keys]\nquit = \"Q\"\nnew_flight = [\"N\", \"F2\"]\n"),
    );
    let mut c = Console::spawn(&["--config", &file], 40, 160);
    c.wait_line(&["remote", &api, "live"]);
    c.wait_line(&["N new", "Q quit"]);
    c.send("?");
    c.wait_line(&["N F2", "new flight"]);
    c.wait_line(&["Q Ctrl-C", "quit"]);
    c.send(ESC);
    c.wait_gone("Ctrl-C");
    // The old keys do nothing now; the new ones work.
    c.send("q");
    c.send("n");
    c.send("N");
    let screen = c.wait_for("New flight");
    assert!(screen.contains("remote"), "q did not quit:\n{screen}");
    c.send(ESC);
    c.wait_gone("New flight");
    c.send("Q");
    assert!(c.wait_exit(), "Q quits");
    rt.block_on(server.shutdown());
}

#[test]
fn flightdeck_config_prints_each_setting_and_where_it_came_from() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "token", "t0ps3cret\n");
    let ca = Ca::new();
    let ca_file = ca.write(dir.path());
    let file = write(
        dir.path(),
        "config.toml",
        "api = \"https://from-the-file.example/api\"\npoll_interval = \"5s\"\ntoken_file = \"token\"\n\
         theme = \"no-color\"\n\n[keys]\nhelp = \"H\"\n",
    );
    let out = flightdeck(
        &[
            "config",
            "--config",
            &file,
            "--ca-cert",
            ca_file.to_str().expect("path"),
        ],
        &[("FLIGHTDECK_POLL_INTERVAL", "2s")],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} line:\n{stdout}"))
            .to_owned()
    };
    assert!(
        line("config").contains(&file) && line("config").ends_with("(--config)"),
        "{stdout}"
    );
    assert!(
        line("api").contains("https://from-the-file.example/api"),
        "{stdout}"
    );
    assert!(line("api").ends_with(&format!("({file})")), "{stdout}");
    assert!(
        line("poll_interval").ends_with("(FLIGHTDECK_POLL_INTERVAL)"),
        "{stdout}"
    );
    assert!(line("poll_interval").contains("2s"), "{stdout}");
    assert!(line("token").contains("hidden"), "{stdout}");
    assert!(line("token").ends_with(&format!("({file})")), "{stdout}");
    assert!(
        !stdout.contains("t0ps3cret"),
        "the token is never printed:\n{stdout}"
    );
    assert!(line("ca_cert").ends_with("(--ca-cert)"), "{stdout}");
    assert!(line("theme").contains("no-color"), "{stdout}");
    assert!(line("keys.help").contains('H'), "{stdout}");

    // A flag wins over the file; without a file, everything is a default.
    let out = flightdeck(
        &[
            "config",
            "--config",
            &file,
            "--api",
            "http://flag.example/api",
        ],
        &[],
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.lines().any(|l| l.starts_with("api")
            && l.contains("http://flag.example/api")
            && l.ends_with("(--api)")),
        "{stdout}"
    );
    let out = flightdeck(&["config", "--data-dir", "/tmp/fd-data"], &[]);
    let stdout = text(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("config") && l.contains("not there")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("poll_interval") && l.ends_with("(default)")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("api") && l.contains("embedded") && l.ends_with("(--data-dir)")),
        "{stdout}"
    );
}

#[test]
fn a_bad_file_stops_the_start_with_one_line_naming_the_file_the_line_and_the_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("path");
    for (name, contents, expected) in [
        (
            "unparsable.toml",
            "api = \"http://h/api\"\n[keys\n",
            "line 2: ",
        ),
        (
            "unknown-key.toml",
            "api = \"http://h/api\"\ncolour = \"red\"\n",
            "line 2: unknown field `colour`",
        ),
        (
            "unknown-action.toml",
            "[keys]\nquit = \"Q\"\nfly = \"f\"\n",
            "line 3: unknown action 'fly'",
        ),
        (
            "unknown-key-name.toml",
            "[keys]\nhelp = \"Hyper-h\"\n",
            "line 2: unknown key 'Hyper-h'",
        ),
        (
            "twice.toml",
            "# x deletes in Flights\n[keys]\nquit = \"x\"\n",
            "line 3: 'x' is bound twice in Flights: to quit and to delete",
        ),
    ] {
        let file = write(dir.path(), name, contents);
        let out = flightdeck(&["--config", &file, "--data-dir", data], &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
        assert!(
            stderr.contains(&format!("{file}: {expected}")),
            "{name}: {stderr}"
        );
        assert!(
            !std::path::Path::new(data).exists(),
            "{name}: nothing started"
        );
    }
    // A file named but missing is a mistake too; the default file missing is not.
    let out = flightdeck(
        &["--config", "/nonexistent/fd.toml", "--data-dir", data],
        &[],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/nonexistent/fd.toml: cannot read it"),
        "{stderr}"
    );
}

#[test]
fn the_theme_colours_statuses_and_borders() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let server = rt.block_on(backend(&dir.path().join("data")));
    let api = format!("http://{}/api", server.addr());
    let file = write(
        dir.path(),
        "config.toml",
        &format!("api = \"{api}\"\n[theme]\nwaiting_for_boarding = \"#ff8800\"\nfocused_border = \"red\"\n"),
    );
    rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{api}/flights"))
            .json(
                &serde_json::json!({"origin": "ARN", "destination": "OSL", "flightNumber": "TH1"}),
            )
            .send()
            .await
            .expect("created");
    });
    let mut c = Console::spawn(&["--config", &file], 40, 160);
    c.wait_line(&["TH1", "Waiting for boarding"]);
    assert_eq!(
        c.fg_of("Waiting for boarding"),
        Some(vt100::Color::Rgb(0xff, 0x88, 0x00))
    );
    // The focused pane's border; ratatui's red is the terminal's colour 1.
    assert_eq!(c.fg_of("┏"), Some(vt100::Color::Idx(1)));
    c.send("q");
    assert!(c.wait_exit());
    rt.block_on(server.shutdown());
}
