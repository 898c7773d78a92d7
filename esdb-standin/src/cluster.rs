//! A stand-in cluster: several nodes on loopback ports that share one log, with a leader,
//! gossip, and the faults a cluster adds to a single node's (a new election, a dead node).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::log::Log;
use crate::node::Node;
use crate::service::{NodeContext, Shared};
use crate::topology::Topology;

pub use crate::topology::NodeState;

/// A running cluster of stand-in nodes. Dropping it stops every node.
///
/// All nodes serve one log, so a follower is never behind its leader; what differs between
/// nodes is what they answer (see the crate's documentation, "Clusters").
pub struct Cluster {
    shared: Arc<Shared>,
    topology: Arc<Topology>,
    nodes: Vec<Node>,
}

impl Cluster {
    /// Starts `nodes` nodes (at least one) on random loopback ports of the current Tokio
    /// runtime, sharing a fresh log; node 0 leads.
    pub async fn start(nodes: usize) -> std::io::Result<Cluster> {
        let nodes = nodes.max(1);
        let mut listeners = Vec::with_capacity(nodes);
        for _ in 0..nodes {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
            let addr = listener.local_addr()?;
            listeners.push((listener, addr));
        }
        let addrs: Vec<SocketAddr> = listeners.iter().map(|(_, addr)| *addr).collect();
        let shared = Arc::new(Shared::new(Log::seeded()));
        let topology = Arc::new(Topology::new(&addrs));
        let nodes = listeners
            .into_iter()
            .enumerate()
            .map(|(index, (listener, addr))| {
                let context = NodeContext::new(Arc::clone(&shared), Arc::clone(&topology), index);
                Node::start(listener, addr, Arc::new(context))
            })
            .collect();
        Ok(Cluster {
            shared,
            topology,
            nodes,
        })
    }

    /// Number of nodes, dead ones included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false: a cluster has at least one node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Where node `node` listens.
    ///
    /// # Panics
    /// When there is no such node.
    pub fn addr(&self, node: usize) -> SocketAddr {
        self.nodes[node].addr()
    }

    /// Gossip seeds for the official client, every node listed, leader preferred:
    /// `esdb://127.0.0.1:p1,127.0.0.1:p2,…?tls=false&nodePreference=leader`. The client asks
    /// the seeds' gossip in a random order and connects to the leader it reports.
    pub fn connection_string(&self) -> String {
        let hosts: Vec<String> = self.nodes.iter().map(|n| n.addr().to_string()).collect();
        format!("esdb://{}?tls=false&nodePreference=leader", hosts.join(","))
    }

    /// A discovery string for the official client:
    /// `esdb+discover://127.0.0.1:p?tls=false&nodePreference=leader`, `p` the first live node.
    ///
    /// The official client (4.0) resolves `esdb+discover://host:port` without DNS SRV records:
    /// it reads gossip from that one endpoint, the host resolved as any HTTP host is, and
    /// connects to the member it picks from the answer.
    pub fn discover_string(&self) -> String {
        let seed = (0..self.nodes.len())
            .find(|&i| self.topology.is_alive(i))
            .unwrap_or(0);
        format!(
            "esdb+discover://{}?tls=false&nodePreference=leader",
            self.nodes[seed].addr()
        )
    }

    /// A single-node connection string for node `node` (no gossip): what a client that must
    /// talk to that node, leader or not, uses.
    pub fn node_url(&self, node: usize) -> String {
        format!("esdb://{}?tls=false", self.addr(node))
    }

    /// The current leader, if the cluster has one.
    pub fn leader(&self) -> Option<usize> {
        self.topology.leader()
    }

    /// What gossip reports for node `node`, and whether it is alive.
    pub fn state(&self, node: usize) -> (NodeState, bool) {
        let member = &self.topology.members()[node];
        (member.state, member.alive)
    }

    /// Makes node `node` the leader. The former leader drops its connections, as a deposed
    /// leader that must truncate its log restarts, so its clients look for the new one; gossip
    /// reports the change at once.
    ///
    /// # Panics
    /// When `node` is not a live node.
    pub fn elect(&self, node: usize) {
        if let Some(previous) = self.topology.elect(node) {
            self.nodes[previous].drop_connections();
        }
    }

    /// Stops node `node`: its port refuses connections and its live connections break. Gossip
    /// reports it dead; if it led and a majority of nodes is still alive, the first live node
    /// leads at once.
    pub fn kill(&self, node: usize) {
        self.topology.kill(node);
        self.nodes[node].stop();
    }

    /// Breaks every live connection of node `node`, without GOAWAY.
    pub fn drop_connections(&self, node: usize) {
        self.nodes[node].drop_connections();
    }

    /// Sends GOAWAY on every live connection of node `node`; see [`crate::StandIn::go_away`].
    pub fn go_away(&self, node: usize) {
        self.nodes[node].go_away();
    }

    /// For `duration`, node `node` closes every new connection as soon as it is accepted; its
    /// live connections are dropped now too.
    pub fn refuse_connections_for(&self, node: usize, duration: Duration) {
        self.nodes[node].refuse_connections_for(duration);
    }

    /// Delays every answer of every node by `delay`; `Duration::ZERO` stops delaying.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.set_delay(delay);
    }

    /// Events in the shared log, not counting those in system streams.
    pub fn event_count(&self) -> usize {
        self.shared.log().user_event_count()
    }
}
