//! The tour without a screen: each step carried out through the console's own commands (the
//! same requests and read-backs the keys cause), each expectation polled on the read side until
//! it holds or its timeout passes. One line (or one JSON object) per step, a summary last.

use super::script::{audit_matches, Action, Expectation, Script, Step, StepKind};
use crate::client::{Client, ClientError};
use crate::counts;
use crate::msg::Command;
use crate::sender;
use flightdeck_core::checks;
use flightdeck_core::contract::{Flight, Passenger};
use flightdeck_core::PassengerCounts;
use serde_json::json;
use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The ids a script's names stand for, as the run binds them.
#[derive(Debug, Default)]
pub struct Bindings {
    pub ids: HashMap<String, Uuid>,
}

impl Bindings {
    fn id(&self, name: &str) -> Result<Uuid, String> {
        // The parser refuses unbound names; a name can still be unbound here when the step that
        // binds it failed, and then the run has already stopped.
        self.ids
            .get(name)
            .copied()
            .ok_or_else(|| format!("'{name}' was never bound"))
    }
}

/// What one step did.
#[derive(Debug, Clone)]
pub struct Report {
    pub number: usize,
    pub action: String,
    pub ok: bool,
    pub outcome: String,
    pub latency: Duration,
}

/// A flight as the console knows it: with its passenger counts.
async fn need_flight(client: &Client, id: Uuid, name: &str) -> Result<Flight, String> {
    client
        .flight_with_counts(id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("flight '{name}' is not there"))
}

async fn need_passenger(client: &Client, id: Uuid, name: &str) -> Result<Passenger, String> {
    client
        .passenger(id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("passenger '{name}' is not there"))
}

/// An action's outcome before it is judged against `refused`.
enum Acted {
    Done(String),
    /// Refused by the console's rules or by the server: the sentence the operator would see.
    Refused(String),
}

