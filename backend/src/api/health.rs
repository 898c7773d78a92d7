use super::ApiState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

pub async fn live() -> Json<Value> {
    Json(json!({ "status": "live" }))
}

/// Ready when both stores answer, the read model has every table and column it needs, and it
/// has caught up with the log.
pub async fn ready(State(app): State<Arc<ApiState>>) -> (StatusCode, Json<Value>) {
    let not_ready = |reason: String| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready", "reason": reason })),
        )
    };
    let head = match app.store.last_position().await {
        Ok(head) => head,
        Err(e) => return not_ready(e.to_string()),
    };
    if let Err(e) = app.read_model.check_schema().await {
        return not_ready(e.to_string());
    }
    let progress = app.projection.progress();
    if !progress.following {
        return not_ready(app.projection.why_behind());
    }
    if progress.applied < head {
        return not_ready(format!(
            "the read model is catching up: at {:?} of {:?}",
            progress.applied, head
        ));
    }
    (
        StatusCode::OK,
        Json(json!({ "status": "ready", "position": progress.applied })),
    )
}
