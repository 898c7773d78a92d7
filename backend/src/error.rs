//! Every way a request can fail, and the one place where each becomes an HTTP answer.

use crate::command::CommandError;
use crate::event_store::StoreError;
use crate::history::HistoryError;
use crate::read_model::ReadModelError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use flightdeck_core::contract::{Created, Outcome, Problem};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("this backend requires a token: send Authorization: Bearer <token>")]
    Unauthorized,
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body is {0}; send it as JSON with Content-Type: application/json")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("no answer within {0:?}; nothing was written, so the request can be repeated")]
    Timeout(std::time::Duration),
    /// A command recorded in the log whose effect the read model has not shown yet: neither a
    /// success (a read would not find it) nor a failure (it will take effect).
    #[error("{detail}")]
    NotShownYet { detail: String, id: Option<Uuid> },
    /// The backend cannot serve this now, for a reason of its own making that a client may
    /// read (a cap reached, the read side behind).
    #[error("{0}")]
    Unavailable(String),
    /// A store failed, or holds what this version cannot read. Its text names databases,
    /// tables and hosts: it goes to the log under a reference, and the client gets only the
    /// reference.
    #[error("{detail}")]
    Failed { status: StatusCode, detail: String },
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::NotShownYet { .. } => StatusCode::ACCEPTED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Failed { status, .. } => *status,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            Self::Failed { detail, .. } => {
                let reference = reference();
                tracing::error!(%reference, error = %detail, "request failed");
                format!("the backend could not answer this request; its log has the details under reference {reference}")
            }
            other => {
                if status.is_server_error() {
                    tracing::warn!(error = %other, "request refused");
                }
                other.to_string()
            }
        };
        let body = Problem {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            detail,
        };
        let mut response = match self {
            // The id a create was given, so the client can look for it once it shows.
            Self::NotShownYet { id: Some(id), .. } => {
                let mut body = serde_json::to_value(&body).unwrap_or_default();
                body["id"] = serde_json::Value::String(id.to_string());
                (status, Json(body)).into_response()
            }
            _ => (status, Json(body)).into_response(),
        };
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// A short random reference that ties an answer to its log line.
fn reference() -> String {
    Uuid::new_v4().simple().to_string()[..12].to_owned()
}

impl From<ReadModelError> for ApiError {
    fn from(e: ReadModelError) -> Self {
        let status = match e {
            ReadModelError::Unavailable(_) | ReadModelError::Damaged(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ReadModelError::Corrupt(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::Failed {
            status,
            detail: e.to_string(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let status = match e {
            StoreError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            StoreError::Conflict { .. } | StoreError::Corrupt(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Self::Failed {
            status,
            detail: e.to_string(),
        }
    }
}

impl From<HistoryError> for ApiError {
    fn from(e: HistoryError) -> Self {
        match e {
            HistoryError::UnknownFlight(_) | HistoryError::NoSuchRevision { .. } => {
                Self::NotFound(e.to_string())
            }
            HistoryError::Store(e) => e.into(),
        }
    }
}

impl From<CommandError> for ApiError {
    fn from(e: CommandError) -> Self {
        match e {
            CommandError::Store(e) => e.into(),
            CommandError::ReadModel(e) => e.into(),
            // Contention clears by itself; 503 tells a client to try again.
            CommandError::Contention(_) | CommandError::ReadSideDown(_) => {
                Self::Unavailable(e.to_string())
            }
            CommandError::NotShownYet { .. } => Self::NotShownYet {
                detail: e.to_string(),
                id: None,
            },
            CommandError::KeyReused => Self::Unprocessable(e.to_string()),
            CommandError::Refused(_) | CommandError::UnknownPassenger(_) => {
                Self::BadRequest(e.to_string())
            }
        }
    }
}

/// An update or delete's answer: refusals are 200 with `success: false`, as in the original.
pub fn outcome(result: Result<(), CommandError>) -> Result<Json<Outcome>, ApiError> {
    match result {
        Ok(()) => Ok(Json(Outcome::ok())),
        Err(e) => match e.refusal() {
            Some(reason) => Ok(Json(Outcome::refused(reason))),
            None => Err(e.into()),
        },
    }
}

/// A create's answer, carrying the new id.
pub fn created(id: Uuid, result: Result<(), CommandError>) -> Result<Json<Created>, ApiError> {
    match result {
        Ok(()) => Ok(Json(Created::ok(id))),
        Err(e) => match e.refusal() {
            Some(reason) => Ok(Json(Created::refused(reason))),
            None => Err(match ApiError::from(e) {
                ApiError::NotShownYet { detail, .. } => ApiError::NotShownYet {
                    detail,
                    id: Some(id),
                },
                other => other,
            }),
        },
    }
}
