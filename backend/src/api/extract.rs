//! Request extractors whose rejections name the problem in the same JSON form as every other
//! error, where axum's own would answer in plain text.

use super::MAX_BODY;
use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::CONTENT_LENGTH;
use axum::http::request::Parts;
use flightdeck_core::contract::RequestBody;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

/// A JSON body matched to `T` as the original's binder did: property names case-insensitively,
/// unknown properties ignored.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + RequestBody> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY as u64) {
            return Err(ApiError::PayloadTooLarge { limit: MAX_BODY });
        }
        let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY)
            .await
            .map_err(|e| {
                if e.to_string().contains("length limit") {
                    ApiError::PayloadTooLarge { limit: MAX_BODY }
                } else {
                    ApiError::BadRequest(format!("could not read the request body: {e}"))
                }
            })?;
        parse(&bytes).map(Body)
    }
}

/// Reads a request body as the API does (public for the fuzz target).
pub fn parse<T: DeserializeOwned + RequestBody>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(format!(
            "the request body is empty; expected a JSON object with {}",
            T::FIELDS.join(", ")
        )));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the request body is not valid JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(ApiError::BadRequest(format!(
            "the request body must be a JSON object with {}, not {}",
            T::FIELDS.join(", "),
            kind(&value)
        )));
    };
    let mut canonical = Map::with_capacity(object.len());
    for (key, value) in object {
        let name = T::FIELDS
            .iter()
            .find(|f| f.eq_ignore_ascii_case(&key))
            .map_or(key, |f| (*f).to_owned());
        canonical.insert(name, value);
    }
    serde_path_to_error::deserialize(Value::Object(canonical)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ApiError::BadRequest(format!("the request body is not accepted: {inner}"))
        } else {
            ApiError::BadRequest(format!("{path}: {inner}"))
        }
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Query-string parameters, refused in the same JSON form as every other error.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(params)| Params(params))
            .map_err(|e| {
                ApiError::BadRequest(format!(
                    "the query string is not accepted: {}",
                    e.body_text()
                ))
            })
    }
}

/// A UUID taken from the last segment of the path.
pub struct Id(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        Uuid::parse_str(&raw).map(Id).map_err(|_| {
            ApiError::BadRequest(format!(
                "'{}' is not an id: ids are UUIDs such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                raw.chars().take(80).collect::<String>()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flightdeck_core::contract::{CreateFlight, UpdateFlight};

    fn bad<T: DeserializeOwned + RequestBody + std::fmt::Debug>(body: &str) -> String {
        parse::<T>(body.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn names_are_matched_case_insensitively() {
        let f: CreateFlight =
            parse(br#"{"ORIGIN":"ARN","Destination":"CPH","flightnumber":"SK1","extra":1}"#)
                .unwrap();
        assert_eq!(f.origin.as_deref(), Some("ARN"));
        assert_eq!(f.flight_number.as_deref(), Some("SK1"));
    }

    #[test]
    fn problems_are_named() {
        assert!(bad::<CreateFlight>("").contains("empty"));
        assert!(bad::<CreateFlight>("{").contains("not valid JSON"));
        assert!(bad::<CreateFlight>("[1]").contains("not an array"));
        assert_eq!(
            bad::<CreateFlight>(r#"{"origin": 5}"#),
            "origin: invalid type: integer `5`, expected a string"
        );
        assert!(bad::<UpdateFlight>(r#"{"status": 1}"#).contains("missing field `id`"));
        assert!(bad::<UpdateFlight>(r#"{"id": "nope"}"#).starts_with("id: "));
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(bad::<CreateFlight>(&deep).contains("not valid JSON"));
    }
}
