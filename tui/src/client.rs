//! The HTTP client over the original contract. The same calls drive a Flightdeck backend (embedded
//! or remote), an original gateway, or the three original services addressed one by one.

use crate::counts;
use flightdeck_core::contract::{
    AuditEntry, CreateFlight, CreatePassenger, Created, DeleteFlight, Flight, HistoryEntry,
    Outcome, Passenger, UpdateFlight, UpdatePassenger,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use uuid::Uuid;

/// Where the three resources live. Each URL is the collection itself, e.g.
/// `http://localhost:5000/api/flights` or `http://flights-api:8040/flights`.
mod problem;
pub use problem::{problem_message, WANTS_TOKEN};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub flights: String,
    pub passengers: String,
    pub auditlog: String,
}

impl Endpoints {
    /// A Flightdeck backend or an original gateway: `{api}/flights` and so on.
    pub fn from_api(api: &str) -> Result<Self, String> {
        let base = checked_url("--api", api)?;
        Ok(Self {
            flights: format!("{base}/flights"),
            passengers: format!("{base}/passengers"),
            auditlog: format!("{base}/auditlog"),
        })
    }

    /// The original services without their gateway.
    pub fn from_services(flights: &str, passengers: &str, auditlog: &str) -> Result<Self, String> {
        Ok(Self {
            flights: checked_url("--flights-url", flights)?,
            passengers: checked_url("--passengers-url", passengers)?,
            auditlog: checked_url("--auditlog-url", auditlog)?,
        })
    }

    pub fn stream(&self) -> String {
        format!("{}/stream", self.auditlog)
    }
}

/// A URL as the console takes one, or a sentence naming `flag` and what is wrong with it.
pub fn checked_url(flag: &str, raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/');
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return Err(format!(
            "{flag} {raw}: expected an http:// URL (or https://), e.g. http://localhost:5000/api"
        ));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{flag} {raw}: the URL names no host"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{flag} {raw}: the URL contains spaces"));
    }
    Ok(url.to_owned())
}

/// Why a call did not give what was asked, in words an operator can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientError {
    /// No answer: connection refused, reset, timed out.
    Unreachable(String),
    /// An HTTP error status, with the server's problem text.
    Status { status: u16, message: String },
    /// The server refused the command (200 with `success: false`): its own sentence.
    Refused(String),
    /// The answer was not what the contract says.
    Decode(String),
    /// The server accepted a command but its effect did not show in time.
    Unconfirmed(String),
    /// What answers at the URL is not a Flightdeck backend or an original gateway: what it
    /// answered, and what might have been meant.
    NotAnApi(String),
    /// TLS refused the server (its certificate, mostly): a sentence naming the host and why.
    /// Trying again cannot help.
    Tls(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreachable(why) => write!(f, "backend unreachable: {why}"),
            Self::Status { status, message } => write!(f, "HTTP {status}: {message}"),
            Self::Refused(sentence) => f.write_str(sentence),
            Self::Decode(why) => write!(f, "unexpected answer: {why}"),
            Self::Unconfirmed(what) => f.write_str(what),
            Self::NotAnApi(what) => write!(f, "not a Flightdeck API: {what}"),
            Self::Tls(sentence) => f.write_str(sentence),
        }
    }
}

impl std::error::Error for ClientError {}

impl ClientError {
    /// Whether the backend answered at all (a refusal or 4xx still means it is up).
    pub fn is_connection(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::Tls(_))
    }
}

/// No answer from the backend, in words: why the connection failed, without the library's
/// chain of wrappers ("error sending request for url (…): client error (Connect): …"); a TLS
/// refusal is a sentence of its own.
pub fn unreachable(err: reqwest::Error) -> ClientError {
    if let Some(sentence) = crate::tls::refusal(&err) {
        return ClientError::Tls(sentence);
    }
    ClientError::Unreachable(why_unreachable(&err))
}

fn why_unreachable(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "no answer within 30 s".to_owned();
    }
    let mut innermost: &dyn std::error::Error = err;
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => return "connection reset".to_owned(),
                std::io::ErrorKind::TimedOut => return "the connection timed out".to_owned(),
                _ => {}
            }
        }
        innermost = cause;
        source = cause.source();
    }
    let text = innermost.to_string();
    if text.contains("dns error") || text.contains("failed to lookup address") {
        return "its host name does not resolve".to_owned();
    }
    // The OS's error number tells an operator nothing the words do not.
    let text = match text.find(" (os error") {
        Some(at) => &text[..at],
        None => &text,
    };
    let text = text.trim();
    if err.is_connect() {
        format!("cannot connect: {text}")
    } else {
        text.to_owned()
    }
}

