//! The rows the projection reads and writes inside its transaction, many at a time: a batch of
//! events costs a handful of statements, not several per event. Every statement here runs on
//! Postgres and SQLite alike; only the way bound values are written differs (`Placeholders`).

use super::{flight, passenger, ReadModelError, FLIGHT_COLUMNS, PASSENGER_COLUMNS};
use crate::event_store::Position;
use flightdeck_core::contract::{AuditEntry, AuditMetaData, Flight, Passenger};
use flightdeck_core::EventTypeOperation;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};
use std::fmt::Write;
use uuid::Uuid;

/// Rows per multi-row statement: well under SQLite's and Postgres's limits on bound values, and
/// short enough that a statement's text stays small.
const ROWS_PER_STATEMENT: usize = 256;

/// How a statement marks its bound values. Postgres numbers them (`$1`). SQLite also accepts
/// numbers, but sqlx then looks each one up by name, a scan of all the statement's names, which
/// grows with the statement (BENCHMARKS.md has what it cost a rebuild). Anonymous `?`, bound in
/// order, costs nothing to look up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholders {
    Numbered,
    Anonymous,
}

/// A flight as stored, with the position that orders the flights list.
#[derive(Clone, Debug, PartialEq)]
pub struct FlightRow {
    pub flight: Flight,
    pub created_position: i64,
}

/// A passenger as stored, with the position that orders a manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct PassengerRow {
    pub passenger: Passenger,
    pub checkin_position: i64,
}

/// An audit entry as it is stored, and the subject its listings filter on.
#[derive(Clone, Debug)]
pub struct AuditRow {
    pub position: Position,
    pub stream: String,
    pub event_number: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub operation: EventTypeOperation,
    pub event_name: &'static str,
    /// When the event was appended, ISO 8601.
    pub created: String,
    /// The flight or passenger as it stands after the event, as the JSON text that is stored:
    /// parsed again only for a live follower (`entry`), never for a rebuild's million rows.
    pub data: String,
    pub subject: &'static str,
    /// What a search of the audit log matches, lowercased.
    pub search: String,
}

impl AuditRow {
    /// The entry as the audit log lists it.
    pub fn entry(self) -> AuditEntry {
        AuditEntry {
            // The text was serialised from a value a moment ago; it always parses.
            data: serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null),
            meta_data: AuditMetaData {
                event_type_operation: self.operation,
                event_name: self.event_name.to_owned(),
                timestamp: self.created.clone(),
            },
            created: self.created,
            event_type: self.event_type,
            event_number: self.event_number,
            event_id: self.event_id,
            stream: Some(self.stream),
            position: Some(self.position),
        }
    }
}

/// What a batch changed, to be written in its transaction.
#[derive(Debug, Default)]
pub struct Changes {
    /// Flights removed with their passengers.
    pub deleted_flights: Vec<Uuid>,
    /// Flights inserted or changed; none of them is in `deleted_flights`.
    pub flights: Vec<FlightRow>,
    /// Passengers inserted or changed; none of them on a deleted flight.
    pub passengers: Vec<PassengerRow>,
    pub audit: Vec<AuditRow>,
}

/// The flights with these ids and all their passengers, as the read model holds them. Runs in
/// the caller's transaction, as `store` does.
pub async fn load(
    conn: &mut AnyConnection,
    style: Placeholders,
    flight_ids: &[Uuid],
) -> Result<(Vec<FlightRow>, Vec<PassengerRow>), ReadModelError> {
    let mut flights = Vec::new();
    let mut passengers = Vec::new();
    for ids in flight_ids.chunks(ROWS_PER_STATEMENT) {
        let list = placeholders(style, ids.len(), 1);
        let sql =
            format!("SELECT {FLIGHT_COLUMNS}, created_position FROM flights WHERE id IN ({list})");
        for row in bind_ids(sqlx::query(&sql), ids)
            .fetch_all(&mut *conn)
            .await?
        {
            flights.push(FlightRow {
                flight: flight(&row)?,
                created_position: row.try_get("created_position")?,
            });
        }
        let sql = format!(
            "SELECT {PASSENGER_COLUMNS}, checkin_position FROM passengers WHERE flight_id IN ({list})"
        );
        for row in bind_ids(sqlx::query(&sql), ids)
            .fetch_all(&mut *conn)
            .await?
        {
            passengers.push(PassengerRow {
                passenger: passenger(&row)?,
                checkin_position: row.try_get("checkin_position")?,
            });
        }
    }
    Ok((flights, passengers))
}

