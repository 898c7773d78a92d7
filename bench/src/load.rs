//! Operators driving the backend over HTTP: each repeats the tour (create a flight, check in its
//! passengers, board each, disembark, land, delete) as fast as its answers come back.

use crate::report::{Rate, Samples};
use crate::Plan;
use reqwest::{Client, Method};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// One client for every phase and baseline: keep-alive, enough idle connections for 32
/// operators, so no phase pays for connecting.
pub fn client() -> Result<Client, String> {
    Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Sends one command and checks that it was carried out; returns the answer.
pub async fn command(
    client: &Client,
    method: Method,
    url: &str,
    body: &Value,
) -> Result<Value, String> {
    let response = client
        .request(method.clone(), url)
        .json(body)
        .send()
        .await
        .map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| format!("{method} {url}: reading the answer: {e}"))?;
    if !status.is_success() {
        return Err(format!("{method} {url} {body}: {status}: {text}"));
    }
    let answer: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{method} {url}: the answer is not JSON ({e}): {text}"))?;
    if answer.get("success") != Some(&Value::Bool(true)) {
        return Err(format!("{method} {url} {body}: refused: {text}"));
    }
    Ok(answer)
}

fn created_id(answer: &Value) -> Result<Uuid, String> {
    answer
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| format!("a create answered without an id: {answer}"))
}

/// Creates a flight; returns its id. Used by the tour and by the live-stream sampler.
pub async fn create_flight(client: &Client, base: &str, number: u32) -> Result<Uuid, String> {
    let answer = command(
        client,
        Method::POST,
        &format!("{base}/api/flights"),
        &json!({"origin": "Oslo", "destination": "Copenhagen", "flightNumber": format!("SK{number:04}")}),
    )
    .await?;
    created_id(&answer)
}

/// One tour; every command's latency goes to `latencies`.
async fn tour(
    client: &Client,
    base: &str,
    passengers: usize,
    number: u32,
    latencies: &mut Vec<Duration>,
) -> Result<(), String> {
    let flights = format!("{base}/api/flights");
    let passengers_url = format!("{base}/api/passengers");
    let mut timed = Instant::now();
    let flight = create_flight(client, base, number).await?;
    let mut lap = |latencies: &mut Vec<Duration>| {
        let now = Instant::now();
        latencies.push(now - timed);
        timed = now;
    };
    lap(latencies);
    let mut ids = Vec::with_capacity(passengers);
    for i in 0..passengers {
        let answer = command(
            client,
            Method::POST,
            &passengers_url,
            &json!({"name": format!("Passenger {i}"), "flightId": flight}),
        )
        .await?;
        ids.push(created_id(&answer)?);
        lap(latencies);
    }
    for id in ids {
        command(
            client,
            Method::PUT,
            &passengers_url,
            &json!({"id": id, "status": 2}),
        )
        .await?;
        lap(latencies);
    }
    for status in [3, 4] {
        command(
            client,
            Method::PUT,
            &flights,
            &json!({"id": flight, "status": status}),
        )
        .await?;
        lap(latencies);
    }
    command(client, Method::DELETE, &flights, &json!({"id": flight})).await?;
    lap(latencies);
    Ok(())
}

/// `operators` operators touring for `duration`; each finishes the tour it is in, and the rate
/// counts the time until the last one has.
pub async fn tours(
    client: &Client,
    base: &str,
    operators: usize,
    duration: Duration,
    passengers: usize,
) -> Result<Rate, String> {
    until(operators, duration, |operator, deadline| {
        let client = client.clone();
        let base = base.to_owned();
        async move {
            let mut latencies = Vec::new();
            let mut number = (operator as u32) * 1000;
            while Instant::now() < deadline {
                tour(&client, &base, passengers, number, &mut latencies).await?;
                number = number.wrapping_add(1) % 10_000;
            }
            Ok(latencies)
        }
    })
    .await
}

/// `workers` tasks, each working until `duration` has passed and returning its latencies; the
/// rate counts until the last one has finished.
async fn until<F, Fut>(workers: usize, duration: Duration, work: F) -> Result<Rate, String>
where
    F: Fn(usize, Instant) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Duration>, String>> + Send + 'static,
{
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..workers)
        .map(|worker| tokio::spawn(work(worker, deadline)))
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.map_err(|e| format!("a task failed: {e}"))??);
    }
    Ok(Rate::new(
        all.len() as u64,
        started.elapsed(),
        Samples::new(all),
    ))
}

/// The baseline for HTTP: 32 clients asking a constant-answer axum handler, as the tour's c32.
pub async fn hello(client: &Client, base: &str, plan: Plan) -> Result<Rate, String> {
    const CONCURRENCY: usize = 32;
    let url = format!("{base}/hello");
    // Warm the connections up as the tour's warm-up does.
    let _ = run_hello(
        client,
        &url,
        CONCURRENCY,
        plan.warmup.min(Duration::from_secs(1)),
    )
    .await?;
    run_hello(client, &url, CONCURRENCY, plan.baseline).await
}

async fn run_hello(
    client: &Client,
    url: &str,
    concurrency: usize,
    duration: Duration,
) -> Result<Rate, String> {
    until(concurrency, duration, |_, deadline| {
        let client = client.clone();
        let url = url.to_owned();
        async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let response = client
                    .get(&url)
                    .send()
                    .await
                    .map_err(|e| format!("GET {url}: {e}"))?;
                if !response.status().is_success() {
                    return Err(format!("GET {url}: {}", response.status()));
                }
                response
                    .bytes()
                    .await
                    .map_err(|e| format!("GET {url}: {e}"))?;
                latencies.push(sent.elapsed());
            }
            Ok(latencies)
        }
    })
    .await
}

/// The newest position the backend reports as applied (how many events this run wrote).
pub async fn head_position(client: &Client, base: &str) -> Result<Option<u64>, String> {
    let answer: Value = client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    Ok(answer.get("position").and_then(Value::as_u64))
}
