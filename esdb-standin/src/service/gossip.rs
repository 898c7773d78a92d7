//! The `Gossip` service: the cluster's members as a client sees them before choosing a node.
//!
//! A node answers with every member it knows, alive or recently dead, each with its instance
//! id, the .NET ticks of its last change, its state, whether it is alive and the endpoint
//! clients should use (`src/EventStore.Core/Services/Transport/Grpc/Gossip.Read.cs`,
//! `ToGrpcClusterInfo`, and `src/EventStore.Core/Cluster/ClientClusterInfo.cs`,
//! EventStore/EventStore v24.10.0). The official client keeps the live members whose state is
//! not Manager, ShuttingDown or Shutdown and picks one by its node preference
//! (`eventstore` 4.0, `src/grpc.rs`, `determine_best_node`).

use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::proto::gossip::gossip_server::Gossip;
use crate::proto::gossip::member_info::VNodeState;
use crate::proto::gossip::{ClusterInfo, EndPoint, MemberInfo};
use crate::proto::Empty;
use crate::topology::NodeState;

use super::convert::{uuid_to_proto, UuidFormat};
use super::shared::deadline_of;
use super::NodeContext;

#[derive(Clone)]
pub(crate) struct GossipService {
    node: Arc<NodeContext>,
}

impl GossipService {
    pub fn new(node: Arc<NodeContext>) -> Self {
        GossipService { node }
    }
}

#[tonic::async_trait]
impl Gossip for GossipService {
    async fn read(&self, request: Request<Empty>) -> Result<Response<ClusterInfo>, Status> {
        self.node.shared.answer_delay(deadline_of(&request)).await?;
        let members = self
            .node
            .topology
            .members()
            .into_iter()
            .map(|m| MemberInfo {
                // The node converts its Guid with `Uuid.FromGuid(..).ToDto()`: structured.
                instance_id: Some(uuid_to_proto(m.instance_id, UuidFormat::Structured)),
                time_stamp: m.changed_ticks,
                state: match m.state {
                    NodeState::Leader => VNodeState::Leader,
                    NodeState::Follower => VNodeState::Follower,
                } as i32,
                is_alive: m.alive,
                http_end_point: Some(EndPoint {
                    address: m.addr.ip().to_string(),
                    port: u32::from(m.addr.port()),
                }),
            })
            .collect();
        Ok(Response::new(ClusterInfo { members }))
    }
}
