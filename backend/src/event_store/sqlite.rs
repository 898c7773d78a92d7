//! The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, so an
//! acknowledged append survives a power cut.
//!
//! All appends go through one writer task that commits whatever is queued in one transaction
//! (group commit): concurrent commands share the cost of the fsync instead of queueing behind
//! each other's. Each append in a batch is one statement that checks its expected revision, so
//! one conflict never fails its neighbours.

use super::{
    refuse_empty, Appended, EventStore, ExpectedRevision, NewEvent, Position, RecordedEvent,
    StoreError,
};
use crate::wal;
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::stream::BoxStream;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, Row, SqliteConnection, SqlitePool};
use std::path::Path;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_stream::wrappers::ReceiverStream;
use uuid::Uuid;

/// The most appends committed together; bounds the latency a batch adds to its first member.
const MAX_BATCH: usize = 256;
/// Events a subscriber reads per query at first, and after it has reached the log's head.
const PAGE: i64 = 512;
/// Events a subscriber reads per query while each page comes back full, i.e. while it is far
/// behind the head (a rebuild): fewer queries, and a page read ahead while the projection
/// applies the one before.
const CATCH_UP_PAGE: i64 = 2048;
/// What `recorded` reads, in this order.
const COLUMNS: &str = "position, stream, revision, event_id, event_type, data, created";
/// A subscriber also looks for new events this often, for appends by another process on the
/// same file, which this process's writer never announces.
const FOREIGN_WRITER_POLL: Duration = Duration::from_secs(1);

pub struct SqliteEventStore {
    reader: SqlitePool,
    writes: mpsc::Sender<AppendRequest>,
    head: watch::Receiver<Option<Position>>,
}

struct AppendRequest {
    stream: String,
    expected: ExpectedRevision,
    events: Vec<NewEvent>,
    reply: oneshot::Sender<Result<Appended, StoreError>>,
}

/// The event log's durability: WAL with `synchronous=FULL`, so an acknowledged append survives a
/// power cut. Most checkpointing runs beside the writer rather than in its commits (see `wal`).
fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
        .pragma(
            "wal_autocheckpoint",
            wal::WRITER_CHECKPOINT_PAGES.to_string(),
        )
}

/// The log's one writing connection, on its schema and durability settings. Public so a
/// benchmark's baseline can measure SQLite under exactly what the store uses.
pub async fn open_writer(path: &Path) -> Result<SqliteConnection, StoreError> {
    let mut writer = SqliteConnection::connect_with(&connect_options(path))
        .await
        .map_err(|e| unavailable(path, e))?;
    sqlx::migrate!("./migrations/events")
        .run(&mut writer)
        .await
        .map_err(|e| StoreError::Unavailable(format!("{}: {e}", path.display())))?;
    Ok(writer)
}

impl SqliteEventStore {
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let writer = open_writer(path).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            // A connection to a local file does not go stale; the default ping before each
            // use would cost a round trip to the connection's thread per query.
            .test_before_acquire(false)
            .connect_with(connect_options(path))
            .await
            .map_err(|e| unavailable(path, e))?;
        let last = last_position(&reader).await?;
        let (head_tx, head) = watch::channel(last);
        let (writes, requests) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write_loop(writer, requests, head_tx));
        let checkpointer = reader.clone();
        wal::spawn_checkpoints(head.clone(), "event log", move || {
            let pool = checkpointer.clone();
            async move { sqlx::query(wal::PASSIVE).execute(&pool).await.map(drop) }
        });
        Ok(Self {
            reader,
            writes,
            head,
        })
    }
}

fn unavailable(path: &Path, e: sqlx::Error) -> StoreError {
    StoreError::Unavailable(format!("cannot open event log {}: {e}", path.display()))
}

fn db_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

