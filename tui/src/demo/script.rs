//! The script format: a TOML file whose `[[step]]` tables are the console's actions and the
//! expectations that prove their effect. Names given with `as` bind the ids that a create made,
//! so later steps can say `flight = "sk101"` instead of an id nobody knows in advance.
//!
//! A script's steps as the demo plays them; reading one from TOML is `parse`'s part.

use flightdeck_core::{FlightStatus, PassengerStatus};
use std::fmt;
use std::time::Duration;

/// How long an expectation waits for the read side when the script does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    pub name: String,
    /// Where it came from, for messages: a file path or "the built-in tour".
    pub source: String,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// From 1, as the transcript and the banner show it.
    pub number: usize,
    pub kind: StepKind,
    /// What the banner says; made from the step when the script gives no `say`.
    pub say: String,
    pub timeout: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    /// `refused`: the step holds only when the action is refused (by the console's rules or the
    /// server), which is how a tour shows a refusal.
    Act {
        action: Action,
        refused: bool,
    },
    Expect(Expectation),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    CreateFlight {
        bind: String,
        origin: String,
        destination: String,
        number: String,
    },
    EditFlight {
        flight: String,
        origin: Option<String>,
        destination: Option<String>,
        number: Option<String>,
    },
    AddPassenger {
        bind: String,
        flight: String,
        name: String,
    },
    Board {
        passenger: String,
    },
    Rename {
        passenger: String,
        name: String,
    },
    Disembark {
        flight: String,
    },
    Land {
        flight: String,
    },
    Delete {
        flight: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    FlightStatus {
        flight: String,
        status: FlightStatus,
    },
    PassengerStatus {
        passenger: String,
        status: PassengerStatus,
    },
    PassengerCount {
        flight: String,
        count: u32,
        boarded: Option<u32>,
    },
    /// An audit entry about the named flight or passenger, optionally with an event name that
    /// contains `event` and a status in its data.
    Audit {
        about: String,
        event: Option<String>,
        status: Option<i64>,
    },
    /// The flight's history: `events` entries, the last named with `last` in it.
    History {
        flight: String,
        events: Option<u32>,
        last: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    pub file: String,
    pub step: Option<usize>,
    pub problem: String,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Some(n) => write!(f, "{}: step {n}: {}", self.file, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

impl std::error::Error for ScriptError {}

/// The banner line of a step that has no `say`.
pub fn describe(kind: &StepKind) -> String {
    match kind {
        StepKind::Act { action, refused } => {
            let text = match action {
                Action::CreateFlight {
                    origin,
                    destination,
                    number,
                    ..
                } => format!("Create flight {number} {origin} → {destination}"),
                Action::EditFlight { flight, .. } => format!("Edit flight {flight}"),
                Action::AddPassenger { flight, name, .. } => format!("Add {name} to {flight}"),
                Action::Board { passenger } => format!("Board {passenger}"),
                Action::Rename { passenger, name } => format!("Rename {passenger} to {name}"),
                Action::Disembark { flight } => format!("Disembark {flight}"),
                Action::Land { flight } => format!("Land {flight}"),
                Action::Delete { flight } => format!("Delete {flight}"),
            };
            if *refused {
                format!("{text} (expect a refusal)")
            } else {
                text
            }
        }
        StepKind::Expect(e) => match e {
            Expectation::FlightStatus { flight, status } => {
                format!("Expect {flight} to be {}", status.label())
            }
            Expectation::PassengerStatus { passenger, status } => {
                format!("Expect {passenger} to be {}", status.label())
            }
            Expectation::PassengerCount {
                flight,
                count,
                boarded,
            } => match boarded {
                Some(b) => format!("Expect {flight} to have {count} passengers, {b} boarded"),
                None => format!("Expect {flight} to have {count} passengers"),
            },
            Expectation::History {
                flight,
                events,
                last,
            } => {
                let mut text = format!("Expect the history of {flight}");
                if let Some(n) = events {
                    text.push_str(&format!(" to hold {n} events"));
                }
                if let Some(l) = last {
                    text.push_str(&format!(", the last '{l}'"));
                }
                text
            }
            Expectation::Audit { about, event, .. } => match event {
                Some(e) => format!("Expect an audit entry '{e}' about {about}"),
                None => format!("Expect an audit entry about {about}"),
            },
        },
    }
}

/// Whether an audit entry is the one an expectation looks for: about the entity with this id,
/// with the event name and status asked for. Flightdeck and the original name events
/// differently ("Board passenger" / "Update passenger"), so a portable script matches the data.
pub fn audit_matches(
    entry: &flightdeck_core::contract::AuditEntry,
    id: uuid::Uuid,
    event: Option<&str>,
    status: Option<i64>,
) -> bool {
    let data_id = entry
        .data
        .get("id")
        .and_then(|v| v.as_str())
        .and_then(|s| uuid::Uuid::parse_str(s).ok());
    if data_id != Some(id) {
        return false;
    }
    if let Some(e) = event {
        if !entry
            .meta_data
            .event_name
            .to_lowercase()
            .contains(&e.to_lowercase())
        {
            return false;
        }
    }
    match status {
        Some(want) => entry.data.get("status").and_then(|v| v.as_i64()) == Some(want),
        None => true,
    }
}

/// Whether a flight's history is what a `history` expectation asks: `Ok` with what it holds,
/// else `Err` with what it holds instead.
pub fn history_matches(
    entries: &[flightdeck_core::contract::HistoryEntry],
    events: Option<u32>,
    last: Option<&str>,
) -> Result<String, String> {
    let newest = entries.last().map_or("", |e| e.event_name.as_str());
    let seen = format!("{} events, the last '{newest}'", entries.len());
    let count_holds = events.is_none_or(|n| entries.len() == n as usize);
    let last_holds = last
        .is_none_or(|l| !newest.is_empty() && newest.to_lowercase().contains(&l.to_lowercase()));
    if count_holds && last_holds {
        Ok(format!("history: {seen}"))
    } else {
        Err(format!("the history holds {seen}"))
    }
}
