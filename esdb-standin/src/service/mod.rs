//! The gRPC services of one stand-in node over the cluster's shared log: `Streams` (reads,
//! subscriptions, appends, batch appends), `Gossip` and `ServerFeatures`, one file per concern.

// tonic's service traits take `Status` by value; boxing it in the helpers that build one
// would only move the allocation around.
#![allow(clippy::result_large_err)]

mod append;
mod batch_append;
mod convert;
mod features;
mod filter;
mod gossip;
mod read;
mod shared;
mod subscribe;

use std::sync::Arc;

use tokio::sync::watch;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::proto::streams::streams_server::Streams;
use crate::proto::streams::{
    AppendReq, AppendResp, BatchAppendReq, BatchAppendResp, ReadReq, ReadResp,
};
use crate::topology::Topology;

pub(crate) use features::FeaturesService;
#[cfg(test)]
pub(crate) use features::SUPPORTED_METHODS;
pub(crate) use gossip::GossipService;
pub(crate) use shared::Shared;

/// What one node's services see: the cluster's log and topology, and the node's own place
/// in it.
pub(crate) struct NodeContext {
    pub shared: Arc<Shared>,
    pub topology: Arc<Topology>,
    pub index: usize,
    /// True from the moment the node sends GOAWAY on its connections until they have all
    /// closed: open subscriptions and batch appends end meanwhile, so that the connections can
    /// finish closing.
    pub drain: watch::Sender<bool>,
}

impl NodeContext {
    pub fn new(shared: Arc<Shared>, topology: Arc<Topology>, index: usize) -> Self {
        NodeContext {
            shared,
            topology,
            index,
            drain: watch::channel(false).0,
        }
    }
}

#[derive(Clone)]
pub(crate) struct StreamsService {
    node: Arc<NodeContext>,
}

impl StreamsService {
    pub fn new(node: Arc<NodeContext>) -> Self {
        StreamsService { node }
    }
}

#[tonic::async_trait]
impl Streams for StreamsService {
    type ReadStream = ReceiverStream<Result<ReadResp, Status>>;
    type BatchAppendStream = ReceiverStream<Result<BatchAppendResp, Status>>;

    async fn read(&self, request: Request<ReadReq>) -> Result<Response<Self::ReadStream>, Status> {
        read::read(&self.node, request).await
    }

    async fn append(
        &self,
        request: Request<Streaming<AppendReq>>,
    ) -> Result<Response<AppendResp>, Status> {
        append::append(&self.node, request).await
    }

    async fn batch_append(
        &self,
        request: Request<Streaming<BatchAppendReq>>,
    ) -> Result<Response<Self::BatchAppendStream>, Status> {
        batch_append::batch_append(&self.node, request).await
    }
}
