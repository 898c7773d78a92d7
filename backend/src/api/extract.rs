//! Request extractors whose rejections name the problem in the same JSON form as every other
//! error, where axum's own would answer in plain text.

use super::MAX_BODY;
use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
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
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if let Some(declared) = content_type.as_deref().filter(|c| !is_json(c)) {
            // Only JSON is read: a form or plain-text body is what a web page can send to
            // another site without asking first, and it is no request of this API's clients.
            return Err(ApiError::UnsupportedMediaType(format!(
                "declared as {}",
                declared.chars().take(80).collect::<String>()
            )));
        }
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
                let e = e.into_inner();
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    ApiError::PayloadTooLarge { limit: MAX_BODY }
                } else {
                    ApiError::BadRequest(format!("could not read the request body: {e}"))
                }
            })?;
        if content_type.is_none() && !bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::UnsupportedMediaType("of no declared type".into()));
        }
        parse(&bytes).map(Body)
    }
}

/// `application/json`, or a `+json` type such as `application/problem+json`, with any
/// parameters (`; charset=utf-8`).
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// An object's members in the order sent, duplicates included (a map would keep one silently).
struct Members(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Value>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
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
    let Ok(Members(members)) = serde_json::from_slice::<Members>(bytes) else {
        // Not an object: say what it is instead.
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            ApiError::BadRequest(format!("the request body is not valid JSON: {e}"))
        })?;
        return Err(ApiError::BadRequest(format!(
            "the request body must be a JSON object with {}, not {}",
            T::FIELDS.join(", "),
            kind(&value)
        )));
    };
    let mut canonical = Map::with_capacity(members.len());
    let mut sent_as: Vec<(&str, String)> = Vec::new();
    for (key, value) in members {
        let Some(name) = T::FIELDS.iter().find(|f| f.eq_ignore_ascii_case(&key)) else {
            canonical.insert(key, value);
            continue;
        };
        if let Some((_, first)) = sent_as.iter().find(|(n, _)| n == name) {
            return Err(ApiError::BadRequest(format!(
                "{name} is given twice (as \"{first}\" and \"{key}\"); send it once"
            )));
        }
        sent_as.push((name, key));
        canonical.insert((*name).to_owned(), value);
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

/// The `Idempotency-Key` header a create may carry. The new flight's or passenger's id is
/// derived from it, so a repeat of the create finds its first self in the log and is answered
/// as the first was, writing nothing; without a key each create gets a fresh id.
pub struct IdempotencyKey(Option<String>);

/// Ids derived from keys live in their own namespace, apart from any other UUIDv5.
const KEY_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2d8a_5b3e_4c7f_9a10_8e2d_4b6c_1f03);
const MAX_KEY_LENGTH: usize = 255;

impl IdempotencyKey {
    /// The id a create on `route` gets.
    pub fn id(&self, route: &str) -> Uuid {
        match &self.0 {
            Some(key) => Uuid::new_v5(&KEY_NAMESPACE, format!("{route}\n{key}").as_bytes()),
            None => Uuid::new_v4(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(Self(None));
        };
        value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|key| !key.is_empty() && key.len() <= MAX_KEY_LENGTH)
            .map(|key| Self(Some(key.to_owned())))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters, such as a UUID"
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
    fn a_field_sent_twice_is_refused_whatever_its_case() {
        for body in [
            r#"{"flightNumber":"FIRST","FLIGHTNUMBER":"LAST","origin":"A","destination":"B"}"#,
            r#"{"FLIGHTNUMBER":"LAST","flightNumber":"FIRST","origin":"A","destination":"B"}"#,
            r#"{"origin":"A","origin":"B"}"#,
        ] {
            let err = bad::<CreateFlight>(body);
            assert!(err.contains("is given twice"), "{body}: {err}");
        }
        assert_eq!(
            bad::<CreateFlight>(r#"{"flightNumber":"A","FLIGHTNUMBER":"B"}"#),
            r#"flightNumber is given twice (as "flightNumber" and "FLIGHTNUMBER"); send it once"#
        );
        let f: CreateFlight = parse(br#"{"x":1,"x":2,"origin":"ARN"}"#).unwrap();
        assert_eq!(
            f.origin.as_deref(),
            Some("ARN"),
            "unknown members may repeat"
        );
    }

    #[test]
    fn json_types_are_recognised() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("multipart/form-data; boundary=x"));
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
