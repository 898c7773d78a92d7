//! One running node: its listener, its HTTP/2 connections and the faults injected into them
//! (an abortive drop, a graceful GOAWAY, refused connections, the node's death), and the router
//! that sends each call to its service.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{AbortHandle, JoinHandle};
use tokio::time::Instant;
use tonic::body::BoxBody;
use tonic::codegen::Service;

use crate::proto::gossip::gossip_server::GossipServer;
use crate::proto::server_features::server_features_server::ServerFeaturesServer;
use crate::proto::streams::streams_server::StreamsServer;
use crate::service::{FeaturesService, GossipService, NodeContext, StreamsService};

/// A node that accepts connections on its listener until it is stopped.
pub(crate) struct Node {
    addr: SocketAddr,
    context: Arc<NodeContext>,
    connections: Arc<Connections>,
    accept_loop: Mutex<Option<JoinHandle<()>>>,
}

impl Node {
    /// Serves `context` on `listener` from now on.
    pub fn start(listener: TcpListener, addr: SocketAddr, context: Arc<NodeContext>) -> Node {
        let connections = Arc::new(Connections::default());
        let router = Router {
            streams: StreamsServer::new(StreamsService::new(Arc::clone(&context))),
            features: ServerFeaturesServer::new(FeaturesService::new(Arc::clone(&context.shared))),
            gossip: GossipServer::new(GossipService::new(Arc::clone(&context))),
        };
        let accept_loop = tokio::spawn(accept(listener, router, Arc::clone(&connections)));
        Node {
            addr,
            context,
            connections,
            accept_loop: Mutex::new(Some(accept_loop)),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Breaks every live connection at once, without GOAWAY.
    pub fn drop_connections(&self) {
        self.connections.drop_all();
    }

    /// Sends GOAWAY on every live connection; see [`crate::StandIn::go_away`].
    pub fn go_away(&self) {
        let closing = self.connections.go_away_all();
        let draining = &self.context.drain;
        draining.send_replace(true);
        let connections = Arc::clone(&self.connections);
        let context = Arc::clone(&self.context);
        tokio::spawn(async move {
            connections.until_closed(&closing).await;
            context.drain.send_replace(false);
        });
    }

    pub fn refuse_connections_for(&self, duration: Duration) {
        *self.connections.refuse_until() = Instant::now().checked_add(duration);
        self.connections.drop_all();
    }

    /// Closes the listener, so connecting is refused as to a dead process, and breaks every
    /// live connection.
    pub fn stop(&self) {
        let accept_loop = self
            .accept_loop
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(accept_loop) = accept_loop {
            accept_loop.abort();
        }
        self.connections.drop_all();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Live {
    abort: AbortHandle,
    go_away: Arc<Notify>,
}

#[derive(Default)]
struct Connections {
    live: Mutex<HashMap<u64, Live>>,
    /// Signalled whenever a connection ends.
    closed: Notify,
    next_id: AtomicU64,
    refuse_until: Mutex<Option<Instant>>,
}

impl Connections {
    fn live(&self) -> MutexGuard<'_, HashMap<u64, Live>> {
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
            connection.abort.abort();
        }
        self.closed.notify_waiters();
    }

    /// Asks every live connection to shut down gracefully; returns their ids.
    fn go_away_all(&self) -> HashSet<u64> {
        let live = self.live();
        for connection in live.values() {
            // `notify_one` keeps the permit if the connection is not waiting yet.
            connection.go_away.notify_one();
        }
        live.keys().copied().collect()
    }

    /// Waits until none of `ids` is live any more.
    async fn until_closed(&self, ids: &HashSet<u64>) {
        loop {
            // Registered before looking, so a close between the look and the wait is seen.
            let closed = self.closed.notified();
            if !self.live().keys().any(|id| ids.contains(id)) {
                return;
            }
            closed.await;
        }
    }

    fn remove(&self, id: u64) {
        self.live().remove(&id);
        self.closed.notify_waiters();
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
        let go_away = Arc::new(Notify::new());
        // Held across the spawn so the task cannot remove its entry before it is inserted.
        let mut live = connections.live();
        let task = tokio::spawn(serve(
            tcp,
            router.clone(),
            id,
            Arc::clone(&connections),
            Arc::clone(&go_away),
        ));
        live.insert(
            id,
            Live {
                abort: task.abort_handle(),
                go_away,
            },
        );
    }
}

async fn serve(
    tcp: TcpStream,
    router: Router,
    id: u64,
    connections: Arc<Connections>,
    go_away: Arc<Notify>,
) {
    let service = hyper::service::service_fn(move |request| router.clone().call(request));
    let builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(TokioIo::new(tcp), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        () = go_away.notified() => {
            // GOAWAY: no new streams; the ones in flight run to their end, then the
            // connection closes.
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
    connections.remove(id);
}

type Answer = Pin<Box<dyn Future<Output = Result<http::Response<BoxBody>, Infallible>> + Send>>;

/// Sends each call to its service by path, as the node's gRPC endpoint does.
#[derive(Clone)]
struct Router {
    streams: StreamsServer<StreamsService>,
    features: ServerFeaturesServer<FeaturesService>,
    gossip: GossipServer<GossipService>,
}

impl Router {
    fn call(mut self, request: http::Request<Incoming>) -> Answer {
        let path = request.uri().path();
        if path.starts_with("/event_store.client.streams.Streams/") {
            self.streams.call(request)
        } else if path.starts_with("/event_store.client.server_features.ServerFeatures/") {
            self.features.call(request)
        } else if path.starts_with("/event_store.client.gossip.Gossip/") {
            self.gossip.call(request)
        } else {
            Box::pin(async { Ok(tonic::Status::unimplemented("").into_http()) })
        }
    }
}
