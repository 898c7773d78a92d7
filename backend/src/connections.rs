//! Accepting HTTP connections: at most so many open at once, none allowed to dawdle.
//!
//! A connection that sends its request head slowly, or nothing at all, or that sits idle
//! between requests, holds a file descriptor and a task while it does. Left alone, enough of
//! them exhaust the process's open files and nobody, health checks included, gets in. So hyper's
//! header-read timeout (which also runs while a kept-alive connection waits for its next
//! request) closes the dawdlers, and a cap below the open-file limit keeps the accept loop
//! from ever failing for want of descriptors: past the cap, new connections wait in the
//! kernel's queue until one closes.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// Descriptors kept free for everything but client connections: the stores' files and
/// connections, the log, a DNS lookup.
const RESERVED_FILES: usize = 64;
/// The longest a request head may take to arrive, or a connection stay idle between requests.
pub const MAX_HEADER_WAIT: Duration = Duration::from_secs(10);
/// How often, at most, a reached cap is said in the log.
const CAP_REPORT_EVERY: Duration = Duration::from_secs(10);
/// After an accept error (the process is out of descriptors, say), a pause before the next.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// The cap that applies: what was asked, kept below the process's open-file limit.
pub fn connection_cap(asked: usize) -> usize {
    match open_file_limit() {
        Some(limit) => asked.min(limit.saturating_sub(RESERVED_FILES).max(1)),
        None => asked,
    }
}

#[cfg(unix)]
fn open_file_limit() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given, which lives for the call.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur as usize)
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<usize> {
    None
}

/// Serves `router` on `listener` until `closing` turns true, then lets each connection finish
/// the request it is on and returns when all have closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    max_connections: usize,
    header_wait: Duration,
    mut closing: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(max_connections));
    let mut open = JoinSet::new();
    // When the cap was last reported: once in a while is enough, under a flood too.
    let mut reported: Option<tokio::time::Instant> = None;
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_wait)
        .keep_alive(true);
    loop {
        // Reap finished connections so the set does not grow with every one ever served.
        while open.try_join_next().is_some() {}
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if reported.is_none_or(|at| at.elapsed() >= CAP_REPORT_EVERY) {
                    reported = Some(tokio::time::Instant::now());
                    tracing::warn!(
                        max_connections,
                        "the connection cap is reached: new connections wait until one closes"
                    );
                }
                tokio::select! {
                    permit = permits.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    _ = closed(&mut closing) => break,
                }
            }
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            },
            _ = closed(&mut closing) => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let mut closing = closing.clone();
        open.spawn(async move {
            let _permit = permit;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = closed(&mut closing) => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
    }
    while open.join_next().await.is_some() {}
}

/// Resolves once `closing` turns true (or its sender is gone).
async fn closed(closing: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not Send; it is dropped here, before any other await.
    let _ = closing.wait_for(|c| *c).await.map(drop);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_open_file_limit() {
        let limit = open_file_limit().expect("a limit on this platform");
        assert!(connection_cap(usize::MAX) <= limit.saturating_sub(RESERVED_FILES).max(1));
        assert_eq!(connection_cap(1), 1);
    }
}
