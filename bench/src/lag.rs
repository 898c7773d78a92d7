//! How long an event takes to reach readers: the read model (projection lag) and the live audit
//! stream.
//!
//! Projection lag is measured in this process, through the library: a command over HTTP only
//! answers once its projection is applied, so from outside the lag hides inside the command's
//! latency, and a GET polled in a tight loop would compete with the projection for the read
//! database and measure the polling as much as the lag. Here the appends go through the library's
//! event store and the projection announces each committed batch; the figure is the time from an
//! append being acknowledged (durable) to the read-model transaction holding it being committed.

use crate::load;
use crate::report::Samples;
use crate::stores::Stores;
use crate::Plan;
use flightdeck_backend::config::{Config, EventsDb};
use flightdeck_backend::event_store::{EventStore, ExpectedRevision, NewEvent};
use flightdeck_backend::projection::Projection;
use flightdeck_backend::read_model::ReadDb;
use flightdeck_backend::server::open_stores;
use flightdeck_core::Event;
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Writers appending in the background while lag is sampled, as 8 operators would.
const BACKGROUND_WRITERS: usize = 8;
const WAIT: Duration = Duration::from_secs(10);

fn new_event(event: &Event) -> NewEvent {
    NewEvent {
        event_id: Uuid::new_v4(),
        event_type: event.event_type().to_owned(),
        data: event.data(),
    }
}

fn flight_created(flight_id: Uuid) -> Event {
    Event::FlightCreated {
        flight_id,
        origin: "Oslo".into(),
        destination: "Copenhagen".into(),
        flight_number: "SK0001".into(),
    }
}

/// Samples append-acknowledged to read-model-committed, with 8 writers that each wait for their
/// own projection (as commands do) in the background.
pub async fn projection_lag(stores: &Stores, dir: &Path, plan: Plan) -> Result<Samples, String> {
    let mut config = Config::embedded(dir.join("lag-data"));
    config.events = match &stores.events_file {
        Some(file) => EventsDb::Sqlite(file.clone()),
        None => EventsDb::EventStoreDb(stores.events_url.clone()),
    };
    config.read_db = match stores.read_url.strip_prefix("sqlite://") {
        Some(file) => ReadDb::Sqlite(file.into()),
        None => ReadDb::Postgres(stores.read_url.clone()),
    };
    let (store, read_model) = open_stores(&config)
        .await
        .map_err(|e| format!("projection lag: cannot open the stores: {e}"))?;
    let (projection, task) = Projection::spawn(store.clone(), read_model.clone());
    let outcome = sample_lag(store, &read_model, &projection, plan).await;
    task.abort();
    outcome
}

async fn sample_lag(
    store: Arc<dyn EventStore>,
    read_model: &flightdeck_backend::read_model::ReadModel,
    projection: &Projection,
    plan: Plan,
) -> Result<Samples, String> {
    let ready = Instant::now();
    while !projection.progress().following {
        if ready.elapsed() > WAIT {
            return Err("projection lag: the projection did not start following".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let deadline = Instant::now() + plan.phase;
    let mut writers = Vec::new();
    for _ in 0..BACKGROUND_WRITERS {
        let store = store.clone();
        let projection = projection.clone();
        let passengers = plan.passengers;
        writers.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let flight_id = Uuid::new_v4();
                let stream = flightdeck_core::event::stream_name(flight_id);
                let mut expected = ExpectedRevision::NoStream;
                let mut events = vec![flight_created(flight_id)];
                events.extend((0..passengers).map(|i| Event::PassengerCheckedIn {
                    flight_id,
                    passenger_id: Uuid::new_v4(),
                    name: format!("Passenger {i}"),
                }));
                for event in events {
                    let appended = store
                        .append(&stream, expected, vec![new_event(&event)])
                        .await
                        .map_err(|e| format!("projection lag: append: {e}"))?;
                    expected = ExpectedRevision::Exact(appended.revision);
                    projection.wait_for(appended.position, WAIT).await;
                }
            }
            Ok::<_, String>(())
        }));
    }
    let mut lags = Vec::new();
    while Instant::now() < deadline {
        let flight_id = Uuid::new_v4();
        let stream = flightdeck_core::event::stream_name(flight_id);
        let appended = store
            .append(
                &stream,
                ExpectedRevision::NoStream,
                vec![new_event(&flight_created(flight_id))],
            )
            .await
            .map_err(|e| format!("projection lag: append: {e}"))?;
        let acknowledged = Instant::now();
        if !projection.wait_for(appended.position, WAIT).await {
            return Err(format!(
                "projection lag: position {} was not applied within {} s",
                appended.position,
                WAIT.as_secs()
            ));
        }
        lags.push(acknowledged.elapsed());
        // Untimed: the announcement must mean a reader sees it.
        match read_model.flight(flight_id).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(format!(
                    "projection lag: flight {flight_id} was announced applied but is not in the read model"
                ))
            }
            Err(e) => return Err(format!("projection lag: reading the read model: {e}")),
        }
    }
    for writer in writers {
        writer
            .await
            .map_err(|e| format!("projection lag: a writer failed: {e}"))??;
    }
    Ok(Samples::new(lags))
}