#[async_trait]
impl EventStore for SqliteEventStore {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Result<Appended, StoreError> {
        refuse_empty(stream, &events)?;
        let (reply, answer) = oneshot::channel();
        let request = AppendRequest {
            stream: stream.to_owned(),
            expected,
            events,
            reply,
        };
        let gone = || StoreError::Unavailable("the event log writer has stopped".into());
        self.writes.send(request).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    async fn read_stream(&self, stream: &str) -> Result<Vec<RecordedEvent>, StoreError> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM events WHERE stream = $1 ORDER BY revision"
        ))
        .bind(stream)
        .fetch_all(&self.reader)
        .await
        .map_err(db_error)?
        .iter()
        .map(recorded)
        .collect()
    }

    async fn last_position(&self) -> Result<Option<Position>, StoreError> {
        last_position(&self.reader).await
    }

    fn subscribe_all(
        &self,
        after: Option<Position>,
    ) -> BoxStream<'static, Result<RecordedEvent, StoreError>> {
        let (tx, rx) = mpsc::channel(2 * CATCH_UP_PAGE as usize);
        let reader = self.reader.clone();
        let mut head = self.head.clone();
        tokio::spawn(async move {
            // One connection for the whole subscription: a pool would test it on every return.
            let mut conn = match reader.acquire().await {
                Ok(conn) => conn,
                Err(e) => {
                    let _ = tx.send(Err(db_error(e))).await;
                    return;
                }
            };
            let mut after = after;
            let mut size = PAGE;
            loop {
                // Marking the head seen before reading means an append racing the read still
                // wakes the wait below.
                head.borrow_and_update();
                let page = match read_page(&mut conn, after, size).await {
                    Ok(page) => page,
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                };
                size = match page.len() as i64 == size {
                    true => CATCH_UP_PAGE,
                    false => PAGE,
                };
                if page.is_empty() {
                    tokio::select! {
                        changed = head.changed() => if changed.is_err() { return },
                        _ = tokio::time::sleep(FOREIGN_WRITER_POLL) => {}
                        _ = tx.closed() => return,
                    }
                    continue;
                }
                for event in page {
                    after = Some(event.position);
                    if tx.send(Ok(event)).await.is_err() {
                        return;
                    }
                }
            }
        });
        Box::pin(ReceiverStream::new(rx))
    }
}

async fn last_position(pool: &SqlitePool) -> Result<Option<Position>, StoreError> {
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(position) FROM events")
        .fetch_one(pool)
        .await
        .map_err(db_error)?;
    Ok(max.map(|p| p as Position))
}

async fn read_page(
    conn: &mut SqliteConnection,
    after: Option<Position>,
    size: i64,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let after = after.map_or(0, |p| p as i64);
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2"
    ))
    .bind(after)
    .bind(size)
    .fetch_all(conn)
    .await
    .map_err(db_error)?
    .iter()
    .map(recorded)
    .collect()
}

fn recorded(row: &SqliteRow) -> Result<RecordedEvent, StoreError> {
    let corrupt =
        |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("{what}: {e}"));
    // Columns by their place in `COLUMNS`, and text borrowed from the row where it is parsed
    // rather than kept: a subscription reads every event of the log this way.
    let position: i64 = row.try_get(0).map_err(|e| corrupt("position", &e))?;
    let stream: String = row.try_get(1).map_err(|e| corrupt("stream", &e))?;
    let revision: i64 = row.try_get(2).map_err(|e| corrupt("revision", &e))?;
    let event_id: &str = row.try_get(3).map_err(|e| corrupt("event id", &e))?;
    let event_type: String = row.try_get(4).map_err(|e| corrupt("event type", &e))?;
    let data: &str = row.try_get(5).map_err(|e| corrupt("data", &e))?;
    let created: &str = row.try_get(6).map_err(|e| corrupt("created", &e))?;
    let (data, data_error) = super::parse_data(data.as_bytes());
    Ok(RecordedEvent {
        stream,
        revision: revision as u64,
        position: position as Position,
        event_id: Uuid::parse_str(event_id).map_err(|e| corrupt("event id", &e))?,
        event_type,
        data,
        data_error,
        created: DateTime::parse_from_rfc3339(created)
            .map_err(|e| corrupt("created", &e))?
            .with_timezone(&Utc),
    })
}

