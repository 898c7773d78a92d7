use super::extract::{Body, Id, IdempotencyKey, Params};
use super::ApiState;
use crate::command::NoReturn;
use crate::error::{created, outcome, ApiError};
use crate::history::{History, HistoryError};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use flightdeck_core::contract::{
    CreateFlight, Created, DeleteFlight, Flight, Outcome, UpdateFlight,
};
use std::sync::Arc;

pub async fn list(State(app): State<Arc<ApiState>>) -> Result<Json<Vec<Flight>>, ApiError> {
    Ok(Json(app.read_model.flights().await?))
}

pub async fn get(State(app): State<Arc<ApiState>>, Id(id): Id) -> Result<Json<Flight>, ApiError> {
    app.read_model
        .flight(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("flight with id '{id}' does not exist")))
}

pub async fn exists(State(app): State<Arc<ApiState>>, Id(id): Id) -> Result<Json<bool>, ApiError> {
    Ok(Json(app.read_model.flight(id).await?.is_some()))
}

#[derive(serde::Deserialize)]
pub struct HistoryQuery {
    /// Only the entry at this revision of the flight's stream.
    revision: Option<u64>,
}

/// The flight's story, written entry by entry as the stream is replayed: a long stream's
/// answer is never held whole.
pub async fn history(
    State(app): State<Arc<ApiState>>,
    Id(id): Id,
    Params(query): Params<HistoryQuery>,
) -> Result<Response, ApiError> {
    let history = History::read(app.store.as_ref(), id, query.revision).await?;
    if query.revision.is_some() {
        let entry = history
            .into_iter()
            .next()
            .ok_or(HistoryError::UnknownFlight(id))??;
        return Ok(Json(entry).into_response());
    }
    let mut first = true;
    let mut history = history;
    let mut done = false;
    let chunks = futures_util::stream::iter(std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut chunk = Vec::with_capacity(1024);
        chunk.push(if first { b'[' } else { b',' });
        match history.next() {
            None => {
                done = true;
                if first {
                    return Some(Ok(b"[]".to_vec()));
                }
                return Some(Ok(b"]".to_vec()));
            }
            Some(Err(e)) => {
                tracing::error!(error = %e, "a flight's history ended early");
                done = true;
                return Some(Err(std::io::Error::other(e.to_string())));
            }
            Some(Ok(entry)) => {
                first = false;
                if let Err(e) = serde_json::to_writer(&mut chunk, &entry) {
                    done = true;
                    return Some(Err(std::io::Error::other(e)));
                }
            }
        }
        Some(Ok(chunk))
    }));
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        axum::body::Body::from_stream(chunks),
    )
        .into_response())
}

pub async fn create(
    State(app): State<Arc<ApiState>>,
    Extension(no_return): Extension<NoReturn>,
    key: IdempotencyKey,
    Body(request): Body<CreateFlight>,
) -> Result<Json<Created>, ApiError> {
    let id = key.id("POST /api/flights");
    created(
        id,
        app.commands.execute(&request.command(id), &no_return).await,
    )
}

pub async fn update(
    State(app): State<Arc<ApiState>>,
    Extension(no_return): Extension<NoReturn>,
    Body(request): Body<UpdateFlight>,
) -> Result<Json<Outcome>, ApiError> {
    let result = match request.command() {
        Ok(command) => app.commands.execute(&command, &no_return).await,
        Err(refused) => Err(refused.into()),
    };
    outcome(result)
}

pub async fn delete(
    State(app): State<Arc<ApiState>>,
    Extension(no_return): Extension<NoReturn>,
    Body(request): Body<DeleteFlight>,
) -> Result<Json<Outcome>, ApiError> {
    outcome(app.commands.execute(&request.command(), &no_return).await)
}