async fn act(client: &Client, names: &mut Bindings, action: &Action) -> Result<Acted, String> {
    let command = match action {
        Action::CreateFlight {
            origin,
            destination,
            number,
            ..
        } => Command::CreateFlight {
            origin: origin.clone(),
            destination: destination.clone(),
            flight_number: number.clone(),
            key: uuid::Uuid::new_v4(),
        },
        Action::EditFlight {
            flight,
            origin,
            destination,
            number,
        } => {
            let f = need_flight(client, names.id(flight)?, flight).await?;
            if let Err(why) = checks::change_details(&f.flight_number, f.status) {
                return Ok(Acted::Refused(why.to_string()));
            }
            Command::EditFlight {
                origin: origin.clone().unwrap_or_else(|| f.origin.to_string()),
                destination: destination
                    .clone()
                    .unwrap_or_else(|| f.destination.to_string()),
                flight_number: number
                    .clone()
                    .unwrap_or_else(|| f.flight_number.to_string()),
                flight: f,
            }
        }
        Action::AddPassenger { flight, name, .. } => {
            let f = need_flight(client, names.id(flight)?, flight).await?;
            if let Err(why) = checks::add_passenger(&f.flight_number, f.status) {
                return Ok(Acted::Refused(why.to_string()));
            }
            Command::AddPassenger {
                flight: f,
                name: name.clone(),
                key: uuid::Uuid::new_v4(),
            }
        }
        Action::Board { passenger } => {
            let p = need_passenger(client, names.id(passenger)?, passenger).await?;
            if let Err(why) = checks::board(&p.name, p.status) {
                return Ok(Acted::Refused(why.to_string()));
            }
            let flight = client
                .flight(p.flight_id)
                .await
                .ok()
                .flatten()
                .map(|f| f.flight_number.to_string())
                .unwrap_or_default();
            Command::Board {
                passenger: p,
                flight,
            }
        }
        Action::Rename { passenger, name } => {
            let p = need_passenger(client, names.id(passenger)?, passenger).await?;
            if let Err(why) = checks::rename(&p.name, p.status) {
                return Ok(Acted::Refused(why.to_string()));
            }
            Command::Rename {
                passenger: p,
                name: name.clone(),
            }
        }
        Action::Disembark { flight } => {
            let f = need_flight(client, names.id(flight)?, flight).await?;
            if let Err(why) = checks::disembark(&f.flight_number, f.status, counts::reported(&f)) {
                return Ok(Acted::Refused(why.to_string()));
            }
            Command::Disembark(f)
        }
        Action::Land { flight } => {
            let f = need_flight(client, names.id(flight)?, flight).await?;
            if let Err(why) = checks::land(&f.flight_number, f.status) {
                return Ok(Acted::Refused(why.to_string()));
            }
            Command::Land(f)
        }
        Action::Delete { flight } => {
            Command::Delete(need_flight(client, names.id(flight)?, flight).await?)
        }
    };
    let done = sender::send(client, command).await;
    match done.result {
        Ok(text) => {
            match action {
                Action::CreateFlight { bind, .. } => {
                    if let Some(id) = done.new_flight {
                        names.ids.insert(bind.clone(), id);
                    }
                }
                Action::AddPassenger { bind, .. } => {
                    if let Some(id) = done.new_passenger {
                        names.ids.insert(bind.clone(), id);
                    }
                }
                _ => {}
            }
            Ok(Acted::Done(text))
        }
        Err(ClientError::Refused(why)) => Ok(Acted::Refused(why)),
        Err(ClientError::Status { status, message }) if (400..500).contains(&status) => {
            Ok(Acted::Refused(format!("HTTP {status}: {message}")))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// What the read side shows for an expectation: `Ok(text)` when it holds, `Err(text)` with what
/// was seen instead.
async fn look(
    client: &Client,
    names: &Bindings,
    e: &Expectation,
) -> Result<Result<String, String>, String> {
    let read = |e: ClientError| e.to_string();
    Ok(match e {
        Expectation::FlightStatus { flight, status } => {
            match client.flight(names.id(flight)?).await.map_err(read)? {
                Some(f) if f.status == *status => {
                    Ok(format!("{} is {}", f.flight_number, status.label()))
                }
                Some(f) => Err(format!("{} is {}", f.flight_number, f.status.label())),
                None => Err(format!("flight '{flight}' is not there")),
            }
        }
        Expectation::PassengerStatus { passenger, status } => {
            match client.passenger(names.id(passenger)?).await.map_err(read)? {
                Some(p) if p.status == *status => Ok(format!("{} is {}", p.name, status.label())),
                Some(p) => Err(format!("{} is {}", p.name, p.status.label())),
                None => Err(format!("passenger '{passenger}' is not there")),
            }
        }
        Expectation::PassengerCount {
            flight,
            count,
            boarded,
        } => {
            let list = client
                .passengers_of(names.id(flight)?)
                .await
                .map_err(read)?;
            let counts = PassengerCounts::of(list.iter().map(|p| p.status));
            let on = counts.boarded as u32;
            let seen = format!("{} passengers, {on} boarded", counts.total);
            if counts.total as u32 == *count && boarded.is_none_or(|b| b == on) {
                Ok(seen)
            } else {
                Err(seen)
            }
        }
        Expectation::History {
            flight,
            events,
            last,
        } => {
            // As the console's view reads it: the history route, else the audit log folded.
            let story = crate::history::load(client, names.id(flight)?)
                .await
                .map_err(read)?;
            super::script::history_matches(&story.entries, *events, last.as_deref())
        }
        Expectation::Audit {
            about,
            event,
            status,
        } => {
            let id = names.id(about)?;
            let entries = client.audit_all().await.map_err(read)?;
            match entries
                .iter()
                .rev()
                .find(|en| audit_matches(en, id, event.as_deref(), *status))
            {
                Some(en) => Ok(format!(
                    "audit: {} #{}",
                    en.meta_data.event_name,
                    en.position
                        .map_or(en.event_number.to_string(), |p| p.to_string())
                )),
                None => Err(format!(
                    "no such entry among {} audit entries",
                    entries.len()
                )),
            }
        }
    })
}

/// Carries out one step; `Ok(outcome)` when it held, `Err(what was seen instead)`.
pub async fn play(client: &Client, names: &mut Bindings, step: &Step) -> Result<String, String> {
    match &step.kind {
        StepKind::Act { action, refused } => match (act(client, names, action).await?, refused) {
            (Acted::Done(text), false) => Ok(text),
            (Acted::Refused(why), true) => Ok(format!("refused: {why}")),
            (Acted::Done(text), true) => Err(format!(
                "expected a refusal, but it was carried out: {text}"
            )),
            (Acted::Refused(why), false) => Err(format!("refused: {why}")),
        },
        StepKind::Expect(e) => {
            // The read side may lag (the original services are eventually consistent): look
            // again, with growing pauses, until it holds or the time is up.
            let deadline = Instant::now() + step.timeout;
            let mut pause = Duration::from_millis(25);
            loop {
                let seen = match look(client, names, e).await {
                    Ok(Ok(text)) => return Ok(text),
                    Ok(Err(seen)) => seen,
                    Err(err) => err,
                };
                let now = Instant::now();
                if now >= deadline {
                    return Err(format!(
                        "saw {seen} after {:.1} s",
                        step.timeout.as_secs_f64()
                    ));
                }
                tokio::time::sleep(pause.min(deadline - now)).await;
                pause = (pause * 2).min(Duration::from_millis(250));
            }
        }
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

fn line(r: &Report) -> String {
    format!(
        "step {:>3}  {:<4}  {:<58}  {}  ({:.1} ms)",
        r.number,
        if r.ok { "ok" } else { "FAIL" },
        r.action,
        r.outcome,
        ms(r.latency)
    )
}

/// Plays the script, writing as it goes; true when every step held. Stops at the first step
/// that does not hold: later steps build on it.
pub async fn run(client: &Client, script: &Script, json: bool, out: &mut impl Write) -> bool {
    let started = Instant::now();
    let mut names = Bindings::default();
    let mut failed: Option<Report> = None;
    let mut passed = 0usize;
    for step in &script.steps {
        let t = Instant::now();
        let result = play(client, &mut names, step).await;
        let report = Report {
            number: step.number,
            action: step.say.clone(),
            ok: result.is_ok(),
            outcome: result.clone().unwrap_or_else(|seen| seen),
            latency: t.elapsed(),
        };
        let text = if json {
            json!({
                "step": report.number,
                "action": report.action,
                "ok": report.ok,
                "outcome": report.outcome,
                "latency_ms": ms(report.latency),
            })
            .to_string()
        } else {
            line(&report)
        };
        // A closed stdout (a pipe into head) ends the transcript, not the run's verdict.
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
        if report.ok {
            passed += 1;
        } else {
            failed = Some(report);
            break;
        }
    }
    let total = script.steps.len();
    let elapsed = started.elapsed();
    let text = if json {
        json!({
            "summary": true,
            "script": script.name,
            "steps": total,
            "passed": passed,
            "ok": failed.is_none(),
            "failed_step": failed.as_ref().map(|f| f.number),
            "failed_action": failed.as_ref().map(|f| f.action.clone()),
            "seen": failed.as_ref().map(|f| f.outcome.clone()),
            "elapsed_ms": ms(elapsed),
        })
        .to_string()
    } else {
        match &failed {
            None => format!(
                "summary: {} — all {total} steps held in {:.2} s",
                script.name,
                elapsed.as_secs_f64()
            ),
            Some(f) => format!(
                "summary: {} — FAILED at step {} ({}): {}; {passed} of {total} steps held",
                script.name, f.number, f.action, f.outcome
            ),
        }
    };
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
    failed.is_none()
}
