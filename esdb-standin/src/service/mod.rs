//! The gRPC services over the in-memory log: `Streams` (reads, subscriptions, appends) and
//! `ServerFeatures`, one file per concern.

// tonic's service traits take `Status` by value; boxing it in the helpers that build one
// would only move the allocation around.
#![allow(clippy::result_large_err)]

mod append;
mod convert;
mod features;
mod filter;
mod read;
mod shared;
mod subscribe;

use std::sync::Arc;

use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::proto::streams::streams_server::Streams;
use crate::proto::streams::{AppendReq, AppendResp, ReadReq, ReadResp};

pub(crate) use features::FeaturesService;
pub(crate) use shared::Shared;

#[derive(Clone)]
pub(crate) struct StreamsService {
    shared: Arc<Shared>,
}

impl StreamsService {
    pub fn new(shared: Arc<Shared>) -> Self {
        StreamsService { shared }
    }
}

#[tonic::async_trait]
impl Streams for StreamsService {
    type ReadStream = ReceiverStream<Result<ReadResp, Status>>;

    async fn read(&self, request: Request<ReadReq>) -> Result<Response<Self::ReadStream>, Status> {
        read::read(&self.shared, request).await
    }

    async fn append(
        &self,
        request: Request<Streaming<AppendReq>>,
    ) -> Result<Response<AppendResp>, Status> {
        append::append(&self.shared, request).await
    }
}
