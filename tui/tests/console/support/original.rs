//! An in-memory stand-in for the original services, written from `contract.md`: the gateway's
//! `/api/...` routes and the services' own `/flights`, `/passengers`, `/auditlog` routes, with the
//! original's behaviour where a client can notice it:
//!
//! - reads are eventually consistent: they are served from a snapshot that a background task
//!   brings up to date only once a write is `lag` old;
//! - there is no live stream (`/auditlog/stream` is a 404);
//! - refused commands answer 200 with `success: false`, the original's sentence and a stack trace;
//! - the "all boarded" check reads the lagging snapshot and leaves out the passenger being
//!   boarded, so a flight with one passenger never becomes All boarded;
//! - any status 1..=4 is accepted for a flight, and a PUT or DELETE of an unknown id succeeds;
//! - `GET /flights` carries no passenger counts.

#![allow(dead_code)]
// Handlers turn a bad field straight into its 400 answer; one per request, so size is no matter.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Clone, Default)]
struct Data {
    flights: Vec<Value>,
    passengers: Vec<Value>,
    flight_audit: Vec<Value>,
    passenger_audit: Vec<Value>,
    revisions: std::collections::HashMap<String, i64>,
}

struct Shared {
    lag: Duration,
    /// The write side, and its versions not yet visible to readers.
    writes: Mutex<(Data, Vec<(Instant, Data)>)>,
    /// What reads see.
    snapshot: Mutex<Data>,
}

type S = State<Arc<Shared>>;

pub struct OriginalServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    shared: Arc<Shared>,
}

impl OriginalServer {
    /// Starts on a loopback port; must be called inside a tokio runtime.
    pub async fn start(lag: Duration) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            lag,
            writes: Mutex::new((Data::default(), Vec::new())),
            snapshot: Mutex::new(Data::default()),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new()
            .nest("/api", routes())
            .merge(routes())
            .with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        let publisher = Arc::downgrade(&shared);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(25)).await;
                let Some(shared) = publisher.upgrade() else {
                    return;
                };
                shared.publish();
            }
        });
        Ok(Self {
            addr,
            stop: Some(stop),
            shared,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The gateway: `--api`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    pub fn flights_url(&self) -> String {
        format!("http://{}/flights", self.addr)
    }

    pub fn passengers_url(&self) -> String {
        format!("http://{}/passengers", self.addr)
    }

    pub fn auditlog_url(&self) -> String {
        format!("http://{}/auditlog", self.addr)
    }
}

impl Drop for OriginalServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Shared {
    fn publish(&self) {
        let Ok(mut writes) = self.writes.lock() else {
            return;
        };
        let due = Instant::now().checked_sub(self.lag);
        let ready = writes
            .1
            .iter()
            .rposition(|(at, _)| due.is_some_and(|due| *at <= due));
        if let Some(i) = ready {
            let versions: Vec<_> = writes.1.drain(..=i).collect();
            if let (Some((_, data)), Ok(mut snapshot)) =
                (versions.into_iter().last(), self.snapshot.lock())
            {
                *snapshot = data;
            }
        }
    }

    fn read(&self) -> Data {
        self.snapshot.lock().map(|d| d.clone()).unwrap_or_default()
    }

    fn write<T>(&self, change: impl FnOnce(&mut Data) -> T) -> T {
        let mut writes = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        let out = change(&mut writes.0);
        let version = writes.0.clone();
        writes.1.push((Instant::now(), version));
        out
    }
}

fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/flights",
            get(list_flights)
                .post(create_flight)
                .put(update_flight)
                .delete(delete_flight),
        )
        .route("/flights/exists/{id}", get(flight_exists))
        .route("/flights/{id}", get(get_flight))
        .route(
            "/passengers",
            axum::routing::post(create_passenger).put(update_passenger),
        )
        .route("/passengers/flight/{id}", get(passengers_of))
        .route("/passengers/{id}", get(get_passenger))
        .route("/auditlog/all", get(audit_all))
        .route("/auditlog/flights", get(audit_flights))
        .route("/auditlog/passengers", get(audit_passengers))
}

fn problem(detail: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": {"$": [detail]}
        })),
    )
        .into_response()
}

fn outcome(error: Option<&str>) -> Response {
    match error {
        None => Json(json!({"success": true, "error": null, "stackTrace": null})).into_response(),
        Some(e) => Json(json!({
            "success": false,
            "error": e,
            "stackTrace": "   at Flights.Api.Controllers.FlightsController.Put(FlightDto dto)"
        }))
        .into_response(),
    }
}

fn created(id: Uuid, error: Option<&str>) -> Response {
    let mut body =
        json!({"id": id, "success": error.is_none(), "error": error, "stackTrace": null});
    if error.is_some() {
        body["stackTrace"] =
            json!("   at Passengers.Api.Controllers.PassengersController.Post(PassengerDto dto)");
    }
    Json(body).into_response()
}

