//! The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, so an
//! acknowledged append survives a power cut.
//!
//! All appends go through one writer thread that commits whatever is queued in one transaction
//! (group commit, see `writer`); everything else reads through a pool of sqlx connections. A
//! subscriber at the head takes what the writer announces after each commit, and reads the file
//! whenever that does not follow on from what it has delivered.

mod writer;

use super::{
    refuse_empty, Appended, EventStore, ExpectedRevision, NewEvent, Position, RecordedEvent,
    StoreError,
};
use crate::wal;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, Row, SqliteConnection, SqlitePool};
use std::path::Path;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use uuid::Uuid;
use writer::{Announced, Writer};

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
/// How long a connection waits for another's lock before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Commits the writer's announcements keep for a subscriber that is busy; one further behind
/// reads the file instead.
const ANNOUNCED_COMMITS: usize = 64;

pub struct SqliteEventStore {
    reader: SqlitePool,
    writer: Writer,
    announced: broadcast::Sender<Announced>,
}

/// The event log's durability: WAL with `synchronous=FULL`, so an acknowledged append survives a
/// power cut. Most checkpointing runs beside the writer rather than in its commits (see `wal`).
fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(BUSY_TIMEOUT)
        .pragma(
            "wal_autocheckpoint",
            wal::WRITER_CHECKPOINT_PAGES.to_string(),
        )
}

/// A writing connection to the log through sqlx, on the store's schema and durability settings:
/// the store runs its migrations on it before its own writer takes over. Public so a benchmark's
/// baseline can measure SQLite under exactly what the store uses.
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
        // The schema is sqlx's migrations' to keep; the writer thread opens its own connection
        // once they have run.
        open_writer(path)
            .await?
            .close()
            .await
            .map_err(|e| unavailable(path, e))?;
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
        let (announced, _) = broadcast::channel(ANNOUNCED_COMMITS);
        let writer = Writer::start(path, head_tx, announced.clone()).await?;
        let checkpointer = reader.clone();
        wal::spawn_checkpoints(head, "event log", move || {
            let pool = checkpointer.clone();
            async move { sqlx::query(wal::PASSIVE).execute(&pool).await.map(drop) }
        });
        Ok(Self {
            reader,
            writer,
            announced,
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
        self.writer.append(stream, expected, events).await
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
        // Before the first read, so that no commit after it goes unannounced to this subscriber.
        let mut announced = self.announced.subscribe();
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
                let page = match read_page(&mut conn, after, size).await {
                    Ok(page) => page,
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                };
                // A full page means more behind it: read on without waiting.
                let full = page.len() as i64 == size;
                size = if full { CATCH_UP_PAGE } else { PAGE };
                for event in page {
                    after = Some(event.position);
                    if tx.send(Ok(event)).await.is_err() {
                        return;
                    }
                }
                if full {
                    continue;
                }
                match follow_announced(&mut announced, &mut after, &tx).await {
                    Following::Read => {}
                    Following::Stop => return,
                }
            }
        });
        Box::pin(ReceiverStream::new(rx))
    }
}

/// Why a subscriber at the head stopped taking the writer's announcements.
enum Following {
    /// The file must be read: an announcement did not follow on from the last event delivered
    /// (another process appended between, or this subscriber fell behind), or a while passed
    /// in which another process may have appended.
    Read,
    /// The subscriber or the store is gone.
    Stop,
}

