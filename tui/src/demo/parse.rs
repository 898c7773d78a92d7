//! Reading a script: a TOML file checked whole before anything runs. An unknown action, a
//! misspelt field, a name never bound, a status word that means nothing are all refused with the
//! file and the step.

use super::script::{
    describe, Action, Expectation, Script, ScriptError, Step, StepKind, DEFAULT_TIMEOUT,
};
use flightdeck_core::{FlightStatus, PassengerStatus};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use toml::{Table, Value};

/// What a bound name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Flight,
    Passenger,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Self::Flight => "a flight",
            Self::Passenger => "a passenger",
        }
    }
}

const ACTIONS: &[&str] = &[
    "create_flight",
    "edit_flight",
    "add_passenger",
    "board",
    "rename",
    "disembark",
    "land",
    "delete",
];
const EXPECTATIONS: &[&str] = &[
    "flight_status",
    "passenger_status",
    "passenger_count",
    "audit",
    "history",
];
/// Every step may carry these besides its own fields.
const COMMON: &[&str] = &["action", "expect", "say", "timeout"];

pub fn load(path: &Path) -> Result<Script, ScriptError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScriptError {
        file: file.clone(),
        step: None,
        problem: format!("cannot read the script: {e}"),
    })?;
    parse(&file, &text)
}

pub fn parse(file: &str, text: &str) -> Result<Script, ScriptError> {
    let whole = |problem: String| ScriptError {
        file: file.to_owned(),
        step: None,
        problem,
    };
    let table: Table = text
        .parse()
        .map_err(|e: toml::de::Error| whole(format!("not valid TOML: {}", e.to_string().trim())))?;
    for key in table.keys() {
        if !["name", "timeout", "step"].contains(&key.as_str()) {
            return Err(whole(format!(
                "unknown top-level key '{key}'; a script has name, timeout and [[step]] tables"
            )));
        }
    }
    let name = match table.get("name") {
        None => file.to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(whole("'name' must be a string".to_owned())),
    };
    let timeout = match table.get("timeout") {
        None => DEFAULT_TIMEOUT,
        Some(v) => duration(v).map_err(|p| whole(format!("'timeout': {p}")))?,
    };
    let steps = match table.get("step") {
        Some(Value::Array(steps)) if !steps.is_empty() => steps,
        Some(Value::Array(_)) | None => {
            return Err(whole(
                "the script has no steps; add [[step]] tables".to_owned(),
            ))
        }
        Some(_) => {
            return Err(whole(
                "'step' must be an array of [[step]] tables".to_owned(),
            ))
        }
    };
    let mut names: HashMap<String, (Kind, usize)> = HashMap::new();
    let mut out = Vec::with_capacity(steps.len());
    for (i, value) in steps.iter().enumerate() {
        let number = i + 1;
        let Value::Table(t) = value else {
            return Err(ScriptError {
                file: file.to_owned(),
                step: Some(number),
                problem: "a step must be a table ([[step]])".to_owned(),
            });
        };
        let step = StepReader {
            t,
            names: &mut names,
            number,
        }
        .read(timeout)
        .map_err(|problem| ScriptError {
            file: file.to_owned(),
            step: Some(number),
            problem,
        })?;
        out.push(step);
    }
    Ok(Script {
        name,
        source: file.to_owned(),
        steps: out,
    })
}

