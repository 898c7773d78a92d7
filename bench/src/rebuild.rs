//! The rebuild: a log of realistic tours written straight into an SQLite event file, then the
//! backend started with `--rebuild` and timed until `/health/ready`.

use crate::child::{memory_mb, Child, Memory};
use crate::stores::Stores;
use clap::Parser;
use flightdeck_backend::event_store::sqlite::SqliteEventStore;
use flightdeck_backend::server::open_existing_stores;
use flightdeck_backend::Args;
use flightdeck_core::event::stream_name;
use flightdeck_core::Event;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Passengers on each generated flight.
const PASSENGERS: usize = 8;
/// Rows per INSERT statement (6 parameters each, well under SQLite's limit).
const ROWS_PER_INSERT: usize = 100;
const EVENTS_PER_TRANSACTION: usize = 50_000;
const READY_WITHIN: Duration = Duration::from_secs(1800);

pub struct Rebuilt {
    pub events: u64,
    pub seconds: f64,
    pub generate_seconds: f64,
    pub rss_mb: Option<f64>,
    /// How long the check of the rebuilt read model against a replay of the log took; not
    /// part of `seconds`.
    pub verify_seconds: f64,
    /// This process's peak RSS after the check, which holds the whole log in memory.
    pub verify_rss_mb: Option<f64>,
}

impl Rebuilt {
    pub fn events_per_s(&self) -> f64 {
        self.events as f64 / self.seconds
    }
}

/// A flight's life in events, as the commands of a tour would record it; one in four is deleted
/// at the end, as operators clear landed flights.
fn tour(flight_id: Uuid, number: u64) -> Vec<Event> {
    let passengers: Vec<Uuid> = (0..PASSENGERS).map(|_| Uuid::new_v4()).collect();
    let mut events = vec![Event::FlightCreated {
        flight_id,
        origin: "Oslo".into(),
        destination: "Copenhagen".into(),
        flight_number: format!("SK{:04}", number % 10_000),
    }];
    events.extend(passengers.iter().enumerate().map(|(i, &passenger_id)| {
        Event::PassengerCheckedIn {
            flight_id,
            passenger_id,
            name: format!("Passenger {number}-{i}"),
        }
    }));
    events.extend(
        passengers
            .iter()
            .map(|&passenger_id| Event::PassengerBoarded {
                flight_id,
                passenger_id,
            }),
    );
    events.push(Event::FlightAllBoarded { flight_id });
    events.push(Event::FlightDisembarked { flight_id });
    events.push(Event::FlightLanded { flight_id });
    if number.is_multiple_of(4) {
        events.push(Event::FlightDeleted { flight_id });
    }
    events
}

/// Writes at least `target` events to the event file at `path`; returns how many.
///
/// The schema comes from the event store itself (its migrations). The rows are written in large
/// transactions with `synchronous=NORMAL`: generating the input is not what is measured, and the
/// file is the same once written.
pub async fn generate(path: &Path, target: u64) -> Result<u64, String> {
    drop(
        SqliteEventStore::open(path)
            .await
            .map_err(|e| format!("rebuild: cannot create the event log: {e}"))?,
    );
    let options = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5));
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| format!("rebuild: cannot open {}: {e}", path.display()))?;
    let fail = |e: sqlx::Error| format!("rebuild: writing the log: {e}");
    let start = chrono::Utc::now() - chrono::Duration::days(30);
    let mut written = 0u64;
    let mut number = 0u64;
    let mut rows: Vec<(String, i64, String, &'static str, String, String)> = Vec::new();
    let mut tx = conn.begin().await.map_err(fail)?;
    let mut in_transaction = 0usize;
    while written < target {
        let flight_id = Uuid::new_v4();
        let stream = stream_name(flight_id);
        for (revision, event) in tour(flight_id, number).into_iter().enumerate() {
            let created = (start + chrono::Duration::milliseconds(written as i64))
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            rows.push((
                stream.clone(),
                revision as i64,
                Uuid::new_v4().to_string(),
                event.event_type(),
                event.data().to_string(),
                created,
            ));
            written += 1;
        }
        number += 1;
        if rows.len() >= ROWS_PER_INSERT || written >= target {
            in_transaction += rows.len();
            insert(&mut tx, &mut rows).await.map_err(fail)?;
            if in_transaction >= EVENTS_PER_TRANSACTION {
                tx.commit().await.map_err(fail)?;
                tx = conn.begin().await.map_err(fail)?;
                in_transaction = 0;
            }
        }
    }
    insert(&mut tx, &mut rows).await.map_err(fail)?;
    tx.commit().await.map_err(fail)?;
    conn.close().await.map_err(fail)?;
    Ok(written)
}

