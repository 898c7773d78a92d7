//! Protocol tests below the official client: raw gRPC calls built from the crate's own protos
//! over real HTTP/2, for what the client does not expose (the full supported-methods list,
//! gossip's member info, batch-append chunks, deadlines and error details, GOAWAY frames,
//! not-leader trailers). This file holds the helpers; the tests are in the files beside it.

mod cluster;
mod protocol;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use prost::Message;
use tokio_stream::StreamExt;
use tonic::body::BoxBody;
use tonic::client::Grpc;
use tonic::codec::ProstCodec;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::{Code, Request, Status};

use crate::cluster::Cluster;
use crate::proto::google_rpc;
use crate::proto::gossip::{member_info::VNodeState, ClusterInfo};
use crate::proto::server_features::SupportedMethods;
use crate::proto::streams::batch_append_req::options::{DeadlineOption, ExpectedStreamPosition};
use crate::proto::streams::batch_append_req::{Options, ProposedMessage};
use crate::proto::streams::batch_append_resp::{self, success};
use crate::proto::streams::read_req::options::{
    self as read_options, all_options::AllOption, AllOptions, CountOption, FilterOption,
    StreamOption, SubscriptionOptions,
};
use crate::proto::streams::read_resp::Content;
use crate::proto::streams::{read_req, BatchAppendReq, BatchAppendResp, ReadReq, ReadResp};
use crate::proto::{uuid as proto_uuid, Empty, StreamIdentifier, Uuid as ProtoUuid};
use crate::service::SUPPORTED_METHODS;
use crate::StandIn;

pub(super) const PATIENCE: Duration = Duration::from_secs(20);

pub(super) async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what}: nothing within {PATIENCE:?}"),
    }
}

pub(super) type Channel = Client<HttpConnector, BoxBody>;

pub(super) fn grpc(addr: SocketAddr) -> Grpc<Channel> {
    let client = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    let origin = format!("http://{addr}").parse().expect("origin");
    Grpc::with_origin(client, origin)
}

pub(super) async fn unary<Q, A>(
    addr: SocketAddr,
    path: &'static str,
    message: Q,
) -> Result<A, Status>
where
    Q: Message + Send + Sync + 'static,
    A: Message + Default + Send + Sync + 'static,
{
    let mut grpc = grpc(addr);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let path = PathAndQuery::from_static(path);
    let answer = grpc
        .unary(Request::new(message), path, ProstCodec::<Q, A>::default())
        .await?;
    Ok(answer.into_inner())
}

/// Opens a batch-append call; returns the sender of requests and the stream of answers.
pub(super) async fn batch_append(
    addr: SocketAddr,
) -> (
    tokio::sync::mpsc::Sender<BatchAppendReq>,
    tonic::Streaming<BatchAppendResp>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let mut grpc = grpc(addr);
    grpc.ready().await.expect("ready");
    let path = PathAndQuery::from_static("/event_store.client.streams.Streams/BatchAppend");
    let requests = tokio_stream::wrappers::ReceiverStream::new(rx);
    let answers = grpc
        .streaming(
            Request::new(requests),
            path,
            ProstCodec::<BatchAppendReq, BatchAppendResp>::default(),
        )
        .await
        .expect("batch append call")
        .into_inner();
    (tx, answers)
}

pub(super) fn correlation(n: u64) -> ProtoUuid {
    ProtoUuid {
        value: Some(proto_uuid::Value::String(
            uuid::Uuid::from_u64_pair(0xba7c, n).to_string(),
        )),
    }
}

pub(super) fn proposed(n: u64, data: Vec<u8>) -> ProposedMessage {
    ProposedMessage {
        id: Some(ProtoUuid {
            value: Some(proto_uuid::Value::String(
                uuid::Uuid::from_u64_pair(0xe7, n).to_string(),
            )),
        }),
        metadata: [
            ("type".to_string(), "moved".to_string()),
            ("content-type".to_string(), "application/json".to_string()),
        ]
        .into(),
        custom_metadata: Vec::new(),
        data,
    }
}

pub(super) fn options(
    stream: &str,
    expected: ExpectedStreamPosition,
    deadline: Duration,
) -> Options {
    Options {
        stream_identifier: Some(StreamIdentifier {
            stream_name: stream.as_bytes().to_vec(),
        }),
        expected_stream_position: Some(expected),
        deadline_option: Some(DeadlineOption::Deadline(prost_types::Duration {
            seconds: deadline.as_secs() as i64,
            nanos: deadline.subsec_nanos() as i32,
        })),
    }
}

pub(super) async fn next_answer(
    answers: &mut tonic::Streaming<BatchAppendResp>,
) -> BatchAppendResp {
    within("batch answer", answers.next())
        .await
        .expect("an answer")
        .expect("not an error status")
}

pub(super) fn error_of(answer: &BatchAppendResp) -> &google_rpc::Status {
    match &answer.result {
        Some(batch_append_resp::Result::Error(status)) => status,
        other => panic!("expected an error, got {other:?}"),
    }
}

pub(super) fn subscribe_all() -> ReadReq {
    ReadReq {
        options: Some(read_req::Options {
            stream_option: Some(StreamOption::All(AllOptions {
                all_option: Some(AllOption::End(Empty {})),
            })),
            read_direction: read_options::ReadDirection::Forwards as i32,
            resolve_links: false,
            count_option: Some(CountOption::Subscription(SubscriptionOptions {})),
            filter_option: Some(FilterOption::NoFilter(Empty {})),
            uuid_option: None,
            control_option: None,
        }),
    }
}

/// One gRPC message: the compression flag, the length, the encoded message.
pub(super) fn frame(message: &impl Message) -> Bytes {
    let body = message.encode_to_vec();
    let mut framed = BytesMut::with_capacity(5 + body.len());
    framed.put_u8(0);
    framed.put_u32(body.len() as u32);
    framed.put_slice(&body);
    framed.freeze()
}
