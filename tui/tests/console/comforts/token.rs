//! `--token-file` / `FLIGHTDECK_TOKEN_FILE`: the token is read from the file with its trailing
//! newline trimmed and sent as a bearer token; a file others can read is warned about.

use super::{flightdeck, text};
use std::sync::{Arc, Mutex};

/// A backend that wants a token it never gets, and remembers every Authorization it saw.
async fn locked_backend() -> (String, Arc<Mutex<Vec<String>>>) {
    use axum::http::{HeaderMap, StatusCode};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let log = log.clone();
        async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            log.lock().expect("log").push(auth);
            (StatusCode::UNAUTHORIZED, "a valid bearer token is required")
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/api"), seen)
}

#[cfg(unix)]
fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn the_token_file_is_read_trimmed_and_sent_and_a_readable_one_is_warned_about() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (api, seen) = rt.block_on(locked_backend());
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("token");
    std::fs::write(&file, "s3cret-from-file\n").expect("written");
    let path = file.to_str().expect("path");

    #[cfg(unix)]
    chmod(&file, 0o644);
    let out = flightdeck(
        &["demo", "--headless", "--api", &api, "--token-file", path],
        &[],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(1),
        "the backend refuses everything: {stdout}"
    );
    #[cfg(unix)]
    assert!(
        stderr.contains(&format!(
            "warning: token file {path} can be read by others (mode 644)"
        )),
        "{stderr}"
    );
    assert!(
        !stdout.contains("s3cret") && !stderr.contains("s3cret"),
        "never printed"
    );
    let sent = std::mem::take(&mut *seen.lock().expect("log"));
    assert!(!sent.is_empty());
    assert!(
        sent.iter().all(|a| a == "Bearer s3cret-from-file"),
        "{sent:?}"
    );

    // The variable works the same, and a file only its owner reads is not warned about.
    #[cfg(unix)]
    chmod(&file, 0o600);
    let out = flightdeck(
        &["demo", "--headless", "--api", &api],
        &[("FLIGHTDECK_TOKEN_FILE", path)],
    );
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
    let sent = seen.lock().expect("log").clone();
    assert!(
        sent.iter().all(|a| a == "Bearer s3cret-from-file"),
        "{sent:?}"
    );
}

#[test]
fn token_files_that_cannot_be_used_stop_the_start_in_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").expect("written");
    let two = dir.path().join("two-lines");
    std::fs::write(&two, "one\ntwo\n").expect("written");
    for (file, expected) in [
        (dir.path().join("missing"), "cannot read it"),
        (empty, "is empty"),
        (two, "holds spaces or more than one line"),
    ] {
        let path = file.to_str().expect("path");
        let out = flightdeck(
            &[
                "demo",
                "--headless",
                "--token-file",
                path,
                "--data-dir",
                data.to_str().expect("path"),
            ],
            &[],
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("token file {path}: {expected}")),
            "{stderr}"
        );
        assert!(!data.exists(), "nothing started");
    }
    // A token and a token file from the same place is a question only the operator can answer.
    let out = flightdeck(
        &["config", "--token", "a", "--token-file", "/dev/null"],
        &[],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--token and --token-file both give a token"),
        "{stderr}"
    );
}