/// A duration as the script writes it: "500ms", "2s", "1.5s", or a number of seconds.
fn duration(v: &Value) -> Result<Duration, String> {
    let seconds = match v {
        Value::Integer(n) => *n as f64,
        Value::Float(x) => *x,
        Value::String(s) => {
            let s = s.trim();
            let parsed = if let Some(ms) = s.strip_suffix("ms") {
                ms.trim().parse::<f64>().map(|v| v / 1000.0)
            } else {
                s.strip_suffix('s').unwrap_or(s).trim().parse::<f64>()
            };
            parsed
                .map_err(|_| format!("'{s}' is not a duration; write e.g. \"500ms\" or \"10s\""))?
        }
        _ => return Err("a duration is a string like \"10s\" or a number of seconds".to_owned()),
    };
    if !(0.01..=3600.0).contains(&seconds) {
        return Err(format!(
            "{seconds} s is out of range; use between 10ms and 3600s"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Status words are forgiving about case, spaces, dashes and underscores.
fn word(s: &str) -> String {
    s.to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn flight_status(s: &str) -> Option<FlightStatus> {
    match word(s).as_str() {
        "waiting for boarding" | "waiting" => Some(FlightStatus::WaitingForBoarding),
        "all boarded" | "allboarded" => Some(FlightStatus::AllBoarded),
        "disembarked" => Some(FlightStatus::Disembarked),
        "arrived" => Some(FlightStatus::Arrived),
        _ => None,
    }
}

pub fn passenger_status(s: &str) -> Option<PassengerStatus> {
    match word(s).as_str() {
        "checked in" | "checkedin" => Some(PassengerStatus::CheckedIn),
        "boarded" => Some(PassengerStatus::Boarded),
        "arrived" => Some(PassengerStatus::Arrived),
        _ => None,
    }
}

struct StepReader<'a> {
    t: &'a Table,
    names: &'a mut HashMap<String, (Kind, usize)>,
    number: usize,
}

impl StepReader<'_> {
    fn read(mut self, default_timeout: Duration) -> Result<Step, String> {
        let action = self.opt_str("action")?;
        let expect = self.opt_str("expect")?;
        let (what, fields): (String, &[&str]) = match (&action, &expect) {
            (Some(_), Some(_)) => {
                return Err("a step has either 'action' or 'expect', not both".to_owned())
            }
            (None, None) => {
                return Err(format!(
                    "the step has neither 'action' nor 'expect'; actions: {}; expectations: {}",
                    ACTIONS.join(", "),
                    EXPECTATIONS.join(", ")
                ))
            }
            (Some(a), None) => {
                let fields: &[&str] = match a.as_str() {
                    "create_flight" => &["as", "origin", "destination", "number", "refused"],
                    "edit_flight" => &["flight", "origin", "destination", "number", "refused"],
                    "add_passenger" => &["as", "flight", "name", "refused"],
                    "board" | "disembark" | "land" | "delete" => {
                        &["flight", "passenger", "refused"]
                    }
                    "rename" => &["passenger", "name", "refused"],
                    other => {
                        return Err(format!(
                            "unknown action '{other}'; the actions are {}",
                            ACTIONS.join(", ")
                        ))
                    }
                };
                (a.clone(), fields)
            }
            (None, Some(e)) => {
                let fields: &[&str] = match e.as_str() {
                    "flight_status" => &["flight", "status"],
                    "passenger_status" => &["passenger", "status"],
                    "passenger_count" => &["flight", "count", "boarded"],
                    "audit" => &["about", "event", "status"],
                    "history" => &["flight", "events", "last"],
                    other => {
                        return Err(format!(
                            "unknown expectation '{other}'; the expectations are {}",
                            EXPECTATIONS.join(", ")
                        ))
                    }
                };
                (e.clone(), fields)
            }
        };
        for key in self.t.keys() {
            if !COMMON.contains(&key.as_str()) && !fields.contains(&key.as_str()) {
                return Err(format!(
                    "unknown field '{key}' for {what}; its fields are {}",
                    fields.join(", ")
                ));
            }
        }
        let timeout = match self.t.get("timeout") {
            None => default_timeout,
            Some(v) => duration(v).map_err(|p| format!("'timeout': {p}"))?,
        };
        let refused = match self.t.get("refused") {
            None => false,
            Some(Value::Boolean(b)) => *b,
            Some(_) => return Err("'refused' must be true or false".to_owned()),
        };
        let kind = if action.is_some() {
            let action = self.action(&what)?;
            StepKind::Act { action, refused }
        } else {
            StepKind::Expect(self.expectation(&what)?)
        };
        let say = match self.opt_str("say")? {
            Some(say) => say,
            None => describe(&kind),
        };
        Ok(Step {
            number: self.number,
            kind,
            say,
            timeout,
        })
    }

    fn opt_str(&self, key: &str) -> Result<Option<String>, String> {
        match self.t.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("'{key}' must be a string")),
        }
    }

    fn text(&self, key: &str, what: &str) -> Result<String, String> {
        match self.opt_str(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => Err(format!("'{key}' of {what} must not be empty")),
            None => Err(format!("{what} needs '{key}'")),
        }
    }

    fn optional_text(&self, key: &str, what: &str) -> Result<Option<String>, String> {
        match self.opt_str(key)? {
            Some(s) if s.trim().is_empty() => Err(format!("'{key}' of {what} must not be empty")),
            other => Ok(other),
        }
    }

    /// A name bound by an earlier step, of the kind this field needs.
    fn bound(&self, key: &str, kind: Kind, what: &str) -> Result<String, String> {
        let name = self.text(key, what)?;
        self.check_bound(&name, Some(kind))?;
        Ok(name)
    }

    fn check_bound(&self, name: &str, kind: Option<Kind>) -> Result<Kind, String> {
        match self.names.get(name) {
            None => Err(format!(
                "unbound name '{name}': no earlier step binds it with 'as'"
            )),
            Some((bound, at)) => match kind {
                Some(want) if want != *bound => Err(format!(
                    "'{name}' is {} (bound at step {at}), not {}",
                    bound.word(),
                    want.word()
                )),
                _ => Ok(*bound),
            },
        }
    }

    fn bind(&mut self, what: &str, kind: Kind) -> Result<String, String> {
        let name = self.text("as", what)?;
        if let Some((_, at)) = self.names.get(&name) {
            return Err(format!("'{name}' is already bound at step {at}"));
        }
        self.names.insert(name.clone(), (kind, self.number));
        Ok(name)
    }

    fn action(&mut self, what: &str) -> Result<Action, String> {
        Ok(match what {
            "create_flight" => {
                let origin = self.text("origin", what)?;
                let destination = self.text("destination", what)?;
                let number = self.text("number", what)?;
                Action::CreateFlight {
                    bind: self.bind(what, Kind::Flight)?,
                    origin,
                    destination,
                    number,
                }
            }
            "edit_flight" => {
                let action = Action::EditFlight {
                    flight: self.bound("flight", Kind::Flight, what)?,
                    origin: self.optional_text("origin", what)?,
                    destination: self.optional_text("destination", what)?,
                    number: self.optional_text("number", what)?,
                };
                if let Action::EditFlight {
                    origin: None,
                    destination: None,
                    number: None,
                    ..
                } = action
                {
                    return Err(format!(
                        "{what} changes nothing; give origin, destination or number"
                    ));
                }
                action
            }
            "add_passenger" => {
                let flight = self.bound("flight", Kind::Flight, what)?;
                let name = self.text("name", what)?;
                Action::AddPassenger {
                    bind: self.bind(what, Kind::Passenger)?,
                    flight,
                    name,
                }
            }
            "rename" => Action::Rename {
                passenger: self.bound("passenger", Kind::Passenger, what)?,
                name: self.text("name", what)?,
            },
            "board" => {
                self.only("passenger", "flight", what)?;
                Action::Board {
                    passenger: self.bound("passenger", Kind::Passenger, what)?,
                }
            }
            _ => {
                self.only("flight", "passenger", what)?;
                let flight = self.bound("flight", Kind::Flight, what)?;
                match what {
                    "disembark" => Action::Disembark { flight },
                    "land" => Action::Land { flight },
                    _ => Action::Delete { flight },
                }
            }
        })
    }

    fn only(&self, wanted: &str, other: &str, what: &str) -> Result<(), String> {
        if self.t.contains_key(other) {
            return Err(format!("{what} takes '{wanted}', not '{other}'"));
        }
        Ok(())
    }

    fn expectation(&mut self, what: &str) -> Result<Expectation, String> {
        Ok(match what {
            "flight_status" => {
                let flight = self.bound("flight", Kind::Flight, what)?;
                let raw = self.text("status", what)?;
                let status = flight_status(&raw).ok_or_else(|| {
                    format!(
                        "bad status word '{raw}' for a flight; use waiting for boarding, \
                         all boarded, disembarked or arrived"
                    )
                })?;
                Expectation::FlightStatus { flight, status }
            }
            "passenger_status" => {
                let passenger = self.bound("passenger", Kind::Passenger, what)?;
                let raw = self.text("status", what)?;
                let status = passenger_status(&raw).ok_or_else(|| {
                    format!(
                        "bad status word '{raw}' for a passenger; use checked in, boarded or arrived"
                    )
                })?;
                Expectation::PassengerStatus { passenger, status }
            }
            "passenger_count" => {
                let flight = self.bound("flight", Kind::Flight, what)?;
                let count = self
                    .count("count")?
                    .ok_or_else(|| format!("{what} needs 'count'"))?;
                let boarded = self.count("boarded")?;
                Expectation::PassengerCount {
                    flight,
                    count,
                    boarded,
                }
            }
            "history" => Expectation::History {
                flight: self.bound("flight", Kind::Flight, what)?,
                events: self.count("events")?,
                last: self.optional_text("last", what)?,
            },
            _ => {
                let about = self.text("about", what)?;
                let kind = self.check_bound(&about, None)?;
                let event = self.optional_text("event", what)?;
                let status = match self.opt_str("status")? {
                    None => None,
                    Some(raw) => Some(
                        match kind {
                            Kind::Flight => flight_status(&raw).map(FlightStatus::code),
                            Kind::Passenger => passenger_status(&raw).map(PassengerStatus::code),
                        }
                        .ok_or_else(|| format!("bad status word '{raw}' for {}", kind.word()))?,
                    ),
                };
                Expectation::Audit {
                    about,
                    event,
                    status,
                }
            }
        })
    }

    fn count(&self, key: &str) -> Result<Option<u32>, String> {
        match self.t.get(key) {
            None => Ok(None),
            Some(Value::Integer(n)) => u32::try_from(*n)
                .map(Some)
                .map_err(|_| format!("'{key}' must be a whole number from 0")),
            Some(_) => Err(format!("'{key}' must be a whole number")),
        }
    }
}