type Row = (String, i64, String, &'static str, String, String);

async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    rows: &mut Vec<Row>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut builder = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "INSERT INTO events (stream, revision, event_id, event_type, data, created) ",
    );
    builder.push_values(rows.drain(..), |mut b, row| {
        b.push_bind(row.0)
            .push_bind(row.1)
            .push_bind(row.2)
            .push_bind(row.3)
            .push_bind(row.4)
            .push_bind(row.5);
    });
    builder.build().execute(&mut **tx).await?;
    Ok(())
}

pub async fn rebuild(
    client: &reqwest::Client,
    stores: &Stores,
    dir: &Path,
    target: u64,
) -> Result<Rebuilt, String> {
    let file = stores
        .events_file
        .as_ref()
        .ok_or("rebuild: the log is generated as an SQLite file")?;
    let generating = Instant::now();
    let events = generate(file, target).await?;
    let generate_seconds = generating.elapsed().as_secs_f64();
    eprintln!("rebuild: {events} events written in {generate_seconds:.1} s; replaying ...");
    let started = Instant::now();
    let mut backend = Child::spawn_backend(stores, &dir.join("rebuild-data"), true)?;
    let base = backend.wait_address().await?;
    let ready = format!("{base}/health/ready");
    let mut rss_mb = None;
    loop {
        if started.elapsed() > READY_WITHIN {
            return Err(format!(
                "rebuild: not ready within {} s",
                READY_WITHIN.as_secs()
            ));
        }
        // The peak is read while the replay runs: the child's VmHWM is gone once it exits.
        rss_mb = backend.peak_rss_mb().or(rss_mb);
        match client.get(&ready).send().await {
            Ok(response) if response.status().is_success() => break,
            Ok(_) => {}
            Err(e) => return Err(format!("rebuild: GET {ready}: {e}")),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    rss_mb = backend.peak_rss_mb().or(rss_mb);
    backend.stop().await;
    let verifying = Instant::now();
    verify(stores, dir, events).await?;
    let verify_seconds = verifying.elapsed().as_secs_f64();
    let verify_rss_mb = memory_mb("self", Memory::Peak);
    give_back_memory();
    if let Some(now) = memory_mb("self", Memory::Resident) {
        eprintln!("rebuild: verified; this process holds {now:.0} MiB after giving back verify's");
    }
    Ok(Rebuilt {
        events,
        seconds,
        generate_seconds,
        rss_mb,
        verify_seconds,
        verify_rss_mb,
    })
}

/// Returns to the system what `verify` held (the whole log replayed in memory, gigabytes at a
/// million events), which glibc keeps in its arenas once freed. The console measured next is
/// started by a fork of this process, and a fork copies the page tables of every page this
/// process holds: at 3.5 GB that took about 125 ms, which the console's start would carry.
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory the allocator holds; no live allocation
    // moves or changes.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A fast rebuild proves nothing unless its result is what a live projection would have left:
/// the backend's own `verify` replays the log and compares every flight, passenger and audit
/// position with the read model the rebuild left behind.
async fn verify(stores: &Stores, dir: &Path, events: u64) -> Result<(), String> {
    let args = Args::try_parse_from([
        "flightdeck-backend".to_owned(),
        "--events".to_owned(),
        stores.events_url.clone(),
        "--read-db".to_owned(),
        stores.read_url.clone(),
        "--data-dir".to_owned(),
        dir.join("rebuild-data").display().to_string(),
    ])
    .map_err(|e| format!("rebuild: verify's arguments: {e}"))?;
    let config = args
        .into_config()
        .map_err(|e| format!("rebuild: verify's configuration: {e}"))?;
    let (store, read_model) = open_existing_stores(&config)
        .await
        .map_err(|e| format!("rebuild: verify cannot open the stores: {e}"))?;
    let report = flightdeck_backend::verify::verify(store.as_ref(), &read_model)
        .await
        .map_err(|e| format!("rebuild: verify failed: {e}"))?;
    if !report.differences.is_empty() {
        let shown: Vec<&str> = report
            .differences
            .iter()
            .take(5)
            .map(String::as_str)
            .collect();
        return Err(format!(
            "rebuild: the rebuilt read model differs from the log in {} ways, first: {}",
            report.differences.len(),
            shown.join("; ")
        ));
    }
    if report.pending != 0 || report.events as u64 != events {
        return Err(format!(
            "rebuild: the read model holds {} of the log's {events} events ({} pending) once ready",
            report.events, report.pending
        ));
    }
    Ok(())
}