/// The error for a non-success answer. A 401 gets a sentence that says what to do, since the
/// backend's own text cannot know which flag this client has.
pub fn status_error(status: u16, body: &str) -> ClientError {
    let message = if status == 401 {
        format!("{WANTS_TOKEN} ({})", problem_message(body))
    } else {
        problem_message(body)
    };
    ClientError::Status { status, message }
}

/// Which contract the backend keeps where the two differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// A PUT changes only the fields it names, so a command sends only what it changes.
    Flightdeck,
    /// A PUT overwrites every field, so a command sends them all as last read.
    Original,
}

#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    endpoints: Endpoints,
    /// Learned once (see `probe`), shared by every clone.
    dialect: Arc<OnceLock<Dialect>>,
    /// The first TLS refusal any request met, shared by every clone: the run's verdict.
    refused: Arc<OnceLock<String>>,
}

impl Client {
    pub fn new(endpoints: Endpoints) -> Result<Self, ClientError> {
        Self::with_token(endpoints, None)
    }

    pub fn with_token(endpoints: Endpoints, token: Option<&str>) -> Result<Self, ClientError> {
        Self::with_trust(endpoints, token, &[])
    }

    /// Every request, the live stream's included, carries `Authorization: Bearer TOKEN` when a
    /// token is given. The header is marked sensitive so that it never shows in debug output.
    /// HTTPS trusts the platform's roots and `extra_roots`.
    pub fn with_trust(
        endpoints: Endpoints,
        token: Option<&str>,
        extra_roots: &[reqwest::Certificate],
    ) -> Result<Self, ClientError> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(token) = token.filter(|t| !t.is_empty()) {
            let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| {
                    ClientError::Decode(
                        "the token holds characters an HTTP header cannot carry".to_owned(),
                    )
                })?;
            value.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        let http = crate::tls::trusting(reqwest::Client::builder(), extra_roots)
            .connect_timeout(Duration::from_secs(5))
            .default_headers(headers)
            .build()
            .map_err(unreachable)?;
        Ok(Self {
            http,
            endpoints,
            dialect: Arc::default(),
            refused: Arc::default(),
        })
    }

    /// A request that got no answer, as an error; a TLS refusal is also kept as the run's.
    pub fn failed(&self, err: reqwest::Error) -> ClientError {
        let error = unreachable(err);
        if let ClientError::Tls(sentence) = &error {
            let _ = self.refused.set(sentence.clone());
        }
        error
    }

    /// The first TLS refusal met, if any: the run then ends with a failure.
    pub fn tls_refusal(&self) -> Option<&str> {
        self.refused.get().map(String::as_str)
    }

    /// The dialect, where it is known from how the backend is reached.
    pub fn knowing(self, dialect: Dialect) -> Self {
        self.learn(dialect);
        self
    }

    /// The dialect as far as it is known yet.
    pub fn dialect(&self) -> Option<Dialect> {
        self.dialect.get().copied()
    }

    pub fn learn(&self, dialect: Dialect) {
        let _ = self.dialect.set(dialect);
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A one-line name of the backend for the status bar.
    pub fn describe(&self) -> String {
        match self.endpoints.flights.strip_suffix("/flights") {
            Some(base)
                if self.endpoints.passengers == format!("{base}/passengers")
                    && self.endpoints.auditlog == format!("{base}/auditlog") =>
            {
                base.to_owned()
            }
            _ => self.endpoints.flights.clone(),
        }
    }

    /// The backend's `GET …/status`; `None` where it has none: an original deployment, or the
    /// original services addressed one by one, which share no base to ask.
    pub async fn status(
        &self,
    ) -> Result<Option<flightdeck_core::backend_status::BackendStatus>, ClientError> {
        let base = self.describe();
        if base == self.endpoints.flights {
            return Ok(None);
        }
        self.get(&format!("{base}/status")).await
    }

    async fn get<T: DeserializeOwned>(&self, url: &str) -> Result<Option<T>, ClientError> {
        let response = self
            .http
            .get(url)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| self.failed(e))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        decode(response).await.map(Some)
    }

    async fn send<B: Serialize, T: Answer>(
        &self,
        method: reqwest::Method,
        url: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send_request(self.http.request(method, url), body)
            .await
    }

    /// A create, with an `Idempotency-Key` of its own: a Flightdeck backend answers a repeat of
    /// it as it answered the first and writes nothing (an original server ignores the header).
    async fn create<B: Serialize>(
        &self,
        url: &str,
        body: &B,
        key: Uuid,
    ) -> Result<Created, ClientError> {
        let request = self
            .http
            .post(url)
            .header("idempotency-key", key.to_string());
        self.send_request(request, body).await
    }

    async fn send_request<B: Serialize, T: Answer>(
        &self,
        request: reqwest::RequestBuilder,
        body: &B,
    ) -> Result<T, ClientError> {
        let response = request
            .timeout(Duration::from_secs(30))
            .json(body)
            .send()
            .await
            .map_err(|e| self.failed(e))?;
        decode_answer(response).await
    }

    /// Every flight. An original server answers 404 when it has none to show.
    pub async fn flights(&self) -> Result<Vec<Flight>, ClientError> {
        Ok(self.get(&self.endpoints.flights).await?.unwrap_or_default())
    }

    pub async fn flight(&self, id: Uuid) -> Result<Option<Flight>, ClientError> {
        self.get(&format!("{}/{id}", self.endpoints.flights)).await
    }

    /// Every flight with its passenger counts. An original server has no counts in its list, so
    /// there each flight's passengers are read, a few at a time.
    pub async fn flights_with_counts(&self) -> Result<Vec<Flight>, ClientError> {
        let mut flights = self.flights().await?;
        let missing: Vec<usize> = (0..flights.len())
            .filter(|&i| counts::reported(&flights[i]).is_none())
            .collect();
        for chunk in missing.chunks(8) {
            let reads = chunk.iter().map(|&i| self.passengers_of(flights[i].id));
            let results = futures_util::future::join_all(reads).await;
            for (&i, result) in chunk.iter().zip(results) {
                counts::fill(&mut flights[i], &result?);
            }
        }
        Ok(flights)
    }

    /// A flight with its passenger counts, read from its passengers where the backend leaves
    /// them out.
    pub async fn flight_with_counts(&self, id: Uuid) -> Result<Option<Flight>, ClientError> {
        let Some(mut flight) = self.flight(id).await? else {
            return Ok(None);
        };
        if counts::reported(&flight).is_none() {
            counts::fill(&mut flight, &self.passengers_of(id).await?);
        }
        Ok(Some(flight))
    }

    pub async fn passengers_of(&self, flight_id: Uuid) -> Result<Vec<Passenger>, ClientError> {
        let url = format!("{}/flight/{flight_id}", self.endpoints.passengers);
        Ok(self.get(&url).await?.unwrap_or_default())
    }

    pub async fn passenger(&self, id: Uuid) -> Result<Option<Passenger>, ClientError> {
        self.get(&format!("{}/{id}", self.endpoints.passengers))
            .await
    }

    /// A flight's history; `None` when the backend has no such route (an original one) or no
    /// such flight.
    pub async fn history(&self, id: Uuid) -> Result<Option<Vec<HistoryEntry>>, ClientError> {
        self.get(&format!("{}/{id}/history", self.endpoints.flights))
            .await
    }

    pub async fn audit_all(&self) -> Result<Vec<AuditEntry>, ClientError> {
        let url = format!("{}/all", self.endpoints.auditlog);
        Ok(self.get(&url).await?.unwrap_or_default())
    }

    /// The `limit` entries just before `before` (oldest first); `NEWEST` asks for the newest.
    /// A backend without paging ignores the parameters and answers the whole log, which the
    /// caller tells from an answer longer than `limit`.
    pub async fn audit_before(
        &self,
        before: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, ClientError> {
        let url = format!(
            "{}/all?before={before}&limit={limit}",
            self.endpoints.auditlog
        );
        Ok(self.get(&url).await?.unwrap_or_default())
    }

    /// The newest `limit` entries that match `q`, just before `before` (oldest first).
    pub async fn audit_search(
        &self,
        q: &str,
        before: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, ClientError> {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/all", self.endpoints.auditlog),
            &[
                ("q", q.to_owned()),
                ("before", before.to_string()),
                ("limit", limit.to_string()),
            ],
        )
        .map_err(|e| ClientError::Decode(e.to_string()))?;
        Ok(self.get(url.as_str()).await?.unwrap_or_default())
    }

    pub async fn create_flight(&self, body: &CreateFlight) -> Result<Uuid, ClientError> {
        self.create_flight_once(body, Uuid::new_v4()).await
    }

    /// A create with the key given: repeated with the same key, it is made at most once.
    pub async fn create_flight_once(
        &self,
        body: &CreateFlight,
        key: Uuid,
    ) -> Result<Uuid, ClientError> {
        let created = self.create(&self.endpoints.flights, body, key).await?;
        created_id(created)
    }

    pub async fn update_flight(&self, body: &UpdateFlight) -> Result<(), ClientError> {
        let outcome: Outcome = self
            .send(reqwest::Method::PUT, &self.endpoints.flights, &named(body))
            .await?;
        outcome_ok(outcome)
    }

    pub async fn delete_flight(&self, id: Uuid) -> Result<(), ClientError> {
        let outcome: Outcome = self
            .send(
                reqwest::Method::DELETE,
                &self.endpoints.flights,
                &DeleteFlight { id },
            )
            .await?;
        outcome_ok(outcome)
    }

    pub async fn create_passenger(&self, body: &CreatePassenger) -> Result<Uuid, ClientError> {
        self.create_passenger_once(body, Uuid::new_v4()).await
    }

    pub async fn create_passenger_once(
        &self,
        body: &CreatePassenger,
        key: Uuid,
    ) -> Result<Uuid, ClientError> {
        let created = self.create(&self.endpoints.passengers, body, key).await?;
        created_id(created)
    }

    pub async fn update_passenger(&self, body: &UpdatePassenger) -> Result<(), ClientError> {
        let outcome: Outcome = self
            .send(
                reqwest::Method::PUT,
                &self.endpoints.passengers,
                &named(body),
            )
            .await?;
        outcome_ok(outcome)
    }
}