async fn write_loop(
    mut conn: SqliteConnection,
    mut requests: mpsc::Receiver<AppendRequest>,
    head: watch::Sender<Option<Position>>,
) {
    while let Some(first) = requests.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        match write_batch(&mut conn, &batch).await {
            Ok(outcomes) => {
                let newest = outcomes
                    .iter()
                    .filter_map(|o| o.as_ref().ok())
                    .map(|a| a.position)
                    .max();
                if let Some(newest) = newest {
                    head.send_replace(Some(newest));
                }
                for (request, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = request.reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, appends = batch.len(), "event log commit failed; nothing in the batch was acknowledged");
                for request in batch {
                    let _ = request.reply.send(Err(db_error(&e)));
                }
            }
        }
    }
}

async fn write_batch(
    conn: &mut SqliteConnection,
    batch: &[AppendRequest],
) -> Result<Vec<Result<Appended, StoreError>>, sqlx::Error> {
    let created = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    let mut tx = Connection::begin(conn).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for request in batch {
        outcomes.push(append_one(&mut tx, request, &created).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// One append as a single statement: its events go in only if the stream's newest revision is
/// the expected one. A statement is atomic on its own in SQLite, so a failed append leaves
/// nothing behind in the batch's transaction and needs no savepoint. The answer is `Err` only
/// when the whole batch must fail (the connection broke); a refused append is an `Ok(Err)`.
async fn append_one(
    tx: &mut SqliteConnection,
    request: &AppendRequest,
    created: &str,
) -> Result<Result<Appended, StoreError>, sqlx::Error> {
    // The revision the stream must be at, -1 for no stream, and the first one to write.
    let (guard, first) = match request.expected {
        ExpectedRevision::NoStream => (-1_i64, 0_i64),
        ExpectedRevision::Exact(revision) => (revision as i64, revision as i64 + 1),
    };
    let rows = (0..request.events.len())
        .map(|n| {
            let at = 3 + n * 5;
            format!(
                "(${}, ${}, ${}, ${}, ${})",
                at,
                at + 1,
                at + 2,
                at + 3,
                at + 4
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO events (stream, revision, event_id, event_type, data, created)
         SELECT $1, column1, column2, column3, column4, column5 FROM (VALUES {rows})
         WHERE (SELECT COALESCE(MAX(revision), -1) FROM events WHERE stream = $1) = $2
         RETURNING position"
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql)
        .bind(&request.stream)
        .bind(guard);
    for (n, event) in request.events.iter().enumerate() {
        query = query
            .bind(first + n as i64)
            .bind(event.event_id.to_string())
            .bind(&event.event_type)
            .bind(event.data.to_string())
            .bind(created);
    }
    let positions = match query.fetch_all(&mut *tx).await {
        Ok(positions) => positions,
        // A repeated event id: this append is refused and its neighbours stand. Any other
        // failure (disk full, I/O) may have ended the transaction, so the whole batch fails.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Ok(Err(StoreError::Corrupt(format!(
                "append to {} refused by the event log: {e}",
                request.stream
            ))));
        }
        Err(e) => return Err(e),
    };
    match positions.iter().max() {
        Some(&position) => Ok(Ok(Appended {
            revision: (first + request.events.len() as i64 - 1) as u64,
            position: position as Position,
        })),
        None => {
            let actual = sqlx::query_scalar::<_, Option<i64>>(
                "SELECT MAX(revision) FROM events WHERE stream = $1",
            )
            .bind(&request.stream)
            .fetch_one(&mut *tx)
            .await?;
            Ok(Err(StoreError::Conflict {
                stream: request.stream.clone(),
                expected: request.expected,
                actual: actual.map(|r| r as u64),
            }))
        }
    }
}
