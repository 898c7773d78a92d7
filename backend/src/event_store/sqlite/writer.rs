//! The event log's one writing connection, owned by a thread of its own.
//!
//! Every append is committed here, in groups: the thread waits for one request, takes whatever
//! else is queued, and commits them all in one transaction, so concurrent commands share the
//! cost of the fsync instead of queueing behind each other's. Nothing is acknowledged before the
//! COMMIT returns, and a failure that breaks the transaction fails every append in it.
//!
//! Why a thread and rusqlite rather than a task and sqlx: sqlx runs each statement on its own
//! worker thread and hands the answer back, so every statement of a batch cost a round trip
//! between threads; here the statements run where they are called, each prepared once and kept.
//! Only the tokio side waits asynchronously: it queues its request and awaits the reply.
//!
//! After each commit the thread announces the events it wrote, as the log will give them back,
//! so that a subscriber at the log's head takes them from memory instead of reading back what
//! was just written (see `subscribe_all`).

use super::BUSY_TIMEOUT;
use crate::event_store::{
    Appended, ExpectedRevision, NewEvent, Position, RecordedEvent, StoreError,
};
use crate::wal;
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use rusqlite::{ffi, Connection, OpenFlags};
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use uuid::Uuid;

/// The most appends committed together; bounds the latency a batch adds to its first member.
const MAX_BATCH: usize = 256;

/// How an append ends: its place in the log, or why it was refused while its batch committed.
type Outcome = Result<Appended, StoreError>;

/// The events one commit wrote, in the log's order, exactly as a read of the log returns them.
pub(super) type Announced = Arc<Vec<RecordedEvent>>;

/// The tokio side of the writer: queues appends for the thread and awaits their replies. The
/// thread ends once every handle is dropped and the queue is drained.
pub(super) struct Writer {
    requests: mpsc::Sender<AppendRequest>,
}

struct AppendRequest {
    stream: String,
    expected: ExpectedRevision,
    events: Vec<NewEvent>,
    reply: oneshot::Sender<Outcome>,
}

impl Writer {
    /// Opens the writing connection on a log whose schema is in place, then starts the thread
    /// that owns it. `head` is advanced past each committed batch.
    pub(super) async fn start(
        path: &Path,
        head: watch::Sender<Option<Position>>,
        announce: broadcast::Sender<Announced>,
    ) -> Result<Self, StoreError> {
        let owned = path.to_owned();
        let conn = tokio::task::spawn_blocking(move || open(&owned))
            .await
            .map_err(|e| cannot_open(path, e))??;
        let (writer, _thread) = spawn(conn, head, announce).map_err(|e| cannot_open(path, e))?;
        Ok(writer)
    }

