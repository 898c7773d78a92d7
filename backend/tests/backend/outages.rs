//! Long or disruptive reliability runs, left out of `cargo test` because they stop the machine's
//! Postgres or run for a minute: `scripts/reliability.sh` runs them one at a time.

use crate::support::{Stores, TestApp};
use flightdeck_backend::read_model::ReadModel;
use flightdeck_backend::verify::verify;
use flightdeck_core::contract::{AuditEntry, Created};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn pg_cluster(action: &str) {
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("a Debian Postgres cluster")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .next()
        .expect("a cluster version");
    let status = std::process::Command::new("pg_ctlcluster")
        .args([
            "--skip-systemctl-redirect",
            &version,
            "main",
            action,
            "-m",
            "fast",
        ])
        .status()
        .expect("pg_ctlcluster runs");
    assert!(status.success(), "pg_ctlcluster {action} failed");
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "stops and starts the machine's Postgres; run by scripts/reliability.sh"]
async fn postgres_restart_under_load() {
    let app = Arc::new(
        TestApp::spawn(Stores::SqlitePostgres)
            .await
            .expect("Postgres is running"),
    );
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let unavailable = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|n| {
            let (app, acknowledged, unavailable, stop) = (app.clone(), acknowledged.clone(), unavailable.clone(), stop.clone());
            tokio::spawn(async move {
                let mut round = 0;
                while !stop.load(Ordering::Relaxed) {
                    round += 1;
                    let started = Instant::now();
                    let response = app
                        .send(
                            reqwest::Method::POST,
                            "/api/flights",
                            serde_json::json!({"origin": "ARN", "destination": "CPH", "flightNumber": format!("W{n}-{round}")}),
                        )
                        .await;
                    assert!(started.elapsed() < Duration::from_secs(31), "a command hung past the request timeout");
                    match response.status().as_u16() {
                        200 => {
                            let created: Created = response.json().await.expect("Created");
                            assert!(created.success);
                            acknowledged.lock().unwrap().push(created.id);
                        }
                        503 => {
                            let problem: flightdeck_core::contract::Problem = response.json().await.expect("a problem body");
                            assert!(!problem.detail.is_empty());
                            unavailable.fetch_add(1, Ordering::Relaxed);
                        }
                        other => panic!("unexpected {other}"),
                    }
                }
            })
        })
        .collect();
    crate::support::eventually("load to build up", Duration::from_secs(30), || async {
        acknowledged.lock().unwrap().len() > 50
    })
    .await;
    pg_cluster("stop");
    crate::support::eventually("readiness to go false", Duration::from_secs(30), || async {
        !app.ready().await
    })
    .await;
    crate::support::eventually(
        "commands to be refused with 503",
        Duration::from_secs(30),
        || async { unavailable.load(Ordering::Relaxed) > 0 },
    )
    .await;
    pg_cluster("start");
    crate::support::eventually(
        "readiness to come back by itself",
        Duration::from_secs(60),
        || app.ready(),
    )
    .await;
    let before = acknowledged.lock().unwrap().len();
    crate::support::eventually(
        "commands to succeed again",
        Duration::from_secs(30),
        || async { acknowledged.lock().unwrap().len() > before + 20 },
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }
    crate::support::eventually(
        "the read model to catch up",
        Duration::from_secs(30),
        || app.ready(),
    )
    .await;
    let flights: BTreeSet<_> = app.flights().await.into_iter().map(|f| f.id).collect();
    let acknowledged = acknowledged.lock().unwrap().clone();
    for id in &acknowledged {
        assert!(flights.contains(id), "acknowledged flight {id} was lost");
    }
    let read_model = ReadModel::open(&app.config.read_db)
        .await
        .expect("read model");
    let report = verify(app.open_event_store().await.as_ref(), &read_model)
        .await
        .expect("verify");
    assert_eq!(report.differences, Vec::<String>::new());
    eprintln!(
        "Postgres restart: {} commands acknowledged, {} answered 503 while it was down, {} events verified",
        acknowledged.len(),
        unavailable.load(Ordering::Relaxed),
        report.events
    );
    Arc::into_inner(app).expect("writers done").finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "runs for a minute; run by scripts/reliability.sh"]
async fn held_load_200_subscribers_32_writers() {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let app = Arc::new(
        TestApp::spawn_with(Stores::Sqlite, |c| c.max_streams = 256)
            .await
            .expect("app"),
    );
    let stop = Arc::new(AtomicBool::new(false));
    // Unknown until the writers stop; then the position of the last entry.
    let last = Arc::new(AtomicU64::new(u64::MAX));
    // Every subscriber is connected before the first write, so each must see every entry.
    let streams = futures_util::future::join_all((0..200).map(|_| {
        app.client
            .get(app.url("/api/auditlog/stream?from=0"))
            .timeout(Duration::from_secs(seconds + 120))
            .send()
    }))
    .await;
    let subscribers: Vec<_> = streams
        .into_iter()
        .map(|response| {
            let mut response = response.expect("stream opens");
            assert_eq!(response.status(), 200);
            let last = last.clone();
            tokio::spawn(async move {
                let mut seen: Vec<u64> = Vec::new();
                let mut buffer = String::new();
                // Read until the newest entry written before the stop has arrived; a subscriber
                // that falls behind catches up from the read model, which takes its time.
                while seen
                    .last()
                    .is_none_or(|&p| p < last.load(Ordering::Relaxed))
                {
                    let chunk =
                        match tokio::time::timeout(Duration::from_secs(60), response.chunk()).await
                        {
                            Ok(Ok(Some(chunk))) => chunk,
                            _ => break,
                        };
                    buffer.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buffer.find("\n\n") {
                        let message: String = buffer.drain(..end + 2).collect();
                        if let Some(data) = message.lines().find_map(|l| l.strip_prefix("data:")) {
                            let entry: AuditEntry =
                                serde_json::from_str(data.trim()).expect("entry");
                            seen.push(entry.position.expect("position"));
                        }
                    }
                }
                seen
            })
        })
        .collect();
    let rss_start = rss_kib();
    let errors = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..32)
        .map(|n| {
            let (app, stop, errors) = (app.clone(), stop.clone(), errors.clone());
            tokio::spawn(async move {
                let mut round = 0;
                while !stop.load(Ordering::Relaxed) {
                    round += 1;
                    let created = app
                        .post_flight("ARN", "CPH", &format!("S{n}-{round}"))
                        .await;
                    if !created.success {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let mut rss_samples = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(5)).await; // sampling memory, not synchronising
        rss_samples.push(rss_kib() / 1024);
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }
    let expected: Vec<u64> = app
        .audit()
        .await
        .into_iter()
        .map(|e| e.position.expect("position"))
        .collect();
    // Subscribers stop once they have read everything written before the stop.
    let mut complete = 0;
    for subscriber in subscribers {
        let seen = subscriber.await.expect("subscriber");
        assert_eq!(seen, expected, "a subscriber missed or repeated an entry");
        complete += 1;
    }
    assert_eq!(
        errors.load(Ordering::Relaxed),
        0,
        "commands failed under held load"
    );
    eprintln!(
        "held load {seconds} s: {} commands, {complete} subscribers saw every entry in order; process RSS MiB at start {} then every 5 s {:?}",
        expected.len(),
        rss_start / 1024,
        rss_samples
    );
    Arc::into_inner(app).expect("all done").finish().await;
}
