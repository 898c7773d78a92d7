//! The read model: flights, passengers and the audit log as the projections left them, on
//! Postgres or SQLite. The same SQL serves both through sqlx's `Any` driver; nothing here
//! decides anything, it stores and answers.

mod checkpoint;
pub mod rows;

pub use checkpoint::{Batch, Writer};

use crate::event_store::Position;
use crate::wal;
use flightdeck_core::contract::{AuditEntry, AuditMetaData, Flight, Passenger};
use flightdeck_core::{EventTypeOperation, FlightStatus, PassengerStatus};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::watch;
use uuid::Uuid;

/// Where the read model lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadDb {
    Sqlite(PathBuf),
    Postgres(String),
}

/// An event the projection was told to go past.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parked {
    pub stream: String,
    pub event_type: String,
    pub reason: String,
    /// When, ISO 8601.
    pub parked_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadModelError {
    #[error("the read database is unavailable: {0}")]
    Unavailable(String),
    #[error("the read model's schema is damaged ({0}); restart with --rebuild to repair it")]
    Damaged(String),
    #[error("the read database holds data this version cannot read: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for ReadModelError {
    fn from(e: sqlx::Error) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// Which entries of the audit log to list; `?kind=` names it on the live stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuditFilter {
    #[default]
    All,
    Flights,
    Passengers,
}

impl std::str::FromStr for AuditFilter {
    type Err = String;

    fn from_str(kind: &str) -> Result<Self, String> {
        match kind {
            "all" => Ok(Self::All),
            "flights" => Ok(Self::Flights),
            "passengers" => Ok(Self::Passengers),
            other => Err(format!(
                "kind '{other}' is not one of all, flights, passengers"
            )),
        }
    }
}

impl<'de> serde::Deserialize<'de> for AuditFilter {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let kind = String::deserialize(deserializer)?;
        kind.parse().map_err(serde::de::Error::custom)
    }
}

impl AuditFilter {
    fn subject(self) -> Option<&'static str> {
        match self {
            Self::All => None,
            Self::Flights => Some(SUBJECT_FLIGHT),
            Self::Passengers => Some(SUBJECT_PASSENGER),
        }
    }
}

pub const SUBJECT_FLIGHT: &str = "flight";
pub const SUBJECT_PASSENGER: &str = "passenger";
/// Audit entries of events parked instead of applied: in the whole list only.
pub const SUBJECT_PARKED: &str = "parked";
/// The tables the projection builds, which a rebuild drops and makes anew.
const PROJECTION_TABLES: [&str; 4] = ["passengers", "flights", "audit_log", "checkpoints"];
/// The projection's name in the checkpoints table.
pub const PROJECTION: &str = "flights";

#[derive(Clone)]
pub struct ReadModel {
    pool: AnyPool,
    dialect: Dialect,
}

/// Where the two databases' SQL differs; nothing outside the read model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// What to append to a SELECT of the checkpoint so that the row stays locked until the
    /// transaction ends. SQLite needs none: it lets one writer in at a time.
    fn row_lock(self) -> &'static str {
        match self {
            Self::Postgres => " FOR UPDATE",
            Self::Sqlite => "",
        }
    }

    fn placeholders(self) -> rows::Placeholders {
        match self {
            Self::Postgres => rows::Placeholders::Numbered,
            Self::Sqlite => rows::Placeholders::Anonymous,
        }
    }
}

