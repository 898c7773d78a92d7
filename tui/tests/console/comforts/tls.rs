//! HTTPS: with `--ca-cert` the console connects and follows the live stream through TLS;
//! without it, or with an expired certificate or one for another name, it says so in one
//! sentence naming the host and the reason, stops trying, and the run fails.

use super::pki::{Ca, TlsProxy};
use super::{backend, flightdeck, text};
use crate::support::pty::Console;

#[test]
fn with_the_ca_the_console_connects_over_https_and_follows_the_live_stream() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let server = rt.block_on(backend(&dir.path().join("data")));
    let ca = Ca::new();
    let proxy = rt.block_on(TlsProxy::start(
        &ca.leaf(&["localhost", "127.0.0.1"], false),
        server.addr(),
    ));
    let ca_file = ca.write(dir.path());
    let api = proxy.api("localhost");
    let mut c = Console::spawn(
        &["--api", &api, "--ca-cert", ca_file.to_str().expect("path")],
        40,
        160,
    );
    c.wait_line(&["remote", &api, "live", "connected"]);
    // A flight created elsewhere arrives through the live stream, over TLS.
    let created: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("http://{}/api/flights", server.addr()))
            .json(
                &serde_json::json!({"origin": "ARN", "destination": "OSL", "flightNumber": "TLS1"}),
            )
            .send()
            .await
            .expect("created")
            .json()
            .await
            .expect("answer")
    });
    assert_eq!(created["success"], true, "{created}");
    c.wait_line(&["Create flight", "TLS1"]);
    c.wait_line(&["TLS1", "ARN → OSL", "Waiting for boarding"]);
    // The status view, read over the same connection.
    c.send("s");
    c.wait_line(&["Event store", "sqlite"]);
    let screen = c.wait_line(&["Checkpoint", "1 (caught up)"]);
    println!("{screen}");
    c.send("s");
    c.wait_gone("Backend status");
    c.send("q");
    assert!(c.wait_exit(), "a clean run exits 0");
    rt.block_on(server.shutdown());
}

#[test]
fn without_the_ca_the_certificate_is_refused_in_one_sentence_and_the_run_fails() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let server = rt.block_on(backend(&dir.path().join("data")));
    let ca = Ca::new();
    let proxy = rt.block_on(TlsProxy::start(
        &ca.leaf(&["localhost"], false),
        server.addr(),
    ));
    let api = proxy.api("localhost");

    let out = flightdeck(&["demo", "--headless", "--api", &api], &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("the certificate of localhost is refused: unknown issuer"),
        "{stdout}"
    );
    assert!(
        stdout.contains("--ca-cert"),
        "it says what would help: {stdout}"
    );

    // The console shows it in the status bar, does not retry, and exits non-zero on quit.
    let before = proxy.attempts();
    let mut c = Console::spawn(&["--api", &api], 30, 160);
    c.wait_line(&["the certificate of localhost is refused: unknown issuer"]);
    let screen = c.wait_line(&["remote", "down"]);
    assert!(
        !screen.contains("retry in"),
        "no retry is scheduled:\n{screen}"
    );
    c.send("q");
    assert!(!c.wait_exit(), "a refused certificate fails the run");
    // The flights, the audit history, the status and the start-up check of what answers at
    // the URL: one handshake each, none repeated.
    let handshakes = proxy.attempts() - before;
    assert!(handshakes <= 4, "{handshakes} handshakes: it kept trying");
    rt.block_on(server.shutdown());
}

#[test]
fn an_expired_certificate_and_one_for_another_name_are_named() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let server = rt.block_on(backend(&dir.path().join("data")));
    let ca = Ca::new();
    let ca_file = ca.write(dir.path());
    let ca_file = ca_file.to_str().expect("path");
    for (leaf, expected) in [
        (ca.leaf(&["localhost"], true), "the certificate of localhost is refused: expired"),
        (
            ca.leaf(&["elsewhere.test"], false),
            "the certificate of localhost is refused: name mismatch (it is issued for elsewhere.test",
        ),
    ] {
        let proxy = rt.block_on(TlsProxy::start(&leaf, server.addr()));
        let api = proxy.api("localhost");
        let out = flightdeck(&["demo", "--headless", "--api", &api, "--ca-cert", ca_file], &[]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        assert!(stdout.contains(expected), "'{expected}' missing:\n{stdout}");
    }
    rt.block_on(server.shutdown());
}

#[test]
fn a_ca_file_that_is_no_certificate_stops_the_start_in_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let bad = dir.path().join("not-a-ca.pem");
    std::fs::write(&bad, "hello\n").expect("written");
    for env in [
        vec![],
        vec![("FLIGHTDECK_CA_CERT", bad.to_str().expect("path"))],
    ] {
        let mut args = vec![
            "demo",
            "--headless",
            "--data-dir",
            data.to_str().expect("path"),
        ];
        if env.is_empty() {
            args.extend(["--ca-cert", bad.to_str().expect("path")]);
        }
        let out = flightdeck(&args, &env);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.contains("not-a-ca.pem") && stderr.contains("no PEM certificate"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
        assert!(!data.exists(), "nothing was started");
    }
}
