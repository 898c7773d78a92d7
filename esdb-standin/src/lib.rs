//! A test-only stand-in for EventStoreDB: an in-process gRPC server on a random loopback port
//! with an in-memory log, close enough to a single insecure EventStoreDB node for the official
//! `eventstore` client (4.x) to append, read and subscribe against it, plus fault injection
//! (dropped connections, refused connections, slow answers).
//!
//! # What it serves
//! - `event_store.client.streams.Streams/Append`: expected revision (`revision`, `no_stream`,
//!   `any`, `stream_exists`), atomic multi-event appends, revisions from 0, `$all` positions
//!   growing strictly (commit = prepare), `wrong_expected_version` with both the pre-20.6 and
//!   the current oneofs filled, idempotent replay of a repeated append (same event ids at the
//!   same expected revision or `no_stream`), INVALID_ARGUMENT when `type` or `content-type`
//!   metadata is missing.
//! - `event_store.client.streams.Streams/Read`: stream reads (start / end / revision, forwards
//!   or backwards, count, `stream_not_found`, and for clients that ask with a compatibility
//!   level of 1 the first/last stream position messages of a 24.10 node); `$all` reads (start
//!   / end / position, both directions, optional filter on stream name or event type by
//!   prefixes or a regex in .NET syntax, look-arounds included; an invalid regex is refused
//!   with the node's UNKNOWN "Exception was thrown by handler."); catch-up
//!   subscriptions to a stream or to `$all` (from start / end / a point, exclusive of that
//!   point): `confirmation`, history, `caught_up`, live events, and for filtered `$all`
//!   subscriptions a `checkpoint` every `checkpointIntervalMultiplier × window` events
//!   considered. UUIDs come back as strings or structured, as asked.
//! - `event_store.client.server_features.ServerFeatures/GetSupportedMethods`: names `read` and
//!   `append` only, server version 24.10.0.
//! - The call's `grpc-timeout` deadline: an answer that would come after it is replaced by
//!   DEADLINE_EXCEEDED.
//!
//! The log starts with a few events in system streams (names starting with `$`), as a fresh
//! node's log does, so that `$all` filters matter.
//!
//! # What it leaves out
//! `Delete`, `Tombstone`, `BatchAppend`, persistent subscriptions, projections, users,
//! operations, gossip (so only single-node `esdb://…` connection strings work), TLS and
//! authentication (credentials are accepted and ignored), link events and `resolve_links`,
//! stream metadata (`$maxCount`, ACLs, soft deletes) and `fell_behind`. Every RPC not listed
//! above answers UNIMPLEMENTED.

mod log;
mod service;

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};
use tokio::time::Instant;
use tonic::body::BoxBody;
use tonic::codegen::Service;

use crate::proto::server_features::server_features_server::ServerFeaturesServer;
use crate::proto::streams::streams_server::StreamsServer;
use crate::service::{FeaturesService, Shared, StreamsService};

#[allow(clippy::all, clippy::pedantic, dead_code, missing_docs)]
mod proto {
    tonic::include_proto!("event_store.client");

    pub mod streams {
        tonic::include_proto!("event_store.client.streams");
    }

    pub mod server_features {
        tonic::include_proto!("event_store.client.server_features");
    }
}

/// A running stand-in. Dropping it stops the server and breaks its connections.
pub struct StandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    connections: Arc<Connections>,
    accept_loop: JoinHandle<()>,
}

impl StandIn {
    /// Starts a stand-in on a random loopback port, with a fresh in-memory log, on the current
    /// Tokio runtime.
    pub async fn start() -> std::io::Result<StandIn> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(log::Log::seeded()));
        let connections = Arc::new(Connections::default());
        let router = Router {
            streams: StreamsServer::new(StreamsService::new(Arc::clone(&shared))),
            features: ServerFeaturesServer::new(FeaturesService::new(Arc::clone(&shared))),
        };
        let accept_loop = tokio::spawn(accept(listener, router, Arc::clone(&connections)));
        Ok(StandIn {
            addr,
            shared,
            connections,
            accept_loop,
        })
    }

    /// Connection string for the official client: one insecure node, no discovery.
    pub fn url(&self) -> String {
        format!("esdb://{}:{}?tls=false", self.addr.ip(), self.addr.port())
    }

    /// Breaks every live HTTP/2 connection at once, as a node that goes away does: calls in
    /// flight, subscriptions included, fail on the client's side. The log is kept.
    pub fn drop_connections(&self) {
        self.connections.drop_all();
    }

    /// For `duration`, closes every new connection as soon as it is accepted; live connections
    /// are dropped now too.
    pub fn refuse_connections_for(&self, duration: Duration) {
        *self.connections.refuse_until() = Instant::now().checked_add(duration);
        self.connections.drop_all();
    }

    /// Delays every answer by `delay`: a unary answer, and each message of a streamed one.
    /// `Duration::ZERO` stops delaying.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.set_delay(delay);
    }

    /// Events in the log, not counting those in system streams (names starting with `$`).
    pub fn event_count(&self) -> usize {
        self.shared.log().user_event_count()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.accept_loop.abort();
        self.connections.drop_all();
    }
}

#[derive(Default)]
struct Connections {
    live: Mutex<HashMap<u64, AbortHandle>>,
    next_id: AtomicU64,
    refuse_until: Mutex<Option<Instant>>,
}

impl Connections {
    fn live(&self) -> MutexGuard<'_, HashMap<u64, AbortHandle>> {
        // The map is only inserted into and removed from; a panic elsewhere cannot leave it
        // inconsistent.
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn refuse_until(&self) -> MutexGuard<'_, Option<Instant>> {
        self.refuse_until.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn refusing(&self) -> bool {
        self.refuse_until()
            .is_some_and(|until| Instant::now() < until)
    }

    fn drop_all(&self) {
        for (_, connection) in self.live().drain() {
            // Aborting drops the connection with its socket, without GOAWAY: the client
            // sees the transport break under every call in flight.
            connection.abort();
        }
    }
}

async fn accept(listener: TcpListener, router: Router, connections: Arc<Connections>) {
    loop {
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            // Accept errors (out of file descriptors, a connection reset before it was
            // accepted) are transient; back off briefly instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        if connections.refusing() {
            drop(tcp);
            continue;
        }
        let _ = tcp.set_nodelay(true);
        let id = connections.next_id.fetch_add(1, Ordering::Relaxed);
        // Held across the spawn so the task cannot remove its entry before it is inserted.
        let mut live = connections.live();
        let task = tokio::spawn(serve(tcp, router.clone(), id, Arc::clone(&connections)));
        live.insert(id, task.abort_handle());
    }
}

async fn serve(tcp: TcpStream, router: Router, id: u64, connections: Arc<Connections>) {
    let service = hyper::service::service_fn(move |request| router.clone().call(request));
    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(tcp), service)
        .await;
    connections.live().remove(&id);
}

type Answer = Pin<Box<dyn Future<Output = Result<http::Response<BoxBody>, Infallible>> + Send>>;

/// Sends each call to its service by path, as the node's gRPC endpoint does.
#[derive(Clone)]
struct Router {
    streams: StreamsServer<StreamsService>,
    features: ServerFeaturesServer<FeaturesService>,
}

impl Router {
    fn call(mut self, request: http::Request<Incoming>) -> Answer {
        let path = request.uri().path();
        if path.starts_with("/event_store.client.streams.Streams/") {
            self.streams.call(request)
        } else if path.starts_with("/event_store.client.server_features.ServerFeatures/") {
            self.features.call(request)
        } else {
            Box::pin(async { Ok(tonic::Status::unimplemented("").into_http()) })
        }
    }
}
