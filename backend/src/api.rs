//! The HTTP surface: the original gateway's routes under `/api`, the live audit stream and the
//! health checks. Handlers translate HTTP to calls on the backend and back, nothing more.

mod audit;
mod extract;
mod flights;
mod health;
mod passengers;

pub use extract::parse as parse_body;

use crate::command::Commands;
use crate::config::Token;
use crate::error::ApiError;
use crate::event_store::EventStore;
use crate::projection::Projection;
use crate::read_model::ReadModel;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;

/// The largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

pub struct App {
    pub commands: Commands,
    pub read_model: ReadModel,
    pub projection: Projection,
    pub store: Arc<dyn EventStore>,
    /// Turns true when the server shuts down, so live streams end instead of holding it open.
    pub closing: tokio::sync::watch::Receiver<bool>,
    pub token: Option<Token>,
    /// One permit per live stream: no client can open enough to exhaust the backend.
    pub streams: Arc<tokio::sync::Semaphore>,
    /// No request may take longer than this to be read and answered (a live stream's body is
    /// not bounded: it streams after its answer has started).
    pub request_timeout: Duration,
}

pub fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route(
            "/flights",
            get(flights::list)
                .post(flights::create)
                .put(flights::update)
                .delete(flights::delete),
        )
        .route("/flights/{id}", get(flights::get))
        .route("/flights/exists/{id}", get(flights::exists))
        .route(
            "/passengers",
            axum::routing::post(passengers::create).put(passengers::update),
        )
        .route("/passengers/{id}", get(passengers::get))
        .route("/passengers/flight/{flight_id}", get(passengers::of_flight))
        .route("/auditlog/all", get(audit::all))
        .route("/auditlog/flights", get(audit::flights))
        .route("/auditlog/passengers", get(audit::passengers))
        .route("/auditlog/stream", get(audit::stream))
        .route_layer(middleware::from_fn_with_state(app.clone(), authorize));
    Router::new()
        .nest("/api", api)
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            app.request_timeout,
        ))
        // The original gateway answered CORS for any origin, header and method.
        .layer(CorsLayer::permissive())
        .with_state(app)
}

/// With a token configured, every /api request must carry it.
async fn authorize(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if let Some(token) = &app.token {
        let offered = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !token.matches(offered.trim()) {
            return Err(ApiError::Unauthorized);
        }
    }
    Ok(next.run(request).await)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::NotFound(format!("there is no route {}", request.uri().path()))
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::MethodNotAllowed {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
    }
}
