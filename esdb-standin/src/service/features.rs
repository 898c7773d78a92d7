//! The `ServerFeatures` service: what the stand-in tells a client it serves.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::proto::server_features::server_features_server::ServerFeatures;
use crate::proto::server_features::{SupportedMethod, SupportedMethods};
use crate::proto::Empty;

use super::shared::{deadline_of, Shared};

#[derive(Clone)]
pub(crate) struct FeaturesService {
    shared: Arc<Shared>,
}

impl FeaturesService {
    pub fn new(shared: Arc<Shared>) -> Self {
        FeaturesService { shared }
    }
}

/// The methods a 24.10 node lists, less those the stand-in does not serve.
///
/// A node lists every gRPC method of a service whose name contains "client", lower-cased,
/// with features for some (`src/EventStore.Core/Services/Transport/Grpc/ServerFeatures.cs`,
/// EventStore/EventStore v24.10.0): `Streams` reads have "position" and "events", batch append
/// has "deadline_duration". Left out here: `Streams` delete and tombstone, persistent
/// subscriptions, operations, users, monitoring, redaction and projections. The official
/// client turns "batchappend" into its batch-append feature (`eventstore` 4.0,
/// `src/server_features.rs`).
pub(crate) const SUPPORTED_METHODS: [(&str, &str, &[&str]); 5] = [
    (
        "event_store.client.streams.streams",
        "read",
        &["position", "events"],
    ),
    ("event_store.client.streams.streams", "append", &[]),
    (
        "event_store.client.streams.streams",
        "batchappend",
        &["deadline_duration"],
    ),
    ("event_store.client.gossip.gossip", "read", &[]),
    (
        "event_store.client.server_features.serverfeatures",
        "getsupportedmethods",
        &[],
    ),
];

/// The version a node reports: its first three version numbers (`ServerFeatures.cs`).
pub(crate) const SERVER_VERSION: &str = "24.10.0";

#[tonic::async_trait]
impl ServerFeatures for FeaturesService {
    async fn get_supported_methods(
        &self,
        request: Request<Empty>,
    ) -> Result<Response<SupportedMethods>, Status> {
        self.shared.answer_delay(deadline_of(&request)).await?;
        let methods = SUPPORTED_METHODS
            .iter()
            .map(|(service, method, features)| SupportedMethod {
                method_name: method.to_string(),
                service_name: service.to_string(),
                features: features.iter().map(|f| f.to_string()).collect(),
            })
            .collect();
        Ok(Response::new(SupportedMethods {
            methods,
            event_store_server_version: SERVER_VERSION.to_string(),
        }))
    }
}
