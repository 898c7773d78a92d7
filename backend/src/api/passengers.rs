use super::extract::{Body, Id, IdempotencyKey};
use super::ApiState;
use crate::command::NoReturn;
use crate::error::{created, outcome, ApiError};
use axum::extract::State;
use axum::{Extension, Json};
use flightdeck_core::contract::{CreatePassenger, Created, Outcome, Passenger, UpdatePassenger};
use std::sync::Arc;

pub async fn get(
    State(app): State<Arc<ApiState>>,
    Id(id): Id,
) -> Result<Json<Passenger>, ApiError> {
    app.read_model
        .passenger(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("passenger with id '{id}' does not exist")))
}

pub async fn of_flight(
    State(app): State<Arc<ApiState>>,
    Id(flight_id): Id,
) -> Result<Json<Vec<Passenger>>, ApiError> {
    Ok(Json(app.read_model.passengers_of(flight_id).await?))
}

pub async fn create(
    State(app): State<Arc<ApiState>>,
    Extension(no_return): Extension<NoReturn>,
    key: IdempotencyKey,
    Body(request): Body<CreatePassenger>,
) -> Result<Json<Created>, ApiError> {
    let id = key.id("POST /api/passengers");
    let result = match request.command(id) {
        Ok(command) => app.commands.execute(&command, &no_return).await,
        Err(refused) => Err(refused.into()),
    };
    created(id, result)
}

pub async fn update(
    State(app): State<Arc<ApiState>>,
    Extension(no_return): Extension<NoReturn>,
    Body(request): Body<UpdatePassenger>,
) -> Result<Json<Outcome>, ApiError> {
    outcome(app.commands.update_passenger(&request, &no_return).await)
}