impl ReadModel {
    pub async fn open(db: &ReadDb) -> Result<Self, ReadModelError> {
        sqlx::any::install_default_drivers();
        let (url, max_connections) = match db {
            // `mode=rwc` creates the file on first start.
            ReadDb::Sqlite(path) => (format!("sqlite://{}?mode=rwc", path.display()), 4),
            ReadDb::Postgres(url) => (url.clone(), 16),
        };
        let is_sqlite = matches!(db, ReadDb::Sqlite(_));
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            // A local file's connection never goes stale, and the ping before each use costs a
            // round trip to its thread; a Postgres connection may have been cut, so it is tested.
            .test_before_acquire(!is_sqlite)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if is_sqlite {
                        // The read model is rebuilt from the log after a crash if need be, and
                        // its checkpoint commits with its rows, so WAL with NORMAL sync is safe.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
                            .await?;
                        // A multi-row statement keeps a journal of its own to undo itself;
                        // written to disk it slowed rebuilds (BENCHMARKS.md). It is never needed
                        // after a crash: the WAL alone recovers the file.
                        conn.execute("PRAGMA temp_store = MEMORY").await?;
                        conn.execute(
                            format!("PRAGMA wal_autocheckpoint = {}", wal::WRITER_CHECKPOINT_PAGES)
                                .as_str(),
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| ReadModelError::Unavailable(format!("cannot connect to {}: {e}", redact(&url))))?;
        let read_model = Self {
            pool,
            dialect: if is_sqlite {
                Dialect::Sqlite
            } else {
                Dialect::Postgres
            },
        };
        read_model.migrate().await?;
        Ok(read_model)
    }

    async fn migrate(&self) -> Result<(), ReadModelError> {
        sqlx::migrate!("./migrations/read_model")
            .run(&self.pool)
            .await
            .map_err(|e| ReadModelError::Unavailable(format!("cannot create its tables: {e}")))?;
        self.ensure_checkpoint().await
    }

    /// Keeps an SQLite read model's WAL short (see `wal`), checkpointing after each burst of
    /// changes that `writes` announces; a Postgres read model tends its own.
    pub fn tend_wal<T: Send + Sync + 'static>(&self, writes: watch::Receiver<T>) {
        if self.dialect != Dialect::Sqlite {
            return;
        }
        let pool = self.pool.clone();
        wal::spawn_checkpoints(writes, "read model", move || {
            let pool = pool.clone();
            async move { sqlx::query(wal::PASSIVE).execute(&pool).await.map(drop) }
        });
    }

    /// Drops the projection's tables and makes them anew, empty, so the projection replays the
    /// log from zero. Whatever was damaged (a table dropped, a column renamed) is repaired; the
    /// parked events are kept.
    pub async fn reset(&self) -> Result<(), ReadModelError> {
        let mut tx = self.pool.begin().await?;
        for table in PROJECTION_TABLES {
            tx.execute(format!("DROP TABLE IF EXISTS {table}").as_str())
                .await?;
        }
        // Forget which migrations ran, so they run again on the emptied schema.
        tx.execute("DROP TABLE IF EXISTS _sqlx_migrations").await?;
        tx.commit().await?;
        self.migrate().await
    }

    /// Checks that every table and column the backend reads is there, so readiness and
    /// `verify` notice a damaged schema before a request does.
    pub async fn check_schema(&self) -> Result<(), ReadModelError> {
        let checks = [
            ("flights", FLIGHT_COLUMNS),
            ("passengers", PASSENGER_COLUMNS),
            ("audit_log", AUDIT_COLUMNS),
            ("audit_log", "search"),
            ("checkpoints", "name, position"),
            ("parked", "position, stream, event_type, reason, parked_at"),
        ];
        for (table, columns) in checks {
            if let Err(e) = sqlx::query(&format!("SELECT {columns} FROM {table} WHERE 1 = 0"))
                .fetch_optional(&self.pool)
                .await
            {
                return Err(match e {
                    sqlx::Error::Database(e) => ReadModelError::Damaged(format!(
                        "table {table} or one of its columns ({columns}) is missing: {e}"
                    )),
                    e => e.into(),
                });
            }
        }
        Ok(())
    }