    pub(super) async fn append(
        &self,
        stream: &str,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Outcome {
        let (reply, answer) = oneshot::channel();
        let request = AppendRequest {
            stream: stream.to_owned(),
            expected,
            events,
            reply,
        };
        let gone = || StoreError::Unavailable("the event log writer has stopped".into());
        self.requests.send(request).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

fn cannot_open(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("cannot open event log {}: {e}", path.display()))
}

/// The writing connection, on the settings `connect_options` gives the store's sqlx
/// connections: WAL, `synchronous=FULL`, the same busy timeout and the writer's own automatic
/// checkpoint.
fn open(path: &Path) -> Result<Connection, StoreError> {
    let fail = |e: rusqlite::Error| cannot_open(path, e);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(fail)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(fail)?;
    // Readers, checkpoints and the durability argument all assume WAL; a file system that
    // cannot give it is refused rather than served more slowly and differently.
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(cannot_open(
            path,
            format!("journal mode is {mode}, not WAL"),
        ));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(fail)?;
    conn.pragma_update(None, "wal_autocheckpoint", wal::WRITER_CHECKPOINT_PAGES)
        .map_err(fail)?;
    Ok(conn)
}

/// Starts the thread that owns `conn`; it ends when every `Writer` is gone.
fn spawn(
    conn: Connection,
    head: watch::Sender<Option<Position>>,
    announce: broadcast::Sender<Announced>,
) -> std::io::Result<(Writer, JoinHandle<()>)> {
    let (requests, queue) = mpsc::channel(4 * MAX_BATCH);
    let thread = std::thread::Builder::new()
        .name("event-log-writer".into())
        .spawn(move || run(conn, queue, head, announce))?;
    Ok((Writer { requests }, thread))
}

fn run(
    conn: Connection,
    mut queue: mpsc::Receiver<AppendRequest>,
    head: watch::Sender<Option<Position>>,
    announce: broadcast::Sender<Announced>,
) {
    while let Some(first) = queue.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        commit(&conn, batch, &head, &announce);
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the event log's writing connection failed");
    }
}

/// Writes one batch and answers each of its requests: with its own outcome once the batch is
/// committed, or all with the error that stopped it. A committed batch is announced first.
fn commit(
    conn: &Connection,
    batch: Vec<AppendRequest>,
    head: &watch::Sender<Option<Position>>,
    announce: &broadcast::Sender<Announced>,
) {
    match write_batch(conn, &batch) {
        Ok(written) => {
            let newest = written
                .outcomes
                .iter()
                .filter_map(|(o, _)| o.as_ref().ok())
                .map(|a| a.position)
                .max();
            let mut events = Vec::new();
            let announcing = announce.receiver_count() > 0;
            let mut replies = Vec::with_capacity(batch.len());
            for (request, (outcome, positions)) in batch.into_iter().zip(written.outcomes) {
                let AppendRequest {
                    stream,
                    events: appended,
                    reply,
                    ..
                } = request;
                if let (true, Ok(done)) = (announcing, &outcome) {
                    events.extend(as_recorded(
                        &stream,
                        appended,
                        done,
                        &positions,
                        written.created,
                    ));
                }
                replies.push((reply, outcome));
            }
            if let Some(newest) = newest {
                head.send_replace(Some(newest));
            }
            if announcing && !events.is_empty() {
                // No subscriber at the head is not an error: they read the log.
                let _ = announce.send(Arc::new(events));
            }
            for (reply, outcome) in replies {
                let _ = reply.send(outcome);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, appends = batch.len(), "event log commit failed; nothing in the batch was acknowledged");
            let reason = e.to_string();
            for request in batch {
                let _ = request
                    .reply
                    .send(Err(StoreError::Unavailable(reason.clone())));
            }
        }
    }
}

/// The events of one append as the log holds them: the data as appended, which reads back equal
/// to itself (`serde_json` parses floats exactly, with `float_roundtrip`).
fn as_recorded<'a>(
    stream: &'a str,
    events: Vec<NewEvent>,
    done: &Appended,
    positions: &'a [Position],
    created: DateTime<Utc>,
) -> impl Iterator<Item = RecordedEvent> + 'a {
    let first = done.revision + 1 - events.len() as u64;
    events
        .into_iter()
        .zip(positions.iter().copied())
        .enumerate()
        .map(move |(n, (event, position))| RecordedEvent {
            stream: stream.to_owned(),
            revision: first + n as u64,
            position,
            event_id: event.event_id,
            event_type: event.event_type,
            data: event.data,
            data_error: None,
            created,
        })
}

/// A committed batch: each append's outcome with the positions of its events (none when it was
/// refused), and the time written into every event.
struct Written {
    outcomes: Vec<(Outcome, Vec<Position>)>,
    created: DateTime<Utc>,
}

