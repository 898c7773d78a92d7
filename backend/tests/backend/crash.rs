//! kill -9 the real backend binary at a random moment under load from 16 operators, start it
//! again: every command answered `success` is there, and `verify` finds the read model equal to
//! a replay of the log.

use flightdeck_core::contract::Created;
use flightdeck_core::PassengerStatus;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use uuid::Uuid;

const BINARY: &str = env!("CARGO_BIN_EXE_flightdeck-backend");

#[derive(Debug, Clone, Copy)]
enum Ack {
    Flight(Uuid),
    Passenger(Uuid),
    Boarded(Uuid),
}

/// Starts the binary on a free port and returns it with its API base URL.
pub(crate) async fn launch(args: &[String]) -> (Child, String) {
    let mut child = Command::new(BINARY)
        .args(args)
        .args(["--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("backend binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the backend says where it listens in time")
        .expect("stdout readable")
        .expect("a line");
    let base = line
        .strip_prefix("flightdeck-backend listening on ")
        .and_then(|url| url.strip_suffix("/api"))
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned();
    (child, base)
}

async fn operator(client: reqwest::Client, base: String, acks: Arc<Mutex<Vec<Ack>>>, n: usize) {
    let ack = |a: Ack| acks.lock().expect("acks").push(a);
    for round in 0.. {
        let Ok(response) = client
            .post(format!("{base}/api/flights"))
            .json(&serde_json::json!({"origin": "ARN", "destination": "CPH", "flightNumber": format!("OP{n}-{round}")}))
            .send()
            .await
        else {
            return;
        };
        let Ok(flight) = response.json::<Created>().await else {
            return;
        };
        assert!(flight.success, "{:?}", flight.error);
        ack(Ack::Flight(flight.id));
        for name in ["Ann", "Bo"] {
            let Ok(response) = client
                .post(format!("{base}/api/passengers"))
                .json(&serde_json::json!({"name": name, "flightId": flight.id}))
                .send()
                .await
            else {
                return;
            };
            let Ok(passenger) = response.json::<Created>().await else {
                return;
            };
            assert!(passenger.success, "{:?}", passenger.error);
            ack(Ack::Passenger(passenger.id));
            let Ok(response) = client
                .put(format!("{base}/api/passengers"))
                .json(&serde_json::json!({"id": passenger.id, "status": 2}))
                .send()
                .await
            else {
                return;
            };
            let Ok(outcome) = response.json::<flightdeck_core::contract::Outcome>().await else {
                return;
            };
            assert!(outcome.success, "{:?}", outcome.error);
            ack(Ack::Boarded(passenger.id));
        }
    }
}

async fn crash_and_recover(store_args: Vec<String>) {
    let (mut backend, base) = launch(&store_args).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let acks = Arc::new(Mutex::new(Vec::new()));
    let operators: Vec<_> = (0..16)
        .map(|n| tokio::spawn(operator(client.clone(), base.clone(), acks.clone(), n)))
        .collect();
    // A moment no one chose: after a varying number of acknowledged commands.
    let threshold = 100
        + (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos() as usize
            % 300);
    let seen = AtomicUsize::new(0);
    crate::support::eventually("load to build up", Duration::from_secs(60), || {
        seen.store(acks.lock().unwrap().len(), Ordering::Relaxed);
        async { seen.load(Ordering::Relaxed) >= threshold }
    })
    .await;
    backend.start_kill().expect("SIGKILL sent");
    backend.wait().await.expect("the backend died");
    for op in operators {
        op.await
            .expect("operators stop at the first refused connection");
    }
    let acknowledged = acks.lock().unwrap().clone();
    assert!(acknowledged.len() >= threshold);

    let (mut backend, base) = launch(&store_args).await;
    crate::support::wait_ready(
        &client,
        &base,
        "the restarted backend to be ready",
        Duration::from_secs(30),
    )
    .await;
    for ack in &acknowledged {
        match *ack {
            Ack::Flight(id) => {
                let r = client
                    .get(format!("{base}/api/flights/{id}"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "acknowledged flight {id} was lost");
            }
            Ack::Passenger(id) => {
                let r = client
                    .get(format!("{base}/api/passengers/{id}"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "acknowledged passenger {id} was lost");
            }
            Ack::Boarded(id) => {
                let p: flightdeck_core::contract::Passenger = client
                    .get(format!("{base}/api/passengers/{id}"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(
                    p.status,
                    PassengerStatus::Boarded,
                    "acknowledged boarding of {id} was lost"
                );
            }
        }
    }
    backend.start_kill().expect("stop");
    backend.wait().await.expect("stopped");

    let verified = Command::new(BINARY)
        .args(&store_args)
        .arg("verify")
        .output()
        .await
        .expect("verify runs");
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "verify found differences:\n{report}"
    );
    assert!(report.contains("no differences"), "{report}");
    eprintln!(
        "{} acknowledged commands before kill -9; after restart: {}",
        acknowledged.len(),
        report.trim()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_nothing_acknowledged_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    crash_and_recover(vec!["--data-dir".into(), dir.path().display().to_string()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_nothing_acknowledged_postgres() {
    let Some((url, name)) = crate::support::fresh_postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    crash_and_recover(vec![
        "--data-dir".into(),
        dir.path().display().to_string(),
        "--read-db".into(),
        url,
    ])
    .await;
    use sqlx::{Connection, Executor};
    if let Ok(mut conn) = sqlx::PgConnection::connect(&crate::support::postgres_admin_url()).await {
        let _ = conn
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await;
    }
}
