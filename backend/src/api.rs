//! The HTTP surface: the original gateway's routes under `/api`, the live audit stream and the
//! health checks. Handlers translate HTTP to calls on the backend and back, nothing more.

mod audit;
mod extract;
mod flights;
mod health;
mod passengers;
mod status;

pub use extract::parse as parse_body;
pub use status::About;

use crate::command::{Commands, NoReturn};
use crate::config::Token;
use crate::error::ApiError;
use crate::event_store::EventStore;
use crate::projection::Projection;
use crate::read_model::ReadModel;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::CorsLayer;

/// The largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// What every handler shares: the command side, the read side, the projection and the limits.
pub struct ApiState {
    pub commands: Commands,
    pub read_model: ReadModel,
    pub projection: Projection,
    pub store: Arc<dyn EventStore>,
    /// Turns true when the server shuts down, so live streams end instead of holding it open.
    pub closing: tokio::sync::watch::Receiver<bool>,
    pub token: Option<Token>,
    /// One permit per live stream: no client can open enough to exhaust the backend.
    pub streams: Arc<tokio::sync::Semaphore>,
    /// One permit per whole-list answer being written (see `audit::list`).
    pub whole_reads: Arc<tokio::sync::Semaphore>,
    /// No request may take longer than this to be read and answered (a live stream's body is
    /// not bounded: it streams after its answer has started), but for a command whose events
    /// may be written already (see `deadline`).
    pub request_timeout: Duration,
    /// The stores' kinds, the stream cap and the start time, for `GET /api/status`.
    pub about: About,
}

pub fn router(app: Arc<ApiState>) -> Router {
    let api = Router::new()
        .route(
            "/flights",
            get(flights::list)
                .post(flights::create)
                .put(flights::update)
                .delete(flights::delete),
        )
        .route("/flights/{id}", get(flights::get))
        .route("/flights/{id}/history", get(flights::history))
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
        .route("/status", get(status::status));
    Router::new()
        .nest("/api", api)
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Outermost last: CORS answers preflights before anything; the token is checked
        // before routing, so without it no answer tells which routes exist.
        .layer(middleware::from_fn_with_state(app.clone(), deadline))
        .layer(middleware::from_fn_with_state(app.clone(), authorize))
        // The original gateway answered CORS for any origin, header and method.
        .layer(CorsLayer::permissive())
        .with_state(app)
}

/// With a token configured, every /api request must carry it, whatever its path or method.
async fn authorize(
    State(app): State<Arc<ApiState>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let path = request.uri().path();
    let guarded = path == "/api" || path.starts_with("/api/");
    if let (Some(token), true) = (&app.token, guarded) {
        let offered = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer)
            .unwrap_or("");
        if !token.matches(offered) {
            return Err(ApiError::Unauthorized);
        }
    }
    Ok(next.run(request).await)
}

/// The credentials of a `Bearer` authorization; HTTP's scheme names are case-insensitive.
fn bearer(authorization: &str) -> Option<&str> {
    let (scheme, credentials) = authorization.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
}

/// No request takes longer than the request timeout to be read and answered, except a command
/// whose events may be written already: that one runs to its answer, which says what happened
/// (cutting it would leave the client guessing, and a retry would do it twice).
async fn deadline(State(app): State<Arc<ApiState>>, mut request: Request, next: Next) -> Response {
    let no_return = NoReturn::default();
    request.extensions_mut().insert(no_return.clone());
    let answer = next.run(request);
    tokio::pin!(answer);
    match tokio::time::timeout(app.request_timeout, &mut answer).await {
        Ok(response) => response,
        Err(_) if no_return.passed() => answer.await,
        Err(_) => ApiError::Timeout(app.request_timeout).into_response(),
    }
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
