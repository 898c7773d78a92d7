//! State shared by every service of a stand-in: the log, the live-event signal, and the
//! injected answer delay with the call deadline it must respect.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tonic::{Request, Status};
use uuid::Uuid;

use crate::log::Log;
use crate::proto::streams::read_resp::Content;
use crate::proto::streams::ReadResp;

pub(crate) struct Shared {
    log: Mutex<Log>,
    /// Number of events in the log; subscribers wait on it for live events.
    pub(super) appended: watch::Sender<usize>,
    delay_nanos: AtomicU64,
    subscriptions: AtomicU64,
}

impl Shared {
    pub fn new(log: Log) -> Self {
        let (appended, _) = watch::channel(log.len());
        Shared {
            log: Mutex::new(log),
            appended,
            delay_nanos: AtomicU64::new(0),
            subscriptions: AtomicU64::new(0),
        }
    }

    pub fn log(&self) -> MutexGuard<'_, Log> {
        // A panic while holding the lock cannot leave the log half-written (appends are
        // built before they are pushed), so a poisoned lock is still a consistent log.
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn set_delay(&self, delay: Duration) {
        let nanos = u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX);
        self.delay_nanos.store(nanos, Ordering::Relaxed);
    }

    pub(super) fn delay(&self) -> Duration {
        Duration::from_nanos(self.delay_nanos.load(Ordering::Relaxed))
    }

    pub(super) fn subscription_id(&self) -> String {
        let n = self.subscriptions.fetch_add(1, Ordering::Relaxed);
        Uuid::from_u64_pair(0x5e5b_0000_0000_0000 | n, n).to_string()
    }

    /// Waits out the injected delay before an answer, giving up with DEADLINE_EXCEEDED when
    /// the caller's deadline comes first, as a node does with a call whose deadline expired.
    pub(super) async fn answer_delay(&self, deadline: Option<Instant>) -> Result<(), Status> {
        let delay = self.delay();
        if let Some(deadline) = deadline {
            if Instant::now() + delay >= deadline {
                tokio::time::sleep_until(deadline).await;
                return Err(Status::deadline_exceeded("Deadline Exceeded"));
            }
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok(())
    }
}

/// Resolves once the node is draining its connections after a GOAWAY (or never, if the node
/// is gone).
pub(super) async fn until_draining(drain: &mut watch::Receiver<bool>) {
    if drain.wait_for(|draining| *draining).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The `grpc-timeout` header: an integer of at most 8 digits and a unit letter.
pub(super) fn deadline_of<T>(request: &Request<T>) -> Option<Instant> {
    let value = request.metadata().get("grpc-timeout")?.to_str().ok()?;
    if value.len() < 2 {
        return None;
    }
    let (amount, unit) = value.split_at(value.len() - 1);
    let amount: u64 = amount.parse().ok()?;
    let timeout = match unit {
        "H" => Duration::from_secs(amount.saturating_mul(3600)),
        "M" => Duration::from_secs(amount.saturating_mul(60)),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    };
    Instant::now().checked_add(timeout)
}

/// The sending half of a `Read` answer: applies the injected delay and the call's deadline to
/// every message.
pub(super) struct Answer {
    pub(super) tx: mpsc::Sender<Result<ReadResp, Status>>,
    pub(super) shared: Arc<Shared>,
    pub(super) deadline: Option<Instant>,
}

impl Answer {
    /// `false` when the call is over (the client went away or the deadline passed).
    pub(super) async fn send(&self, content: Content) -> bool {
        if let Err(status) = self.shared.answer_delay(self.deadline).await {
            let _ = self.tx.send(Err(status)).await;
            return false;
        }
        self.tx
            .send(Ok(ReadResp {
                content: Some(content),
            }))
            .await
            .is_ok()
    }
}