/// One transaction for the whole batch. The answer is `Err` only when the whole batch failed,
/// and then its transaction is rolled back; a refused append is an `Ok(Err)` among the outcomes.
fn write_batch(conn: &Connection, batch: &[AppendRequest]) -> rusqlite::Result<Written> {
    // A transaction left open by a rollback that failed would refuse every later BEGIN.
    if !conn.is_autocommit() {
        run_cached(conn, "ROLLBACK")?;
    }
    // IMMEDIATE takes the write lock before the first read, so the revisions checked below
    // cannot change before the commit, even with another process on the file.
    run_cached(conn, "BEGIN IMMEDIATE")?;
    let written = append_all(conn, batch);
    if written.is_err() && !conn.is_autocommit() {
        if let Err(e) = run_cached(conn, "ROLLBACK") {
            // Tried again before the next batch begins.
            tracing::warn!(error = %e, "rolling back a failed event log batch failed");
        }
    }
    written
}

fn append_all(conn: &Connection, batch: &[AppendRequest]) -> rusqlite::Result<Written> {
    // To the microsecond, as the log writes it, so that the time announced is the time read back.
    let created = Utc::now().trunc_subsecs(6);
    let text = created.to_rfc3339_opts(SecondsFormat::Micros, true);
    let outcomes = batch
        .iter()
        .map(|request| append_one(conn, request, &text))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    run_cached(conn, "COMMIT")?;
    Ok(Written { outcomes, created })
}

/// One append: the stream's newest revision is checked first, so a conflict writes nothing;
/// then its events go in one by one. An append of several events runs in a savepoint, so an
/// event refused partway (a repeated event id) takes the ones before it with it; a single
/// statement is atomic on its own and needs none.
fn append_one(
    conn: &Connection,
    request: &AppendRequest,
    created: &str,
) -> rusqlite::Result<(Outcome, Vec<Position>)> {
    let actual: Option<i64> = conn
        .prepare_cached("SELECT MAX(revision) FROM events WHERE stream = ?1")?
        .query_row([&request.stream], |row| row.get(0))?;
    let (wanted, first) = match request.expected {
        ExpectedRevision::NoStream => (None, 0_i64),
        ExpectedRevision::Exact(revision) => (Some(revision as i64), revision as i64 + 1),
    };
    if actual != wanted {
        let conflict = StoreError::Conflict {
            stream: request.stream.clone(),
            expected: request.expected,
            actual: actual.map(|r| r as u64),
        };
        return Ok((Err(conflict), Vec::new()));
    }
    let several = request.events.len() > 1;
    if several {
        run_cached(conn, "SAVEPOINT append")?;
    }
    match insert_events(conn, request, first, created) {
        Ok(positions) => {
            if several {
                run_cached(conn, "RELEASE append")?;
            }
            let appended = Appended {
                revision: (first + request.events.len() as i64 - 1) as u64,
                position: positions.last().copied().unwrap_or_default(),
            };
            Ok((Ok(appended), positions))
        }
        // A repeated event id: this append is refused and its neighbours stand. Any other
        // failure (disk full, I/O) may have ended the transaction, so the whole batch fails.
        Err(e) if is_unique_violation(&e) => {
            if several {
                run_cached(conn, "ROLLBACK TO append")?;
                run_cached(conn, "RELEASE append")?;
            }
            let refused = StoreError::Corrupt(format!(
                "append to {} refused by the event log: {e}",
                request.stream
            ));
            Ok((Err(refused), Vec::new()))
        }
        Err(e) => Err(e),
    }
}

/// Inserts the append's events in order and answers their positions.
fn insert_events(
    conn: &Connection,
    request: &AppendRequest,
    first: i64,
    created: &str,
) -> rusqlite::Result<Vec<Position>> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (stream, revision, event_id, event_type, data, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut positions = Vec::with_capacity(request.events.len());
    for (n, event) in request.events.iter().enumerate() {
        // The text forms readers parse: a hyphenated id and compact JSON.
        let mut id = Uuid::encode_buffer();
        let id: &str = event.event_id.hyphenated().encode_lower(&mut id);
        let position = insert.insert((
            &request.stream,
            first + n as i64,
            id,
            &event.event_type,
            event.data.to_string(),
            created,
        ))?;
        positions.push(position as Position);
    }
    Ok(positions)
}

fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
                || failure.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

#[cfg(test)]
mod tests;
