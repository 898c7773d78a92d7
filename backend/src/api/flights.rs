use super::extract::{Body, Id, IdempotencyKey};
use super::ApiState;
use crate::command::NoReturn;
use crate::error::{created, outcome, ApiError};
use axum::extract::State;
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