/// The body's properties with lower-cased names: ASP.NET binds them case-insensitively.
fn body(bytes: &Bytes) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map
            .into_iter()
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect()),
        Ok(_) => Err(problem("The JSON value could not be converted.")),
        Err(e) => Err(problem(&e.to_string())),
    }
}

fn text(map: &Map<String, Value>, key: &str) -> Result<String, Response> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(problem(&format!(
            "The JSON value of {key} could not be converted."
        ))),
    }
}

fn id(map: &Map<String, Value>, key: &str) -> Result<Uuid, Response> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Uuid::nil()),
        Some(Value::String(s)) => Uuid::parse_str(s)
            .map_err(|_| problem(&format!("The JSON value of {key} could not be converted."))),
        Some(_) => Err(problem(&format!(
            "The JSON value of {key} could not be converted."
        ))),
    }
}

fn int(map: &Map<String, Value>, key: &str) -> Result<i64, Response> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(v) => v
            .as_i64()
            .ok_or_else(|| problem(&format!("The JSON value of {key} could not be converted."))),
    }
}

fn path_id(raw: &str) -> Result<Uuid, Response> {
    Uuid::parse_str(raw).map_err(|_| problem(&format!("The value '{raw}' is not valid.")))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn record(data: &mut Data, passenger: bool, entity: Uuid, operation: u8, entity_data: Value) {
    let (kind, noun) = if passenger {
        ("passenger", "passenger")
    } else {
        ("flight", "flight")
    };
    let stream = format!("{kind}-{entity}");
    let number = data.revisions.entry(stream).or_insert(-1);
    *number += 1;
    let (event_type, verb) = match operation {
        1 => ("Create", "Create"),
        4 => ("Delete", "Delete"),
        _ => ("Update", "Update"),
    };
    let created = now();
    let entry = json!({
        "created": created,
        "eventType": event_type,
        "eventNumber": *number,
        "eventId": Uuid::new_v4(),
        "data": entity_data,
        "metaData": {"eventTypeOperation": operation, "eventName": format!("{verb} {noun}"), "timestamp": created},
    });
    if passenger {
        data.passenger_audit.push(entry);
    } else {
        data.flight_audit.push(entry);
    }
}

fn find(list: &[Value], id: Uuid) -> Option<usize> {
    let id = id.to_string();
    list.iter()
        .position(|v| v["id"].as_str() == Some(id.as_str()))
}

async fn list_flights(State(s): S) -> Response {
    Json(s.read().flights).into_response()
}

async fn get_flight(State(s): S, Path(raw): Path<String>) -> Response {
    let id = match path_id(&raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let data = s.read();
    match find(&data.flights, id) {
        Some(i) => Json(data.flights[i].clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn flight_exists(State(s): S, Path(raw): Path<String>) -> Response {
    match path_id(&raw) {
        Ok(id) => Json(find(&s.read().flights, id).is_some()).into_response(),
        Err(r) => r,
    }
}

async fn create_flight(State(s): S, bytes: Bytes) -> Response {
    let map = match body(&bytes) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (origin, destination, number) = match (
        text(&map, "origin"),
        text(&map, "destination"),
        text(&map, "flightnumber"),
    ) {
        (Ok(o), Ok(d), Ok(n)) => (o, d, n),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r,
    };
    if origin.trim().is_empty() || destination.trim().is_empty() || number.trim().is_empty() {
        return created(
            Uuid::nil(),
            Some("Destination, origin and flight number can't be empty!"),
        );
    }
    let id = Uuid::new_v4();
    let flight = json!({"id": id, "origin": origin, "destination": destination, "flightNumber": number, "status": 1});
    s.write(|d| {
        d.flights.push(flight.clone());
        record(d, false, id, 1, flight);
    });
    created(id, None)
}

async fn update_flight(State(s): S, bytes: Bytes) -> Response {
    let map = match body(&bytes) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (id, status) = match (id(&map, "id"), int(&map, "status")) {
        (Ok(i), Ok(st)) => (i, st),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    if !(1..=4).contains(&status) {
        return outcome(Some(&format!(
            "Can't update flight to status '{status}', invalid status!"
        )));
    }
    let (origin, destination, number) = match (
        text(&map, "origin"),
        text(&map, "destination"),
        text(&map, "flightnumber"),
    ) {
        (Ok(o), Ok(d), Ok(n)) => (o, d, n),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r,
    };
    let flight = json!({"id": id, "origin": origin, "destination": destination, "flightNumber": number, "status": status});
    s.write(|d| {
        // The original overwrites whatever it finds, and succeeds for an unknown id too.
        if let Some(i) = find(&d.flights, id) {
            d.flights[i] = flight.clone();
        }
        if status == 4 {
            let flight_id = id.to_string();
            let arrived: Vec<Value> = d
                .passengers
                .iter_mut()
                .filter(|p| p["flightId"].as_str() == Some(flight_id.as_str()))
                .map(|p| {
                    p["status"] = json!(3);
                    p.clone()
                })
                .collect();
            for p in arrived {
                let pid = p["id"]
                    .as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .unwrap_or_default();
                record(d, true, pid, 2, p);
            }
        }
        record(d, false, id, 2, flight);
    });
    outcome(None)
}

async fn delete_flight(State(s): S, bytes: Bytes) -> Response {
    let map = match body(&bytes) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let id = match id(&map, "id") {
        Ok(i) => i,
        Err(r) => return r,
    };
    s.write(|d| {
        if let Some(i) = find(&d.flights, id) {
            d.flights.remove(i);
        }
        let flight_id = id.to_string();
        let gone: Vec<Value> = d
            .passengers
            .iter()
            .filter(|p| p["flightId"].as_str() == Some(flight_id.as_str()))
            .cloned()
            .collect();
        d.passengers
            .retain(|p| p["flightId"].as_str() != Some(flight_id.as_str()));
        for p in gone {
            let pid = p["id"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
                .unwrap_or_default();
            record(d, true, pid, 4, json!({"id": pid}));
        }
        record(d, false, id, 4, json!({"id": id}));
    });
    outcome(None)
}

async fn get_passenger(State(s): S, Path(raw): Path<String>) -> Response {
    let id = match path_id(&raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let data = s.read();
    match find(&data.passengers, id) {
        Some(i) => Json(data.passengers[i].clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn passengers_of(State(s): S, Path(raw): Path<String>) -> Response {
    let id = match path_id(&raw) {
        Ok(id) => id.to_string(),
        Err(r) => return r,
    };
    let list: Vec<Value> = s
        .read()
        .passengers
        .into_iter()
        .filter(|p| p["flightId"].as_str() == Some(id.as_str()))
        .collect();
    Json(list).into_response()
}

async fn create_passenger(State(s): S, bytes: Bytes) -> Response {
    let map = match body(&bytes) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (name, flight_id) = match (text(&map, "name"), id(&map, "flightid")) {
        (Ok(n), Ok(f)) => (n, f),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    if name.trim().is_empty() || flight_id.is_nil() {
        return created(Uuid::nil(), Some("Name and flight id can't be empty!"));
    }
    // The original asks the flights read side, which lags.
    if find(&s.read().flights, flight_id).is_none() {
        return created(
            Uuid::nil(),
            Some(&format!(
                "Flight with id '{flight_id}' does not exist, so can't create passenger on that flight!"
            )),
        );
    }
    let id = Uuid::new_v4();
    let passenger = json!({"id": id, "flightId": flight_id, "name": name, "status": 1});
    s.write(|d| {
        d.passengers.push(passenger.clone());
        record(d, true, id, 1, passenger);
    });
    created(id, None)
}

async fn update_passenger(State(s): S, bytes: Bytes) -> Response {
    let map = match body(&bytes) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (id, flight_id, name, status) = match (
        id(&map, "id"),
        id(&map, "flightid"),
        text(&map, "name"),
        int(&map, "status"),
    ) {
        (Ok(i), Ok(f), Ok(n), Ok(st)) => (i, f, n, st),
        (Err(r), ..) | (_, Err(r), ..) | (_, _, Err(r), _) | (.., Err(r)) => return r,
    };
    if !(1..=3).contains(&status) {
        return outcome(Some(&format!(
            "Can't update status to '{status}', invalid status"
        )));
    }
    // The all-boarded check reads the lagging snapshot and leaves this passenger out.
    let flight_text = flight_id.to_string();
    let others: Vec<Value> = s
        .read()
        .passengers
        .into_iter()
        .filter(|p| p["flightId"].as_str() == Some(flight_text.as_str()))
        .filter(|p| p["id"].as_str() != Some(id.to_string().as_str()))
        .collect();
    let all_boarded =
        status == 2 && !others.is_empty() && others.iter().all(|p| p["status"] == json!(2));
    let passenger = json!({"id": id, "flightId": flight_id, "name": name, "status": status});
    s.write(|d| {
        if let Some(i) = find(&d.passengers, id) {
            d.passengers[i] = passenger.clone();
        }
        record(d, true, id, 2, passenger);
        if all_boarded {
            if let Some(i) = find(&d.flights, flight_id) {
                d.flights[i]["status"] = json!(2);
                let flight = d.flights[i].clone();
                record(d, false, flight_id, 2, flight);
            }
        }
    });
    outcome(None)
}

async fn audit_all(State(s): S) -> Response {
    let data = s.read();
    let mut all: Vec<Value> = data
        .flight_audit
        .into_iter()
        .chain(data.passenger_audit)
        .collect();
    all.sort_by(|a, b| a["created"].as_str().cmp(&b["created"].as_str()));
    Json(all).into_response()
}

async fn audit_flights(State(s): S) -> Response {
    Json(s.read().flight_audit).into_response()
}

async fn audit_passengers(State(s): S) -> Response {
    Json(s.read().passenger_audit).into_response()
}
