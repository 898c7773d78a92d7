//! The tour's shape at scale: N flights, M passengers each, worked by C operators at once. Each
//! operator takes the next flight and carries it through create, check-in, boarding one by one,
//! disembark, land and delete, timing every command from request to confirmed read-back.

use crate::client::Client;
use crate::msg::{Command, Done};
use crate::sender;
use flightdeck_core::contract::Flight;
use flightdeck_core::FlightStatus;
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub struct Shape {
    pub flights: u32,
    pub passengers: u32,
    pub concurrency: u32,
}

/// How long a flight may take to show All boarded after its last boarding.
const ALL_BOARDED_TIMEOUT: Duration = Duration::from_secs(15);

struct Operator {
    client: Client,
    latencies: Vec<Duration>,
}

impl Operator {
    async fn command(&mut self, command: Command) -> Result<Done, String> {
        let what = command.describe();
        let t = Instant::now();
        let done = sender::send(&self.client, command).await;
        self.latencies.push(t.elapsed());
        match &done.result {
            Ok(_) => Ok(done),
            Err(e) => Err(format!("{what}: {e}")),
        }
    }

    async fn fly(&mut self, n: u32, passengers: u32) -> Result<(), String> {
        let number = format!("LD{n:05}");
        let done = self
            .command(Command::CreateFlight {
                origin: "ARN".to_owned(),
                destination: "CPH".to_owned(),
                flight_number: number.clone(),
                key: Uuid::new_v4(),
            })
            .await?;
        let mut flight = done
            .flight
            .ok_or_else(|| format!("flight {number} was not read back"))?;
        let mut manifest = Vec::new();
        for i in 0..passengers {
            let done = self
                .command(Command::AddPassenger {
                    flight: flight.clone(),
                    name: format!("Passenger {i} of {number}"),
                    key: Uuid::new_v4(),
                })
                .await?;
            manifest.push(
                done.passenger
                    .ok_or_else(|| format!("a passenger of {number} was not read back"))?,
            );
        }
        // One at a time, each confirmed before the next: the original's all-boarded check
        // reads a lagging read model and misses boardings it cannot see yet.
        for p in manifest {
            self.command(Command::Board {
                passenger: p,
                flight: number.clone(),
            })
            .await?;
        }
        if passengers >= 2 {
            flight = self.all_boarded(flight.id, &number).await?;
        } else {
            // A single passenger never turns an original flight All boarded; the console lets
            // it disembark by its counts, and so does this run.
            flight.passenger_count = Some(passengers);
            flight.boarded_count = Some(passengers);
        }
        let done = self.command(Command::Disembark(flight.clone())).await?;
        let flight = done.flight.unwrap_or(flight);
        let done = self.command(Command::Land(flight.clone())).await?;
        let flight = done.flight.unwrap_or(flight);
        self.command(Command::Delete(flight)).await?;
        Ok(())
    }

    async fn all_boarded(&self, id: Uuid, number: &str) -> Result<Flight, String> {
        let deadline = Instant::now() + ALL_BOARDED_TIMEOUT;
        let mut pause = Duration::from_millis(10);
        loop {
            let seen = self.client.flight(id).await.map_err(|e| e.to_string())?;
            match seen {
                Some(f) if f.status == FlightStatus::AllBoarded => return Ok(f),
                other => {
                    if Instant::now() >= deadline {
                        return Err(format!(
                            "{number} did not turn All boarded within {} s (it is {})",
                            ALL_BOARDED_TIMEOUT.as_secs(),
                            other.map_or("gone", |f| f.status.label())
                        ));
                    }
                }
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank: the smallest value with at least p of the samples at or below it.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Runs the load and prints its figures; true when every flight made it through.
pub async fn run(client: &Client, shape: Shape, json: bool, out: &mut impl Write) -> bool {
    let next = Arc::new(AtomicU32::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..shape.concurrency.min(shape.flights).max(1) {
        let next = next.clone();
        let mut op = Operator {
            client: client.clone(),
            latencies: Vec::new(),
        };
        let (flights, passengers) = (shape.flights, shape.passengers);
        tasks.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= flights {
                    break;
                }
                if let Err(e) = op.fly(n + 1, passengers).await {
                    failures.push(e);
                }
            }
            (op.latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    for task in tasks {
        match task.await {
            Ok((l, f)) => {
                latencies.extend(l);
                failures.extend(f);
            }
            Err(e) => failures.push(format!("an operator stopped: {e}")),
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let commands = latencies.len();
    let throughput = commands as f64 / elapsed.as_secs_f64().max(1e-9);
    let (p50, p90, p99) = (
        percentile(&latencies, 50.0),
        percentile(&latencies, 90.0),
        percentile(&latencies, 99.0),
    );
    let max = latencies.last().copied().unwrap_or_default();
    for f in failures.iter().take(5) {
        let _ = writeln!(out, "failed: {f}");
    }
    let ok = failures.is_empty();
    let text = if json {
        serde_json::json!({
            "summary": true,
            "flights": shape.flights,
            "passengers": shape.passengers,
            "concurrency": shape.concurrency,
            "commands": commands,
            "failed_flights": failures.len(),
            "elapsed_ms": elapsed.as_secs_f64() * 1000.0,
            "commands_per_s": throughput,
            "p50_ms": p50.as_secs_f64() * 1000.0,
            "p90_ms": p90.as_secs_f64() * 1000.0,
            "p99_ms": p99.as_secs_f64() * 1000.0,
            "max_ms": max.as_secs_f64() * 1000.0,
            "ok": ok,
        })
        .to_string()
    } else {
        format!(
            "load: {} flights × {} passengers by {} operators: {commands} commands in {:.2} s, \
             {throughput:.1} commands/s; latency p50 {} p90 {} p99 {} max {}; {}",
            shape.flights,
            shape.passengers,
            shape.concurrency,
            elapsed.as_secs_f64(),
            ms(p50),
            ms(p90),
            ms(p99),
            ms(max),
            if ok {
                "every flight made it through".to_owned()
            } else {
                format!("{} flights FAILED", failures.len())
            }
        )
    };
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&v[..1], 90.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }
}
