//! kill -9 the real backend binary in the middle of a `--rebuild`, start it again without the
//! flag: what the kill left is consistent up to its checkpoint, and the next start finishes it
//! into exactly what a replay of the log describes before it says it is ready.

use flightdeck_backend::config::Config;
use flightdeck_backend::event_store::sqlite::SqliteEventStore;
use flightdeck_backend::server::open_existing_stores;
use flightdeck_core::event::stream_name;
use flightdeck_core::Event;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

/// Flights in the generated log, about 20 events each: enough that a debug build takes several
/// transactions to replay it, so that there is a middle to kill it in.
const FLIGHTS: usize = 3_000;

/// A flight's life as the commands record it; every fourth one is deleted at the end.
fn tour(flight_id: Uuid, number: usize) -> Vec<Event> {
    let passengers: Vec<Uuid> = (0..8).map(|_| Uuid::new_v4()).collect();
    let mut events = vec![Event::FlightCreated {
        flight_id,
        origin: "OSL".into(),
        destination: "CPH".into(),
        flight_number: format!("RB{number}"),
    }];
    for (i, &passenger_id) in passengers.iter().enumerate() {
        events.push(Event::PassengerCheckedIn {
            flight_id,
            passenger_id,
            name: format!("Passenger {number}-{i}"),
        });
    }
    for &passenger_id in &passengers {
        events.push(Event::PassengerBoarded {
            flight_id,
            passenger_id,
        });
    }
    events.push(Event::FlightAllBoarded { flight_id });
    events.push(Event::FlightLanded { flight_id });
    if number.is_multiple_of(4) {
        events.push(Event::FlightDeleted { flight_id });
    }
    events
}

/// Writes a log of `FLIGHTS` tours into the event file at `path` in a few transactions (the
/// store's own append would fsync every one); returns the number of events.
async fn write_log(path: &Path) -> u64 {
    drop(SqliteEventStore::open(path).await.expect("the event log"));
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
        .await
        .expect("the event file opens");
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut written = 0u64;
    for flights in (0..FLIGHTS).collect::<Vec<_>>().chunks(500) {
        let mut tx = conn.begin().await.expect("a transaction");
        for &number in flights {
            let flight_id = Uuid::new_v4();
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO events (stream, revision, event_id, event_type, data, created) ",
            );
            let events = tour(flight_id, number);
            written += events.len() as u64;
            insert.push_values(events.iter().enumerate(), |mut row, (revision, event)| {
                row.push_bind(stream_name(flight_id))
                    .push_bind(revision as i64)
                    .push_bind(Uuid::new_v4().to_string())
                    .push_bind(event.event_type())
                    .push_bind(event.data().to_string())
                    .push_bind(created.clone());
            });
            insert.build().execute(&mut *tx).await.expect("a tour");
        }
        tx.commit().await.expect("committed");
    }
    written
}

/// The projection's checkpoint in the read model file, if the file and its row are there yet.
async fn checkpoint(read_db: &Path) -> Option<i64> {
    let options = SqliteConnectOptions::new()
        .filename(read_db)
        .read_only(true);
    let mut conn = SqliteConnection::connect_with(&options).await.ok()?;
    sqlx::query_scalar("SELECT position FROM checkpoints WHERE name = 'flights'")
        .fetch_optional(&mut conn)
        .await
        .ok()
        .flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rebuild_killed_midway_is_finished_by_the_next_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let events = write_log(&data.join("events.db")).await;
    let read_db = data.join("read.db");
    let args = vec!["--data-dir".to_owned(), data.display().to_string()];

    let mut rebuild_args = args.clone();
    rebuild_args.push("--rebuild".into());
    let (mut backend, _) = crate::crash::launch(&rebuild_args).await;
    // Some of the log applied, not all of it: the middle of the rebuild.
    crate::support::eventually(
        "the rebuild to commit its first transaction",
        Duration::from_secs(300),
        || async { checkpoint(&read_db).await.is_some_and(|c| c > 0) },
    )
    .await;
    backend.start_kill().expect("SIGKILL sent");
    backend.wait().await.expect("the backend died");
    let killed_at = checkpoint(&read_db).await.expect("a checkpoint");
    assert!(
        (killed_at as u64) < events,
        "the rebuild finished ({killed_at} of {events}) before it could be killed midway"
    );

    // What the kill left is whole up to its checkpoint and short of the log after it: `verify`
    // finds it consistent but behind, which is what keeps it from being served as ready.
    {
        let (store, read_model) = open_existing_stores(&Config::embedded(data.clone()))
            .await
            .expect("the stores are there");
        let report = flightdeck_backend::verify::verify(store.as_ref(), &read_model)
            .await
            .expect("verified");
        assert!(report.differences.is_empty(), "{:?}", report.differences);
        assert!(
            report.pending > 0,
            "nothing is left to apply after the kill"
        );
        assert_eq!(report.events as u64 + report.pending as u64, events);
    }

    let (mut backend, base) = crate::crash::launch(&args).await;
    let client = reqwest::Client::new();
    crate::support::wait_ready(
        &client,
        &base,
        "the restarted backend to finish the rebuild and be ready",
        Duration::from_secs(600),
    )
    .await;
    backend.start_kill().expect("stop");
    backend.wait().await.expect("stopped");

    let (store, read_model) = open_existing_stores(&Config::embedded(data.clone()))
        .await
        .expect("the stores are there");
    let report = flightdeck_backend::verify::verify(store.as_ref(), &read_model)
        .await
        .expect("verified");
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    assert_eq!(report.pending, 0, "the read model holds the whole log");
    assert_eq!(report.events as u64, events);
}
