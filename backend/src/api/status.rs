//! `GET /api/status`: the backend at a glance for an operator's console: whether it is ready,
//! which stores run (by kind, never by path or connection string), how far the log and the read
//! model have come, how many live streams are open, and which version started when.

use super::ApiState;
use crate::config::{Config, EventsDb};
use crate::read_model::ReadDb;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use flightdeck_core::backend_status::{BackendStatus, EventStoreKind, ReadModelKind};
use std::sync::Arc;

/// What the status tells that the running state does not: fixed when the server starts.
#[derive(Clone, Debug)]
pub struct About {
    event_store: EventStoreKind,
    read_model: ReadModelKind,
    /// The live-stream cap, so that the permits in use can be counted.
    max_streams: usize,
    started_at: String,
}

impl About {
    pub fn new(config: &Config) -> Self {
        Self {
            event_store: match config.events {
                EventsDb::Sqlite(_) => EventStoreKind::Sqlite,
                EventsDb::EventStoreDb(_) => EventStoreKind::EventStoreDb,
            },
            read_model: match config.read_db {
                ReadDb::Sqlite(_) => ReadModelKind::Sqlite,
                ReadDb::Postgres(_) => ReadModelKind::Postgres,
            },
            max_streams: config.max_streams,
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

pub async fn status(State(app): State<Arc<ApiState>>) -> Json<BackendStatus> {
    // Readiness is what /health/ready decides, asked of the same handler so that the two never
    // disagree on what ready means.
    let (readiness, _) = super::health::ready(State(app.clone())).await;
    // The head before the checkpoint: an event applied in between can then only make the lag
    // look smaller, never invent one.
    let log_position = app.store.last_position().await.ok().flatten();
    let checkpoint = app.projection.progress().applied;
    let open = app
        .about
        .max_streams
        .saturating_sub(app.streams.available_permits());
    Json(BackendStatus {
        ready: readiness == StatusCode::OK,
        event_store: app.about.event_store,
        read_model: app.about.read_model,
        log_position,
        checkpoint,
        live_subscribers: open as u64,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at: app.about.started_at.clone(),
    })
}
