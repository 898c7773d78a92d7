//! SQLite's WAL checkpoints, mostly taken off the write path.
//!
//! By default the connection whose commit grows the WAL past 1,000 pages copies all of them into
//! the database file and syncs it, inside that commit: the event log's writer or the projection
//! stalls while every command queued behind it waits. Here a task checkpoints shortly after
//! each burst of writes, on another connection (PASSIVE: it never blocks a writer or a reader),
//! so the pages are mostly copied already when the writer's own, rarer automatic checkpoint
//! comes due. That one is still needed: only a checkpoint inside the writer, where no new frame
//! can arrive meanwhile, completes the copy so that the next commit writes the WAL from its
//! start again; passive checkpoints alone let it grow without bound under load (BENCHMARKS.md has
//! the figures). Durability does not depend on checkpoints: a committed transaction is in the WAL.

use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// Pages (4 KiB) past which the writer checkpoints on its own: 16 MiB of WAL.
pub const WRITER_CHECKPOINT_PAGES: u32 = 4096;
pub const PASSIVE: &str = "PRAGMA wal_checkpoint(PASSIVE)";
/// How long a checkpoint waits after a write, so one checkpoint covers a burst of commits.
const PACE: Duration = Duration::from_millis(200);

/// Runs `checkpoint` after each burst of changes to `writes`, until its sender is gone. An idle
/// store costs nothing: the task sleeps until the next write.
pub fn spawn_checkpoints<T, F, Fut>(
    mut writes: watch::Receiver<T>,
    what: &'static str,
    checkpoint: F,
) where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), sqlx::Error>> + Send,
{
    tokio::spawn(async move {
        while writes.changed().await.is_ok() {
            tokio::time::sleep(PACE).await;
            writes.borrow_and_update();
            if let Err(e) = checkpoint().await {
                // The next burst, or the writer's own checkpoint, tries again.
                tracing::warn!(store = what, error = %e, "WAL checkpoint failed");
            }
        }
    });
}
