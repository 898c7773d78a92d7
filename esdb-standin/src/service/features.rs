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

#[tonic::async_trait]
impl ServerFeatures for FeaturesService {
    async fn get_supported_methods(
        &self,
        request: Request<Empty>,
    ) -> Result<Response<SupportedMethods>, Status> {
        self.shared.answer_delay(deadline_of(&request)).await?;
        // Only what is served here: no batch append and no persistent subscriptions, so the
        // client never reaches for them.
        let methods = ["read", "append"]
            .into_iter()
            .map(|method| SupportedMethod {
                method_name: method.to_string(),
                service_name: "event_store.client.streams.streams".to_string(),
                features: Vec::new(),
            })
            .collect();
        Ok(Response::new(SupportedMethods {
            methods,
            event_store_server_version: "24.10.0".to_string(),
        }))
    }
}