/// A PUT's body with only the fields it names: a field left out is one it does not change.
fn named<T: Serialize>(body: &T) -> serde_json::Value {
    match serde_json::to_value(body) {
        Ok(serde_json::Value::Object(mut fields)) => {
            fields.retain(|_, v| !v.is_null());
            serde_json::Value::Object(fields)
        }
        Ok(other) => other,
        Err(_) => serde_json::Value::Null,
    }
}

fn refusal(error: Option<String>) -> ClientError {
    ClientError::Refused(
        error
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| "the server refused the command without saying why".to_owned()),
    )
}

fn created_id(created: Created) -> Result<Uuid, ClientError> {
    if created.success {
        Ok(created.id)
    } else {
        Err(refusal(created.error))
    }
}

fn outcome_ok(outcome: Outcome) -> Result<(), ClientError> {
    if outcome.success {
        Ok(())
    } else {
        Err(refusal(outcome.error))
    }
}

/// An answer to a command, which a Flightdeck backend may give as 202 Accepted: recorded, not
/// shown yet (its body a problem that says so, with the id of what a create made).
trait Answer: DeserializeOwned {
    fn accepted(body: &str) -> Option<Self>;
}

impl Answer for Created {
    fn accepted(body: &str) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Recorded {
            id: Uuid,
        }
        serde_json::from_str::<Recorded>(body)
            .ok()
            .map(|r| Created::ok(r.id))
    }
}

impl Answer for Outcome {
    fn accepted(_: &str) -> Option<Self> {
        Some(Outcome::ok())
    }
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
    let status = response.status();
    // Parsed from the bytes as they came: a long list is not copied into a string first.
    let body = response.bytes().await.map_err(unreachable)?;
    if !status.is_success() {
        return Err(status_error(
            status.as_u16(),
            &String::from_utf8_lossy(&body),
        ));
    }
    serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()))
}

async fn decode_answer<T: Answer>(response: reqwest::Response) -> Result<T, ClientError> {
    let status = response.status();
    let body = response.text().await.map_err(unreachable)?;
    if !status.is_success() {
        return Err(status_error(status.as_u16(), &body));
    }
    // Recorded: the reads that follow every command wait for it to show, as they do for an
    // original deployment, and say so if it does not in time.
    if status == reqwest::StatusCode::ACCEPTED {
        if let Some(answer) = T::accepted(&body) {
            return Ok(answer);
        }
    }
    serde_json::from_str(&body).map_err(|e| ClientError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests;
