//! Spawns the real backend on a random port against a real SQLite file and, where asked, a real
//! Postgres database of its own, and drives it over HTTP.
#![allow(dead_code)] // each test binary uses its own part of this

use flightdeck_backend::config::{Config, EventsDb};
use flightdeck_backend::event_store::esdb::EsdbEventStore;
use flightdeck_backend::event_store::sqlite::SqliteEventStore;
use flightdeck_backend::event_store::EventStore;
use flightdeck_backend::read_model::ReadDb;
use flightdeck_backend::{start, Server};
use flightdeck_core::contract::{AuditEntry, Created, Flight, Outcome, Passenger};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use uuid::Uuid;

/// Which event store and read model a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stores {
    /// The embedded default: both on SQLite.
    Sqlite,
    /// SQLite events, Postgres read model.
    SqlitePostgres,
    /// EventStoreDB (the in-process stand-in, over real gRPC) and Postgres: the compose stack.
    EventStoreDbPostgres,
}

/// Generates one test per store combination from `async fn name(stores: Stores)`.
#[macro_export]
macro_rules! on_each_store {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Stores::Sqlite).await })*
        }
        mod sqlite_postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Stores::SqlitePostgres).await })*
        }
        /// EventStoreDB cannot run here; these talk gRPC to the `esdb-standin` crate instead.
        mod eventstoredb_standin_postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Stores::EventStoreDbPostgres).await })*
        }
    };
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub config: Config,
    server: Option<Server>,
    postgres: Option<(String, String)>,
    pub standin: Option<esdb_standin::StandIn>,
    _dir: TempDir,
}

pub fn postgres_admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database for one test, or `None` (said loudly) when no Postgres runs here. Under CI a
/// missing Postgres fails the test instead.
pub async fn fresh_postgres() -> Option<(String, String)> {
    let admin = postgres_admin_url();
    let mut conn = match PgConnection::connect(&admin).await {
        Ok(conn) => conn,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED: no Postgres at {admin} ({e}); this test ran on SQLite only");
            return None;
        }
        Err(e) => panic!("CI needs Postgres at {admin}: {e}"),
    };
    let name = format!("flightdeck_test_{}", Uuid::new_v4().simple());
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let (base, _) = admin
        .rsplit_once('/')
        .expect("DATABASE_URL names a database");
    Some((format!("{base}/{name}"), name))
}

impl TestApp {
    /// The backend on the chosen stores, with its files in a temporary directory; `None` when
    /// Postgres cannot run here (see `fresh_postgres`).
    pub async fn spawn(stores: Stores) -> Option<Self> {
        Self::spawn_with(stores, |_| {}).await
    }

