//! The projection's side of the read model: one connection held for the projection's life, and
//! on it one transaction per batch that locks the checkpoint, reads and writes the rows the batch
//! touches, and moves the checkpoint, all committed together. This is the checkpoint port: the
//! position lives in the read model's own transaction, so a batch takes effect exactly once.
//!
//! Several backends may follow one log into one read model. Each takes the checkpoint row's lock
//! first (Postgres: `FOR UPDATE`; SQLite admits one writer at a time anyway), so they take turns,
//! and each skips what the checkpoint says is applied already: every event takes effect once,
//! whichever instance gets there first, and no leader has to be elected.

use super::rows::{self, Changes, FlightRow, PassengerRow};
use super::{Dialect, ReadModel, ReadModelError, PROJECTION};
use crate::event_store::Position;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Connection, Transaction};
use uuid::Uuid;

/// The projection's connection: a pool would test it on every return.
pub struct Writer {
    conn: PoolConnection<Any>,
    dialect: Dialect,
}

/// One batch's transaction, holding the checkpoint's lock until it commits or is dropped.
pub struct Batch<'c> {
    tx: Transaction<'c, Any>,
    dialect: Dialect,
    /// Where the read model stood when the lock was taken; `None` before the first event.
    pub checkpoint: Option<Position>,
}

impl ReadModel {
    /// How far the projection has applied the log; `None` before the first event.
    pub async fn checkpoint(&self) -> Result<Option<Position>, ReadModelError> {
        let position: Option<i64> =
            sqlx::query_scalar("SELECT position FROM checkpoints WHERE name = $1")
                .bind(PROJECTION)
                .fetch_optional(&self.pool)
                .await?;
        Ok(position.and_then(|p| Position::try_from(p).ok()))
    }

    /// The checkpoint row exists from the start, so that instances can lock it.
    pub(super) async fn ensure_checkpoint(&self) -> Result<(), ReadModelError> {
        sqlx::query("INSERT INTO checkpoints (name, position) VALUES ($1, -1) ON CONFLICT (name) DO NOTHING")
            .bind(PROJECTION)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn writer(&self) -> Result<Writer, ReadModelError> {
        Ok(Writer {
            conn: self.pool.acquire().await?,
            dialect: self.dialect,
        })
    }
}

impl Writer {
    /// Begins a batch: the checkpoint is locked and read first.
    pub async fn begin(&mut self) -> Result<Batch<'_>, ReadModelError> {
        let mut tx = self.conn.begin().await?;
        let position: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT position FROM checkpoints WHERE name = $1{}",
            self.dialect.row_lock()
        ))
        .bind(PROJECTION)
        .fetch_optional(&mut *tx)
        .await?;
        Ok(Batch {
            tx,
            dialect: self.dialect,
            // -1 marks a projection that has applied nothing yet.
            checkpoint: position.and_then(|p| Position::try_from(p).ok()),
        })
    }
}

impl Batch<'_> {
    /// The flights with these ids and all their passengers, as stored.
    pub async fn load(
        &mut self,
        flight_ids: &[Uuid],
    ) -> Result<(Vec<FlightRow>, Vec<PassengerRow>), ReadModelError> {
        rows::load(&mut self.tx, self.dialect.placeholders(), flight_ids).await
    }

    pub async fn store(&mut self, changes: &Changes) -> Result<(), ReadModelError> {
        rows::store(&mut self.tx, self.dialect.placeholders(), changes).await
    }

    /// Moves the checkpoint to `through`; it never moves back.
    pub async fn save_checkpoint(&mut self, through: Position) -> Result<(), ReadModelError> {
        if self.checkpoint.is_some_and(|c| c >= through) {
            return Ok(());
        }
        sqlx::query("UPDATE checkpoints SET position = $2 WHERE name = $1")
            .bind(PROJECTION)
            .bind(through as i64)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn commit(self) -> Result<(), ReadModelError> {
        self.tx.commit().await?;
        Ok(())
    }
}
