//! The writer against real log files: batches whose appends are refused, fail or race, and what
//! reads back.

use super::*;
use crate::event_store::sqlite::tests::event;
use crate::event_store::sqlite::{open_writer, SqliteEventStore};
use crate::event_store::EventStore;
use chrono::DateTime;
use serde_json::json;
use std::sync::Arc;
use tempfile::TempDir;

/// A new log file with its schema, migrated as the store does it.
fn new_log() -> (TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("events.db");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(async {
            let conn = open_writer(&path).await.expect("migrations");
            sqlx::Connection::close(conn)
                .await
                .expect("close the migrating connection");
        });
    (dir, path)
}

fn request(
    stream: &str,
    expected: ExpectedRevision,
    events: Vec<NewEvent>,
) -> (AppendRequest, oneshot::Receiver<Outcome>) {
    let (reply, answer) = oneshot::channel();
    let request = AppendRequest {
        stream: stream.into(),
        expected,
        events,
        reply,
    };
    (request, answer)
}

/// Commits the requests as one batch, as the thread would, and answers each one's outcome.
fn commit_batch(
    conn: &Connection,
    head: &watch::Sender<Option<Position>>,
    requests: Vec<(AppendRequest, oneshot::Receiver<Outcome>)>,
) -> Vec<Outcome> {
    let (batch, answers): (Vec<_>, Vec<_>) = requests.into_iter().unzip();
    commit(conn, batch, head, &broadcast::channel(1).0);
    answers
        .into_iter()
        .map(|mut answer| answer.try_recv().expect("every request is answered"))
        .collect()
}

/// The event ids a stream holds, in revision order.
fn ids(conn: &Connection, stream: &str) -> Vec<String> {
    let mut query = conn
        .prepare("SELECT event_id FROM events WHERE stream = ?1 ORDER BY revision")
        .expect("prepare");
    let rows = query.query_map([stream], |row| row.get(0)).expect("query");
    rows.collect::<rusqlite::Result<_>>().expect("rows")
}

fn count(conn: &Connection) -> i64 {
    conn.query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0))
        .expect("count")
}

fn assert_conflict(outcome: &Outcome, holds: Option<u64>) {
    match outcome {
        Err(StoreError::Conflict { actual, .. }) => assert_eq!(*actual, holds),
        other => panic!("expected a conflict naming {holds:?}, got {other:?}"),
    }
}

fn assert_refused(outcome: &Outcome) {
    assert!(
        matches!(outcome, Err(StoreError::Corrupt(_))),
        "expected a refused append, got {outcome:?}"
    );
}

#[test]
fn a_refused_append_does_not_fail_its_batch_neighbours() {
    let (_dir, path) = new_log();
    let conn = open(&path).expect("the writer's connection");
    let (head, newest) = watch::channel(None);
    let seed = event(json!({"n": 0}));
    let seeded = commit_batch(
        &conn,
        &head,
        vec![request("a", ExpectedRevision::NoStream, vec![seed.clone()])],
    );
    assert!(seeded[0].is_ok(), "{seeded:?}");

    let repeated = NewEvent {
        event_type: "Repeated".into(),
        ..seed.clone()
    };
    let outcomes = commit_batch(
        &conn,
        &head,
        vec![
            request("a", ExpectedRevision::Exact(0), vec![event(json!(1))]),
            // Sees the append before it in the same transaction.
            request("a", ExpectedRevision::Exact(0), vec![event(json!(2))]),
            request("b", ExpectedRevision::NoStream, vec![repeated]),
            request("c", ExpectedRevision::NoStream, vec![event(json!(3))]),
        ],
    );
    let first = outcomes[0].as_ref().expect("the first append stands");
    assert_eq!(first.revision, 1);
    assert_conflict(&outcomes[1], Some(1));
    assert_refused(&outcomes[2]);
    let last = outcomes[3].as_ref().expect("the last append stands");
    assert_eq!(last.revision, 0);
    assert!(last.position > first.position);
    assert_eq!(*newest.borrow(), Some(last.position));

    assert_eq!(ids(&conn, "a").len(), 2);
    assert!(ids(&conn, "b").is_empty());
    assert_eq!(ids(&conn, "c").len(), 1);
}

