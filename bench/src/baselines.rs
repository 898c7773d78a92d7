//! The baseline the command rate is held to: what SQLite itself allows when every event gets its
//! own durable transaction.

use flightdeck_backend::event_store::sqlite::open_writer;
use sqlx::Connection;
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Appends one event per transaction for `duration` through one connection opened as the event
/// store opens its log, on the store's table and with its durability: WAL, `synchronous=FULL`.
/// Returns transactions per second.
pub async fn sqlite_single_insert(path: &Path, duration: Duration) -> Result<f64, String> {
    // The store's schema, WAL and `synchronous=FULL`.
    let mut conn = open_writer(path)
        .await
        .map_err(|e| format!("baseline: {e}"))?;
    let started = Instant::now();
    let mut transactions = 0u64;
    while started.elapsed() < duration {
        let flight = Uuid::new_v4();
        let data = serde_json::json!({
            "flightId": flight, "origin": "Oslo", "destination": "Copenhagen", "flightNumber": "SK0001"
        })
        .to_string();
        let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = conn
            .begin()
            .await
            .map_err(|e| format!("baseline: begin: {e}"))?;
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO events (stream, revision, event_id, event_type, data, created)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING position",
        )
        .bind(format!("flight-{flight}"))
        .bind(0i64)
        .bind(Uuid::new_v4().to_string())
        .bind("FlightCreated")
        .bind(data)
        .bind(created)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| format!("baseline: insert: {e}"))?;
        tx.commit()
            .await
            .map_err(|e| format!("baseline: commit: {e}"))?;
        transactions += 1;
    }
    Ok(transactions as f64 / started.elapsed().as_secs_f64())
}