/// Delivers what the writer announces while each commit follows on from the last event
/// delivered: a commit is written whole, so its first position is either the next one or
/// shows a gap that only the file can fill.
async fn follow_announced(
    announced: &mut broadcast::Receiver<Announced>,
    after: &mut Option<Position>,
    tx: &mpsc::Sender<Result<RecordedEvent, StoreError>>,
) -> Following {
    loop {
        let commit = tokio::select! {
            commit = announced.recv() => commit,
            _ = tokio::time::sleep(FOREIGN_WRITER_POLL) => return Following::Read,
            _ = tx.closed() => return Following::Stop,
        };
        let events = match commit {
            Ok(events) => events,
            Err(RecvError::Lagged(_)) => return Following::Read,
            Err(RecvError::Closed) => return Following::Stop,
        };
        let next = after.map_or(1, |p| p + 1);
        match events.first().map(|e| e.position) {
            // Read from the file already, by the read that raced this commit.
            Some(first) if first < next => continue,
            Some(first) if first == next => {}
            _ => return Following::Read,
        }
        for event in events.iter() {
            *after = Some(event.position);
            if tx.send(Ok(event.clone())).await.is_err() {
                return Following::Stop;
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use serde_json::{json, Value};
    use std::sync::Arc;

    const WITHIN: Duration = Duration::from_secs(30);

    /// An event of its own id, for the store's tests and its writer's.
    pub(super) fn event(data: Value) -> NewEvent {
        NewEvent {
            event_id: Uuid::new_v4(),
            event_type: "Tested".into(),
            data,
        }
    }

    /// The next `count` events of a subscription, or a failure naming how many came.
    async fn take(
        events: &mut BoxStream<'static, Result<RecordedEvent, StoreError>>,
        count: usize,
    ) -> Vec<RecordedEvent> {
        let mut taken = Vec::with_capacity(count);
        while taken.len() < count {
            match tokio::time::timeout(WITHIN, events.next()).await {
                Ok(Some(Ok(event))) => taken.push(event),
                Ok(other) => panic!("after {} events: {other:?}", taken.len()),
                Err(_) => panic!("only {} of {count} events within {WITHIN:?}", taken.len()),
            }
        }
        taken
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_follower_at_the_head_gets_every_append_as_a_read_of_the_log_gives_it() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = Arc::new(
            SqliteEventStore::open(&dir.path().join("events.db"))
                .await
                .expect("open"),
        );
        let mut following = store.subscribe_all(None);
        // Data that must read back equal: floats, unicode, nesting.
        let data = |n: u64| json!({"n": n, "ratio": 0.1 + n as f64 / 3.0, "tiny": 1e-7, "name": "Ærø 🛫 \u{0301}", "nested": {"list": [1.5, -2, null]}});
        let appends = (0..24u64).map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                let stream = format!("flight-{n}");
                // One, then three at once onto the same stream; every sixth also races itself.
                store
                    .append(&stream, ExpectedRevision::NoStream, vec![event(data(n))])
                    .await
                    .expect("the first append");
                let three = (0..3).map(|k| event(data(n * 10 + k))).collect();
                store
                    .append(&stream, ExpectedRevision::Exact(0), three)
                    .await
                    .expect("three more");
                if n % 6 == 0 {
                    let refused = store
                        .append(&stream, ExpectedRevision::Exact(0), vec![event(data(n))])
                        .await;
                    assert!(matches!(refused, Err(StoreError::Conflict { .. })));
                }
            })
        });
        for append in futures_util::future::join_all(appends).await {
            append.expect("an appending task");
        }
        let written = 24 * 4;
        let live = take(&mut following, written).await;
        let from_file = take(&mut store.subscribe_all(None), written).await;
        assert_eq!(live, from_file);
        let positions: Vec<Position> = live.iter().map(|e| e.position).collect();
        assert_eq!(positions, (1..=written as Position).collect::<Vec<_>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn appends_by_another_writer_on_the_file_reach_a_follower_in_order() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("events.db");
        let ours = SqliteEventStore::open(&path).await.expect("open");
        let theirs = SqliteEventStore::open(&path).await.expect("open again");
        let mut following = ours.subscribe_all(None);
        let theirs_first = vec![event(json!({"by": "them"})), event(json!({"by": "them"}))];
        theirs
            .append("flight-theirs", ExpectedRevision::NoStream, theirs_first)
            .await
            .expect("their append");
        // Announced by our writer with a position past what our follower has seen: the two
        // before it are only in the file.
        ours.append(
            "flight-ours",
            ExpectedRevision::NoStream,
            vec![event(json!({"by": "us"}))],
        )
        .await
        .expect("our append");
        let events = take(&mut following, 3).await;
        let seen: Vec<(&str, Position)> = events
            .iter()
            .map(|e| (e.stream.as_str(), e.position))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("flight-theirs", 1),
                ("flight-theirs", 2),
                ("flight-ours", 3)
            ]
        );
    }
}