#[test]
fn a_multi_event_append_refused_partway_leaves_none_of_its_events() {
    let (_dir, path) = new_log();
    let conn = open(&path).expect("the writer's connection");
    let (head, _newest) = watch::channel(None);
    let seed = event(json!({"n": 0}));
    commit_batch(
        &conn,
        &head,
        vec![request("a", ExpectedRevision::NoStream, vec![seed.clone()])],
    );

    let before = event(json!("before"));
    let after = event(json!("after"));
    let twice = event(json!("twice"));
    let outcomes = commit_batch(
        &conn,
        &head,
        vec![
            // Its second event repeats one already in the log.
            request(
                "b",
                ExpectedRevision::NoStream,
                vec![before.clone(), seed.clone(), after.clone()],
            ),
            // Its second event repeats its first.
            request(
                "c",
                ExpectedRevision::NoStream,
                vec![twice.clone(), twice.clone()],
            ),
        ],
    );
    assert_refused(&outcomes[0]);
    assert_refused(&outcomes[1]);
    assert_eq!(count(&conn), 1, "only the seed is in the log");

    // Nothing of the refused appends is left behind: their first ids are still free, and
    // the streams still begin at revision 0.
    let outcomes = commit_batch(
        &conn,
        &head,
        vec![
            request(
                "b",
                ExpectedRevision::NoStream,
                vec![before.clone(), after.clone()],
            ),
            request("c", ExpectedRevision::NoStream, vec![twice.clone()]),
        ],
    );
    assert_eq!(outcomes[0].as_ref().expect("b").revision, 1);
    assert_eq!(outcomes[1].as_ref().expect("c").revision, 0);
    let hyphenated = |e: &NewEvent| e.event_id.hyphenated().to_string();
    assert_eq!(ids(&conn, "b"), [hyphenated(&before), hyphenated(&after)]);
    assert_eq!(ids(&conn, "c"), [hyphenated(&twice)]);
}

#[test]
fn a_failure_inside_the_transaction_fails_the_whole_batch_and_writes_nothing() {
    let (_dir, path) = new_log();
    let conn = open(&path).expect("the writer's connection");
    // A failure that is not a refused append, as a full disk would be, on one event type.
    conn.execute_batch(
        "CREATE TEMP TRIGGER fail BEFORE INSERT ON events WHEN NEW.event_type = 'Failing'
         BEGIN SELECT RAISE(ABORT, 'the disk is full'); END;",
    )
    .expect("a failing trigger");
    let (head, newest) = watch::channel(None);
    let failing = NewEvent {
        event_type: "Failing".into(),
        ..event(json!({}))
    };
    let outcomes = commit_batch(
        &conn,
        &head,
        vec![
            request("a", ExpectedRevision::NoStream, vec![event(json!(1))]),
            request("b", ExpectedRevision::NoStream, vec![failing]),
            request("c", ExpectedRevision::NoStream, vec![event(json!(3))]),
        ],
    );
    for outcome in &outcomes {
        match outcome {
            Err(StoreError::Unavailable(reason)) => {
                assert!(reason.contains("the disk is full"), "{reason}")
            }
            other => panic!("expected the batch to fail, got {other:?}"),
        }
    }
    assert!(conn.is_autocommit(), "the transaction was rolled back");
    assert_eq!(count(&conn), 0);
    assert_eq!(*newest.borrow(), None);

    // The writer goes on with the next batch.
    let outcomes = commit_batch(
        &conn,
        &head,
        vec![request(
            "a",
            ExpectedRevision::NoStream,
            vec![event(json!(1))],
        )],
    );
    assert_eq!(outcomes[0].as_ref().expect("a").revision, 0);
}