    /// As `spawn`, with the configuration adjusted first.
    pub async fn spawn_with(stores: Stores, adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::embedded(dir.path().to_owned());
        adjust(&mut config);
        let postgres = match stores {
            Stores::Sqlite => None,
            Stores::SqlitePostgres | Stores::EventStoreDbPostgres => {
                let (url, name) = fresh_postgres().await?;
                config.read_db = ReadDb::Postgres(url.clone());
                Some((url, name))
            }
        };
        let standin = match stores {
            Stores::EventStoreDbPostgres => {
                let standin = esdb_standin::StandIn::start()
                    .await
                    .expect("stand-in starts");
                config.events = EventsDb::EventStoreDb(standin.url());
                Some(standin)
            }
            _ => None,
        };
        let server = start(config.clone()).await.expect("backend starts");
        Some(Self {
            base: format!("http://{}", server.addr()),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            config,
            server: Some(server),
            postgres,
            standin,
            _dir: dir,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server and starts it again on the same stores (on a new port).
    pub async fn restart(&mut self, rebuild: bool) {
        self.stop().await;
        let mut config = self.config.clone();
        config.rebuild = rebuild;
        let server = start(config).await.expect("backend restarts");
        self.base = format!("http://{}", server.addr());
        self.server = Some(server);
    }

    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Stops the server and drops the test's Postgres database.
    pub async fn finish(mut self) {
        self.stop().await;
        if let Some((_, name)) = self.postgres.take() {
            if let Ok(mut conn) = PgConnection::connect(&postgres_admin_url()).await {
                let _ = conn
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await;
            }
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("GET sent");
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.expect("JSON answer")
    }

    /// A GET's JSON answer whatever its status (a readiness check's reason, say).
    pub async fn get_any(&self, path: &str) -> Value {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET sent")
            .json()
            .await
            .unwrap_or_default()
    }

    pub async fn post_flight(&self, origin: &str, destination: &str, number: &str) -> Created {
        let body = json!({"origin": origin, "destination": destination, "flightNumber": number});
        self.send(reqwest::Method::POST, "/api/flights", body)
            .await
            .json()
            .await
            .expect("Created")
    }

    pub async fn create_flight(&self, number: &str) -> Uuid {
        let created = self.post_flight("ARN", "CPH", number).await;
        assert!(created.success, "create {number}: {:?}", created.error);
        created.id
    }

    pub async fn post_passenger(&self, flight_id: Uuid, name: &str) -> Created {
        let body = json!({"name": name, "flightId": flight_id});
        self.send(reqwest::Method::POST, "/api/passengers", body)
            .await
            .json()
            .await
            .expect("Created")
    }

    pub async fn add_passenger(&self, flight_id: Uuid, name: &str) -> Uuid {
        let created = self.post_passenger(flight_id, name).await;
        assert!(created.success, "add {name}: {:?}", created.error);
        created.id
    }

    pub async fn put_flight(&self, body: Value) -> Outcome {
        self.send(reqwest::Method::PUT, "/api/flights", body)
            .await
            .json()
            .await
            .expect("Outcome")
    }

    /// The PUT the original web client sends to change a flight's status: every field, as read.
    pub async fn set_flight_status(&self, flight_id: Uuid, status: i64) -> Outcome {
        let flight = self.flight(flight_id).await;
        self.put_flight(json!({
            "id": flight_id, "origin": flight.origin, "destination": flight.destination,
            "flightNumber": flight.flight_number, "status": status
        }))
        .await
    }

    pub async fn put_passenger(&self, body: Value) -> Outcome {
        self.send(reqwest::Method::PUT, "/api/passengers", body)
            .await
            .json()
            .await
            .expect("Outcome")
    }

    pub async fn board(&self, passenger_id: Uuid) -> Outcome {
        let p = self.passenger(passenger_id).await;
        self.put_passenger(
            json!({"id": p.id, "flightId": p.flight_id, "name": p.name, "status": 2}),
        )
        .await
    }

    pub async fn delete_flight(&self, flight_id: Uuid) -> Outcome {
        self.send(
            reqwest::Method::DELETE,
            "/api/flights",
            json!({"id": flight_id}),
        )
        .await
        .json()
        .await
        .expect("Outcome")
    }

    pub async fn flights(&self) -> Vec<Flight> {
        self.get("/api/flights").await
    }

    pub async fn flight(&self, id: Uuid) -> Flight {
        self.get(&format!("/api/flights/{id}")).await
    }

    pub async fn passenger(&self, id: Uuid) -> Passenger {
        self.get(&format!("/api/passengers/{id}")).await
    }

    pub async fn passengers(&self, flight_id: Uuid) -> Vec<Passenger> {
        self.get(&format!("/api/passengers/flight/{flight_id}"))
            .await
    }

    pub async fn audit(&self) -> Vec<AuditEntry> {
        self.get("/api/auditlog/all").await
    }

    /// How many events the log holds, asked of the store itself.
    pub async fn event_count(&self) -> i64 {
        match &self.config.events {
            EventsDb::Sqlite(path) => {
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .expect("open event log");
                sqlx::query_scalar("SELECT COUNT(*) FROM events")
                    .fetch_one(&mut conn)
                    .await
                    .expect("count events")
            }
            EventsDb::EventStoreDb(_) => {
                self.standin.as_ref().expect("stand-in").event_count() as i64
            }
        }
    }

    /// The test's event store, opened beside (or instead of) the server's.
    pub async fn open_event_store(&self) -> Arc<dyn EventStore> {
        match &self.config.events {
            EventsDb::Sqlite(path) => {
                Arc::new(SqliteEventStore::open(path).await.expect("open event log"))
            }
            EventsDb::EventStoreDb(url) => {
                Arc::new(EsdbEventStore::connect(url).await.expect("connect"))
            }
        }
    }
}

impl TestApp {
    /// Another backend on the same stores, as a second instance behind a load balancer would be.
    pub async fn another_instance(&self) -> Server {
        start(self.config.clone())
            .await
            .expect("second instance starts")
    }

    /// Sends a request over a bare socket and reads the answer even when the server answers
    /// before reading the whole body and closes (as it does for an oversized one), where an HTTP
    /// client may fail with a broken pipe before it reads the answer. Returns status and body.
    pub async fn raw_request(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = self.base.trim_start_matches("http://");
        let socket = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        let (mut reading, mut writing) = socket.into_split();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        writing.write_all(head.as_bytes()).await.expect("send head");
        // Read while writing: the server may answer and close without reading the body, and
        // the answer must be read before the close resets the connection.
        let send = async move {
            let _ = writing.write_all(body).await;
            writing
        };
        let mut answer = Vec::new();
        let receive =
            tokio::time::timeout(Duration::from_secs(20), reading.read_to_end(&mut answer));
        let (_writing, received) = tokio::join!(send, receive);
        assert!(received.is_ok(), "no answer in time");
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {answer:?}"));
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// Whether the server says it is ready (stores answer, read model caught up).
    pub async fn ready(&self) -> bool {
        self.client
            .get(self.url("/health/ready"))
            .send()
            .await
            .map(|r| r.status() == 200)
            .unwrap_or(false)
    }
}

/// Waits for the backend at `base` to say it is ready (`/health/ready` answers 200), or fails
/// after `timeout` naming `what`: for backends a test starts as processes of their own.
pub async fn wait_ready(client: &reqwest::Client, base: &str, what: &str, timeout: Duration) {
    let url = format!("{base}/health/ready");
    eventually(what, timeout, || async {
        client
            .get(&url)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
}

/// Waits for `check` to hold, polling, or fails after `timeout` naming `what`.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