/// What the live-stream phase measures for each sampled command.
pub struct LiveAudit {
    /// Command sent to its entry received on the stream.
    pub delivery: Samples,
    /// Command sent to its HTTP answer, for the same commands: the part of the delivery time
    /// that is the command itself (append, projection) rather than the stream.
    pub answer: Samples,
}

/// Samples command-sent to entry-received on `/api/auditlog/stream`, with 8 operators touring
/// in the background so the stream carries real traffic.
pub async fn live_audit(
    client: &reqwest::Client,
    base: &str,
    plan: Plan,
) -> Result<LiveAudit, String> {
    let url = format!("{base}/api/auditlog/stream");
    let response = client
        .get(&url)
        .timeout(plan.phase + Duration::from_secs(60))
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("GET {url}: {}", response.status()));
    }
    // When each flight's creation arrived on the stream, recorded by the reader as it parses.
    let arrivals: Arc<Mutex<HashMap<Uuid, Instant>>> = Arc::default();
    let reader = {
        let arrivals = arrivals.clone();
        let mut body = response.bytes_stream();
        tokio::spawn(async move {
            let mut buffer: Vec<u8> = Vec::new();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| format!("the live stream broke: {e}"))?;
                let received = Instant::now();
                buffer.extend_from_slice(&chunk);
                while let Some(end) = find(&buffer, b"\n\n") {
                    let event: Vec<u8> = buffer.drain(..end + 2).collect();
                    if let Some(flight) = created_flight(&event) {
                        if let Ok(mut arrivals) = arrivals.lock() {
                            arrivals.insert(flight, received);
                        }
                    }
                }
            }
            Ok::<_, String>(())
        })
    };
    let background = {
        let client = client.clone();
        let base = base.to_owned();
        let duration = plan.phase;
        let passengers = plan.passengers;
        tokio::spawn(async move { load::tours(&client, &base, 8, duration, passengers).await })
    };
    let deadline = Instant::now() + plan.phase;
    let mut latencies = Vec::new();
    let mut answers = Vec::new();
    let mut number = 9000;
    let outcome = async {
        while Instant::now() < deadline {
            let sent = Instant::now();
            let flight = load::create_flight(client, base, number).await?;
            answers.push(sent.elapsed());
            number += 1;
            loop {
                let arrived = arrivals
                    .lock()
                    .map_err(|_| "the live stream reader panicked".to_owned())?
                    .remove(&flight);
                if let Some(arrived) = arrived {
                    latencies.push(arrived.saturating_duration_since(sent));
                    break;
                }
                if sent.elapsed() > WAIT {
                    return Err(format!(
                        "flight {flight} did not appear on the live stream within {} s",
                        WAIT.as_secs()
                    ));
                }
                if reader.is_finished() {
                    return Err("the live stream ended".to_owned());
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            // Spaced out, so the samples are of the stream under the operators' load rather than
            // under the sampler's own.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    }
    .await;
    reader.abort();
    let background = background
        .await
        .map_err(|e| format!("live audit: background operators failed: {e}"))?;
    outcome?;
    background?;
    Ok(LiveAudit {
        delivery: Samples::new(latencies),
        answer: Samples::new(answers),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The flight id of a `FlightCreated` entry in one SSE event, else `None`.
fn created_flight(event: &[u8]) -> Option<Uuid> {
    let text = std::str::from_utf8(event).ok()?;
    let data: String = text
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(str::trim_start)
        .collect();
    let entry: Value = serde_json::from_str(&data).ok()?;
    if entry.get("eventType")?.as_str()? != "FlightCreated" {
        return None;
    }
    Uuid::parse_str(entry.get("data")?.get("id")?.as_str()?).ok()
}