#[test]
fn the_writer_thread_ends_when_every_writer_is_gone() {
    let (_dir, path) = new_log();
    let conn = open(&path).expect("the writer's connection");
    let (head, _newest) = watch::channel(None);
    let (writer, thread) = spawn(conn, head, broadcast::channel(1).0).expect("a thread");
    drop(writer);
    thread.join().expect("the thread ends without a panic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_appends_with_one_expected_revision_let_exactly_one_in() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Arc::new(
        SqliteEventStore::open(&dir.path().join("events.db"))
            .await
            .expect("open the store"),
    );
    store
        .append("flight", ExpectedRevision::NoStream, vec![event(json!(0))])
        .await
        .expect("a new stream");
    let racers = (0..32).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .append("flight", ExpectedRevision::Exact(0), vec![event(json!(n))])
                .await
        })
    });
    let mut won = 0;
    for racer in racers.collect::<Vec<_>>() {
        match racer.await.expect("the racer finishes") {
            Ok(appended) => {
                won += 1;
                assert_eq!(appended.revision, 1);
            }
            conflict => assert_conflict(&conflict, Some(1)),
        }
    }
    assert_eq!(won, 1);
    let stream = store.read_stream("flight").await.expect("read");
    assert_eq!(stream.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_after_reopening_continue_positions_and_revisions() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("events.db");
    let store = SqliteEventStore::open(&path).await.expect("open");
    let before = store
        .append(
            "flight",
            ExpectedRevision::NoStream,
            vec![event(json!(0)), event(json!(1))],
        )
        .await
        .expect("the first append");
    drop(store);

    let store = SqliteEventStore::open(&path).await.expect("reopen");
    assert_eq!(
        store.last_position().await.expect("head"),
        Some(before.position)
    );
    assert_conflict(
        &store
            .append("flight", ExpectedRevision::NoStream, vec![event(json!(2))])
            .await,
        Some(1),
    );
    let after = store
        .append("flight", ExpectedRevision::Exact(1), vec![event(json!(2))])
        .await
        .expect("the append after reopening");
    assert_eq!(after.revision, 2);
    assert!(after.position > before.position);
    let other = store
        .append("other", ExpectedRevision::NoStream, vec![event(json!(3))])
        .await
        .expect("a new stream");
    assert!(other.position > after.position);

    let stream = store.read_stream("flight").await.expect("read");
    let revisions: Vec<u64> = stream.iter().map(|e| e.revision).collect();
    assert_eq!(revisions, [0, 1, 2]);
    assert!(stream.windows(2).all(|w| w[0].position < w[1].position));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_round_trips_byte_for_byte() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("events.db");
    let store = SqliteEventStore::open(&path).await.expect("open");
    let written = vec![
        event(json!({
            "name": "Ærøskøbing — 東京 🛫",
            "composed": "é",
            "decomposed": "e\u{301}",
            "escapes": "quote \" backslash \\ newline \n tab \t nul \u{0} del \u{7f}",
            "numbers": [u64::MAX, i64::MIN, 1.5e300, -0.25],
        })),
        event(json!({
            "blob": "✈".repeat(1 << 20),
            "list": (0..20_000).collect::<Vec<_>>(),
        })),
    ];
    store
        .append("flight", ExpectedRevision::NoStream, written.clone())
        .await
        .expect("append");

    let read = store.read_stream("flight").await.expect("read");
    let conn = Connection::open(&path).expect("a second connection");
    let mut raw = conn
        .prepare("SELECT event_id, data, created FROM events ORDER BY position")
        .expect("prepare");
    let raw = raw
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .expect("query")
        .collect::<rusqlite::Result<Vec<_>>>()
        .expect("rows");
    assert_eq!(raw.len(), written.len());
    for ((event, recorded), (id, data, created)) in written.iter().zip(&read).zip(&raw) {
        assert_eq!(recorded.data, event.data);
        assert_eq!(recorded.data_error, None);
        assert_eq!(recorded.event_id, event.event_id);
        assert_eq!(*id, event.event_id.hyphenated().to_string());
        assert_eq!(*data, serde_json::to_string(&event.data).expect("json"));
        // RFC 3339 in UTC with microseconds and `Z`, as the log has always held it.
        let parsed = DateTime::parse_from_rfc3339(created).expect("RFC 3339");
        assert_eq!(
            parsed
                .with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Micros, true),
            *created
        );
        assert_eq!(recorded.created, parsed.with_timezone(&Utc));
    }
}
