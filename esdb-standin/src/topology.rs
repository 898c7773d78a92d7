//! Who leads a stand-in cluster: its members, which of them are alive, which one is the
//! leader, and what a node that is not the leader answers, as EventStoreDB 24.10 decides it.
//!
//! Sources (EventStore/EventStore at v24.10.0):
//! - `src/EventStore.Core/Services/VNode/ClusterVNodeController.cs`, `HandleAsNonLeader`: a
//!   follower denies a read or a write that requires the leader with the leader's address
//!   (`DenyRequestBecauseNotLeader`), or as not ready while it knows no leader
//!   (`DenyRequestBecauseNotReady`); a read that does not require the leader is served from
//!   the follower's own log; a write that does not is forwarded to the leader
//!   (`ForwardRequest`).
//! - `src/EventStore.Core/Services/Transport/Grpc/RpcExceptions.cs`, `LeaderInfo` and
//!   `ServerNotReady`, with the keys of `Constants.cs`: the not-leader status is NOT_FOUND
//!   "Leader info available" with the trailers `exception: not-leader`,
//!   `leader-endpoint-host` and `leader-endpoint-port`; not ready is UNAVAILABLE "Server Is
//!   Not Ready".
//! - `src/EventStore.Core/Services/Transport/Grpc/ServiceBase.cs`, `GetRequiresLeader`: the
//!   `requires-leader` request header, parsed as a .NET boolean (absent or unparsable: false).
//!
//! The official client (`eventstore` 4.0, `src/types.rs`, `Error::from_grpc`) turns exactly
//! those trailers into `Error::NotLeaderException` and reconnects to the endpoint they name
//! (`src/grpc.rs`, `handle_error`).

// The leader check answers with the `Status` tonic sends; boxing it would only move the
// allocation around.
#![allow(clippy::result_large_err)]

use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::{Request, Status};
use uuid::Uuid;

/// A member's state as gossip reports it (`VNodeState` in `gossip.proto`); the stand-in's
/// nodes are only ever leaders or followers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeState {
    Leader,
    Follower,
}

/// One member as gossip shows it.
#[derive(Clone, Debug)]
pub(crate) struct MemberView {
    pub addr: SocketAddr,
    pub instance_id: Uuid,
    pub state: NodeState,
    pub alive: bool,
    /// .NET ticks since the Unix epoch of the member's last change, gossip's `time_stamp`.
    pub changed_ticks: i64,
}

struct Member {
    addr: SocketAddr,
    instance_id: Uuid,
    alive: bool,
    /// The last state the member was seen in: a dead member keeps it, as gossip does.
    state: NodeState,
    changed_ticks: i64,
}

struct Inner {
    members: Vec<Member>,
    leader: Option<usize>,
}

/// What a call does on the node it reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
}

pub(crate) struct Topology {
    inner: Mutex<Inner>,
}

fn now_ticks() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos() / 100).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Topology {
    /// Members at `addrs`, all alive, the first one leading.
    pub fn new(addrs: &[SocketAddr]) -> Self {
        let ticks = now_ticks();
        let members = addrs
            .iter()
            .enumerate()
            .map(|(i, &addr)| Member {
                addr,
                instance_id: Uuid::from_u64_pair(0x5e5d_0000_0000_0000, i as u64 + 1),
                alive: true,
                state: if i == 0 {
                    NodeState::Leader
                } else {
                    NodeState::Follower
                },
                changed_ticks: ticks,
            })
            .collect();
        Topology {
            inner: Mutex::new(Inner {
                members,
                leader: (!addrs.is_empty()).then_some(0),
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Every change below is a single assignment or two; a panic cannot leave the members
        // half-updated, so a poisoned lock still holds a consistent view.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn leader(&self) -> Option<usize> {
        self.inner().leader
    }

    pub fn is_alive(&self, node: usize) -> bool {
        self.inner().members.get(node).is_some_and(|m| m.alive)
    }

    /// Makes `node` the leader; returns the previous leader if it changed.
    ///
    /// # Panics
    /// When `node` is not a live member: only a live node can win an election.
    pub fn elect(&self, node: usize) -> Option<usize> {
        let mut inner = self.inner();
        assert!(
            inner.members.get(node).is_some_and(|m| m.alive),
            "node {node} is not a live member"
        );
        let previous = inner.leader.replace(node);
        if previous == Some(node) {
            return None;
        }
        let ticks = now_ticks();
        if let Some(previous) = previous {
            inner.members[previous].state = NodeState::Follower;
            inner.members[previous].changed_ticks = ticks;
        }
        inner.members[node].state = NodeState::Leader;
        inner.members[node].changed_ticks = ticks;
        previous
    }

    /// Marks `node` dead. A dead leader is replaced by the first live member while a majority
    /// of the members is alive (a real cluster elects one within its election timeout; here it
    /// happens at once); otherwise the cluster is left without a leader.
    pub fn kill(&self, node: usize) {
        let mut inner = self.inner();
        let ticks = now_ticks();
        let Some(member) = inner.members.get_mut(node) else {
            return;
        };
        member.alive = false;
        member.changed_ticks = ticks;
        if inner.leader == Some(node) {
            let alive: Vec<usize> = (0..inner.members.len())
                .filter(|&i| inner.members[i].alive)
                .collect();
            let majority = inner.members.len() / 2 + 1;
            inner.leader = (alive.len() >= majority).then(|| alive[0]);
            if let Some(leader) = inner.leader {
                inner.members[leader].state = NodeState::Leader;
                inner.members[leader].changed_ticks = ticks;
            }
        }
    }

    pub fn members(&self) -> Vec<MemberView> {
        let inner = self.inner();
        inner
            .members
            .iter()
            .map(|m| MemberView {
                addr: m.addr,
                instance_id: m.instance_id,
                state: m.state,
                alive: m.alive,
                changed_ticks: m.changed_ticks,
            })
            .collect()
    }

    /// Whether `node` may serve a call of kind `access`; the status it answers otherwise.
    pub fn check<T>(
        &self,
        node: usize,
        request: &Request<T>,
        access: Access,
    ) -> Result<(), Status> {
        let requires_leader = requires_leader(request.metadata());
        let inner = self.inner();
        let leader = inner.leader;
        if leader == Some(node) {
            return Ok(());
        }
        match (requires_leader, access, leader) {
            (false, Access::Read, _) | (false, Access::Write, Some(_)) => Ok(()),
            (true, _, Some(leader)) => Err(not_leader(inner.members[leader].addr)),
            (_, _, None) => Err(Status::unavailable("Server Is Not Ready")),
        }
    }
}

fn requires_leader(metadata: &MetadataMap) -> bool {
    metadata
        .get("requires-leader")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The not-leader status of a node whose leader listens on `leader`.
pub(crate) fn not_leader(leader: SocketAddr) -> Status {
    let mut metadata = MetadataMap::new();
    metadata.insert("exception", MetadataValue::from_static("not-leader"));
    if let Ok(host) = leader.ip().to_string().parse() {
        metadata.insert("leader-endpoint-host", host);
    }
    metadata.insert("leader-endpoint-port", MetadataValue::from(leader.port()));
    Status::with_metadata(tonic::Code::NotFound, "Leader info available", metadata)
}