/// Writes `changes`: deletions first, then the flights and passengers as they now stand, then the
/// audit entries.
pub async fn store(
    conn: &mut AnyConnection,
    style: Placeholders,
    changes: &Changes,
) -> Result<(), ReadModelError> {
    for ids in changes.deleted_flights.chunks(ROWS_PER_STATEMENT) {
        let list = placeholders(style, ids.len(), 1);
        for statement in [
            "DELETE FROM passengers WHERE flight_id",
            "DELETE FROM flights WHERE id",
        ] {
            let sql = format!("{statement} IN ({list})");
            bind_ids(sqlx::query(&sql), ids).execute(&mut *conn).await?;
        }
    }
    insert_many(
        conn,
        style,
        &changes.flights,
        8,
        |values| {
            format!(
                "INSERT INTO flights (id, origin, destination, flight_number, status, passenger_count, boarded_count, created_position)
                 VALUES {values}
                 ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, destination = excluded.destination,
                     flight_number = excluded.flight_number, status = excluded.status,
                     passenger_count = excluded.passenger_count, boarded_count = excluded.boarded_count"
            )
        },
        |query, row| {
            let f = &row.flight;
            query
                .bind(f.id.to_string())
                .bind(f.origin.as_str())
                .bind(f.destination.as_str())
                .bind(f.flight_number.as_str())
                .bind(f.status.code())
                .bind(i64::from(f.passenger_count.unwrap_or(0)))
                .bind(i64::from(f.boarded_count.unwrap_or(0)))
                .bind(row.created_position)
        },
    )
    .await?;
    insert_many(
        conn,
        style,
        &changes.passengers,
        5,
        |values| {
            format!(
                "INSERT INTO passengers (id, flight_id, name, status, checkin_position)
                 VALUES {values}
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status"
            )
        },
        |query, row| {
            let p = &row.passenger;
            query
                .bind(p.id.to_string())
                .bind(p.flight_id.to_string())
                .bind(p.name.as_str())
                .bind(p.status.code())
                .bind(row.checkin_position)
        },
    )
    .await?;
    insert_many(
        conn,
        style,
        &changes.audit,
        11,
        |values| {
            format!(
                "INSERT INTO audit_log (position, stream, event_number, event_id, event_type, operation, event_name, subject, created, data, search)
                 VALUES {values}"
            )
        },
        |query, row| {
            query
                .bind(row.position as i64)
                .bind(row.stream.as_str())
                .bind(row.event_number)
                .bind(row.event_id.to_string())
                .bind(row.event_type.as_str())
                .bind(row.operation.code())
                .bind(row.event_name)
                .bind(row.subject)
                .bind(row.created.as_str())
                .bind(row.data.as_str())
                .bind(row.search.as_str())
        },
    )
    .await?;
    Ok(())
}

// Text is bound as `&str` wherever the row outlives the statement: sqlx's `Any` driver copies
// a bound `&String` into a new `String`, and a rebuild binds millions of them.
type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// Inserts `rows`, `ROWS_PER_STATEMENT` to a statement: `statement` is given the `VALUES` list
/// for the chunk, and `bind` binds one row's `columns` values in order.
async fn insert_many<T>(
    conn: &mut AnyConnection,
    style: Placeholders,
    rows: &[T],
    columns: usize,
    statement: impl Fn(String) -> String,
    bind: impl for<'q> Fn(AnyQuery<'q>, &'q T) -> AnyQuery<'q>,
) -> Result<(), ReadModelError> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = statement(tuples(style, chunk.len(), columns));
        let query = chunk.iter().fold(sqlx::query(&sql), &bind);
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

fn bind_ids<'q>(mut query: AnyQuery<'q>, ids: &[Uuid]) -> AnyQuery<'q> {
    for id in ids {
        query = query.bind(id.to_string());
    }
    query
}

/// `count` placeholders, numbered from `first` where numbered: `$1, $2` or `?, ?`.
fn placeholders(style: Placeholders, count: usize, first: usize) -> String {
    let mut list = String::with_capacity(count * 5);
    for n in first..first + count {
        if n > first {
            list.push_str(", ");
        }
        match style {
            Placeholders::Numbered => {
                let _ = write!(list, "${n}");
            }
            Placeholders::Anonymous => list.push('?'),
        }
    }
    list
}

/// `($1, …, $columns), ($columns+1, …)`, one tuple per row.
fn tuples(style: Placeholders, rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| format!("({})", placeholders(style, columns, row * columns + 1)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::{placeholders, tuples, Placeholders};

    #[test]
    fn placeholders_number_every_bound_value_once() {
        assert_eq!(placeholders(Placeholders::Numbered, 3, 1), "$1, $2, $3");
        assert_eq!(
            tuples(Placeholders::Numbered, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(tuples(Placeholders::Anonymous, 2, 2), "(?, ?), (?, ?)");
    }
}
