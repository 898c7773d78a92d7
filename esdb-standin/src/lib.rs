//! A test-only stand-in for EventStoreDB: in-process gRPC servers on random loopback ports
//! with an in-memory log, close enough to insecure EventStoreDB 24.10 nodes for the official
//! `eventstore` client (4.x) to append, read and subscribe against them, alone ([`StandIn`])
//! or as a cluster that shares one log ([`Cluster`]), plus fault injection (dropped
//! connections, GOAWAY, refused connections, slow answers, elections, dead nodes).
//!
//! Every behaviour below follows the server's source, EventStore/EventStore at tag v24.10.0,
//! or the official Rust client's, EventStore/EventStoreDB-Client-Rust 4.0.0; the doc comment
//! of the code that does it names the file. `README.md` beside this crate records what was
//! learned about gossip, leaders and the client's node selection, with the sources.
//!
//! # What it serves
//! - `event_store.client.streams.Streams/Append` (`Streams.Append.cs`): expected revision
//!   (`revision`, `no_stream`, `any`, `stream_exists`), atomic multi-event appends, revisions
//!   from 0, `$all` positions growing strictly (commit = prepare), `wrong_expected_version`
//!   with both the pre-20.6 and the current oneofs filled, idempotent replay of a repeated
//!   append (same event ids at the same expected revision or `no_stream`), the node's
//!   INVALID_ARGUMENT and trailers when `type` or `content-type` metadata is missing or the
//!   append exceeds 1 MiB.
//! - `Streams/BatchAppend` (`Streams.BatchAppend.cs`): batches keyed by correlation id, sent
//!   in one or more messages, written when final, each answered once with success or a
//!   `google.rpc.Status` (wrong expected version, timeout, size, bad request); per-batch
//!   timeouts capped by the node's 2 s write timeout. See `service/batch_append.rs`.
//! - `Streams/Read` (`Streams.Read.cs`, `Enumerator.*.cs`): stream reads (start / end /
//!   revision, forwards or backwards, count, `stream_not_found`, and for clients that ask with
//!   a compatibility level of 1 the first/last stream position messages); `$all` reads (start
//!   / end / position, both directions, optional filter on stream name or event type by
//!   prefixes or a regex in .NET syntax, look-arounds included; an invalid regex is refused
//!   with the node's UNKNOWN "Exception was thrown by handler."); catch-up subscriptions to a
//!   stream or to `$all` (from start / end / a point, exclusive of that point):
//!   `confirmation`, history, `caught_up`, live events, and for filtered `$all` subscriptions a
//!   `checkpoint` every `checkpointIntervalMultiplier × window` events considered. UUIDs come
//!   back as strings or structured, as asked.
//! - `event_store.client.gossip.Gossip/Read` (`Gossip.Read.cs`): every member with its state
//!   (Leader or Follower), liveness, instance id, last change and endpoint.
//! - `event_store.client.server_features.ServerFeatures/GetSupportedMethods`
//!   (`ServerFeatures.cs`): what a 24.10 node lists, less what is not served here; version
//!   24.10.0.
//! - The `requires-leader` header: a follower refuses a call that sets it with the node's
//!   not-leader status naming the leader, serves reads without it, and forwards writes
//!   without it (`ClusterVNodeController.cs`; see `topology.rs`).
//! - The call's `grpc-timeout` deadline: an answer that would come after it is replaced by
//!   DEADLINE_EXCEEDED.
//!
//! The log starts with a few events in system streams (names starting with `$`), as a fresh
//! node's log does, so that `$all` filters matter.
//!
//! # What it leaves out
//! `Delete`, `Tombstone`, persistent subscriptions, projections, users, operations,
//! monitoring, TLS and authentication (credentials are accepted and ignored), link events and
//! `resolve_links`, stream metadata (`$maxCount`, ACLs, soft deletes), `fell_behind`,
//! replication lag between nodes (they share one log), read-only replicas and DNS SRV
//! discovery. Every RPC not listed above answers UNIMPLEMENTED.

mod cluster;
mod log;
mod node;
#[cfg(test)]
mod raw_tests;
mod service;
mod topology;

use std::time::Duration;

pub use crate::cluster::{Cluster, NodeState};

#[allow(clippy::all, clippy::pedantic, dead_code, missing_docs)]
mod proto {
    tonic::include_proto!("event_store.client");

    pub mod streams {
        tonic::include_proto!("event_store.client.streams");
    }

    pub mod server_features {
        tonic::include_proto!("event_store.client.server_features");
    }

    pub mod gossip {
        tonic::include_proto!("event_store.client.gossip");
    }

    pub mod google_rpc {
        tonic::include_proto!("google.rpc");
    }
}

/// A running single-node stand-in. Dropping it stops the server and breaks its connections.
pub struct StandIn {
    cluster: Cluster,
}

impl StandIn {
    /// Starts a stand-in on a random loopback port, with a fresh in-memory log, on the current
    /// Tokio runtime.
    pub async fn start() -> std::io::Result<StandIn> {
        Ok(StandIn {
            cluster: Cluster::start(1).await?,
        })
    }

    /// Connection string for the official client: one insecure node, no discovery.
    pub fn url(&self) -> String {
        self.cluster.node_url(0)
    }

    /// Breaks every live HTTP/2 connection at once, as a node that goes away does: calls in
    /// flight, subscriptions included, fail on the client's side. The log is kept.
    pub fn drop_connections(&self) {
        self.cluster.drop_connections(0);
    }

    /// Closes every live HTTP/2 connection gracefully, as a server that shuts down or drains
    /// does: GOAWAY first, so the client opens no new call on it; the answers of calls in
    /// flight are still delivered; open subscriptions and batch appends then end with
    /// UNAVAILABLE, and the connection closes. New connections are served as before.
    ///
    /// (A node that shuts down drops its subscriptions with a normal end of call
    /// (`SubscriptionsService.cs`, `Handle(BecomeShuttingDown)`), which the official client 4.0
    /// cannot tell from an unknown message and loops on; ending them with an error status is
    /// what lets its subscriptions resubscribe, as they do after a broken connection.)
    pub fn go_away(&self) {
        self.cluster.go_away(0);
    }

    /// For `duration`, closes every new connection as soon as it is accepted; live connections
    /// are dropped now too.
    pub fn refuse_connections_for(&self, duration: Duration) {
        self.cluster.refuse_connections_for(0, duration);
    }

    /// Delays every answer by `delay`: a unary answer, and each message of a streamed one.
    /// `Duration::ZERO` stops delaying.
    pub fn set_delay(&self, delay: Duration) {
        self.cluster.set_delay(delay);
    }

    /// Events in the log, not counting those in system streams (names starting with `$`).
    pub fn event_count(&self) -> usize {
        self.cluster.event_count()
    }
}