    /// The events parked so far, by position, with why.
    pub async fn parked(&self) -> Result<BTreeMap<Position, Parked>, ReadModelError> {
        let rows = sqlx::query(
            "SELECT position, stream, event_type, reason, parked_at FROM parked ORDER BY position",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let position: i64 = row.try_get("position")?;
                Ok((
                    position as Position,
                    Parked {
                        stream: row.try_get("stream")?,
                        event_type: row.try_get("event_type")?,
                        reason: row.try_get("reason")?,
                        parked_at: row.try_get("parked_at")?,
                    },
                ))
            })
            .collect()
    }

    /// Records that the projection may go past the event at `position`.
    pub async fn park(&self, position: Position, parked: &Parked) -> Result<(), ReadModelError> {
        sqlx::query("INSERT INTO parked (position, stream, event_type, reason, parked_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (position) DO NOTHING")
            .bind(position as i64)
            .bind(&parked.stream)
            .bind(&parked.event_type)
            .bind(&parked.reason)
            .bind(&parked.parked_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn flights(&self) -> Result<Vec<Flight>, ReadModelError> {
        sqlx::query(&format!(
            "SELECT {FLIGHT_COLUMNS} FROM flights ORDER BY created_position"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(flight)
        .collect()
    }

    pub async fn flight(&self, id: Uuid) -> Result<Option<Flight>, ReadModelError> {
        sqlx::query(&format!(
            "SELECT {FLIGHT_COLUMNS} FROM flights WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(flight)
        .transpose()
    }

    pub async fn passenger(&self, id: Uuid) -> Result<Option<Passenger>, ReadModelError> {
        sqlx::query(&format!(
            "SELECT {PASSENGER_COLUMNS} FROM passengers WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(passenger)
        .transpose()
    }

    pub async fn passengers_of(&self, flight_id: Uuid) -> Result<Vec<Passenger>, ReadModelError> {
        sqlx::query(&format!(
            "SELECT {PASSENGER_COLUMNS} FROM passengers WHERE flight_id = $1 ORDER BY checkin_position"
        ))
        .bind(flight_id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(passenger)
        .collect()
    }

    /// Audit entries after `after`, oldest first, at most `limit`.
    pub async fn audit(
        &self,
        filter: AuditFilter,
        after: Option<Position>,
        limit: Option<u32>,
    ) -> Result<Vec<AuditEntry>, ReadModelError> {
        self.search_audit(&AuditQuery {
            filter,
            after,
            limit,
            ..AuditQuery::default()
        })
        .await
    }

    /// Audit entries that match `query`, oldest first.
    pub async fn search_audit(
        &self,
        query: &AuditQuery,
    ) -> Result<Vec<AuditEntry>, ReadModelError> {
        let mut conditions = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut bind = |condition: &str, value: Value| {
            values.push(value);
            conditions.push(condition.replace('?', &format!("${}", values.len())));
        };
        if let Some(subject) = query.filter.subject() {
            bind("subject = ?", Value::Text(subject.to_owned()));
        }
        if let Some(after) = query.after {
            bind("position > ?", Value::Int(after as i64));
        }
        if let Some(before) = query.before {
            bind("position < ?", Value::Int(before as i64));
        }
        if let Some(stream) = &query.stream {
            bind("stream = ?", Value::Text(stream.clone()));
        }
        if let Some(text) = &query.text {
            bind(
                "search LIKE ? ESCAPE '\\'",
                Value::Text(format!("%{}%", like_escaped(text))),
            );
        }
        let filter = match conditions.is_empty() {
            true => String::new(),
            false => format!("WHERE {}", conditions.join(" AND ")),
        };
        // The newest that match, when asked; the answer is still oldest first.
        let order = if query.newest { "DESC" } else { "ASC" };
        values.push(Value::Int(query.limit.map_or(i64::MAX, i64::from)));
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log {filter} ORDER BY position {order} LIMIT ${}",
            values.len()
        );
        let mut statement = sqlx::query(&sql);
        for value in values {
            statement = match value {
                Value::Int(v) => statement.bind(v),
                Value::Text(v) => statement.bind(v),
            };
        }
        let rows = statement.fetch_all(&self.pool).await?;
        let mut entries: Vec<AuditEntry> =
            rows.iter().map(audit_entry).collect::<Result<_, _>>()?;
        if order == "DESC" {
            entries.reverse();
        }
        Ok(entries)
    }
}

/// A bound value of a query put together at run time.
enum Value {
    Int(i64),
    Text(String),
}

/// `text` with LIKE's wildcards taken literally.
fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Which audit entries to list.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub filter: AuditFilter,
    /// Only entries after this position.
    pub after: Option<Position>,
    /// Only entries before this position.
    pub before: Option<Position>,
    pub limit: Option<u32>,
    /// Take the newest `limit` that match rather than the oldest (paging backwards).
    pub newest: bool,
    /// Only entries whose search text (flight number, passenger name, event name and type)
    /// contains this, which must be lowercased already.
    pub text: Option<String>,
    /// Only entries of this stream.
    pub stream: Option<String>,
}

/// A connection string fit for a log line: the password is replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

pub const FLIGHT_COLUMNS: &str =
    "id, origin, destination, flight_number, status, passenger_count, boarded_count";
pub const PASSENGER_COLUMNS: &str = "id, flight_id, name, status";
const AUDIT_COLUMNS: &str =
    "position, stream, event_number, event_id, event_type, operation, event_name, created, data";

fn corrupt(what: &str, e: impl std::fmt::Display) -> ReadModelError {
    ReadModelError::Corrupt(format!("{what}: {e}"))
}

fn uuid(row: &AnyRow, column: &str) -> Result<Uuid, ReadModelError> {
    let text: String = row.try_get(column)?;
    Uuid::parse_str(&text).map_err(|e| corrupt(column, e))
}

pub fn flight(row: &AnyRow) -> Result<Flight, ReadModelError> {
    let status: i64 = row.try_get("status")?;
    let passengers: i64 = row.try_get("passenger_count")?;
    let boarded: i64 = row.try_get("boarded_count")?;
    Ok(Flight {
        id: uuid(row, "id")?,
        origin: row.try_get::<&str, _>("origin")?.into(),
        destination: row.try_get::<&str, _>("destination")?.into(),
        flight_number: row.try_get::<&str, _>("flight_number")?.into(),
        status: FlightStatus::from_code(status).ok_or_else(|| corrupt("flight status", status))?,
        passenger_count: Some(
            u32::try_from(passengers).map_err(|e| corrupt("passenger count", e))?,
        ),
        boarded_count: Some(u32::try_from(boarded).map_err(|e| corrupt("boarded count", e))?),
    })
}

pub fn passenger(row: &AnyRow) -> Result<Passenger, ReadModelError> {
    let status: i64 = row.try_get("status")?;
    Ok(Passenger {
        id: uuid(row, "id")?,
        flight_id: uuid(row, "flight_id")?,
        name: row.try_get("name")?,
        status: PassengerStatus::from_code(status)
            .ok_or_else(|| corrupt("passenger status", status))?,
    })
}

fn audit_entry(row: &AnyRow) -> Result<AuditEntry, ReadModelError> {
    let position: i64 = row.try_get("position")?;
    let operation: i64 = row.try_get("operation")?;
    let created: String = row.try_get("created")?;
    let data: String = row.try_get("data")?;
    Ok(AuditEntry {
        created: created.clone(),
        event_type: row.try_get("event_type")?,
        event_number: row.try_get("event_number")?,
        event_id: uuid(row, "event_id")?,
        data: serde_json::from_str(&data).map_err(|e| corrupt("audit data", e))?,
        meta_data: AuditMetaData {
            event_type_operation: EventTypeOperation::from_code(operation),
            event_name: row.try_get("event_name")?,
            timestamp: created,
        },
        stream: Some(row.try_get("stream")?),
        position: Some(position as Position),
    })
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_a_log_line() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/flights"),
            "postgres://app:***@db:5432/flights"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
