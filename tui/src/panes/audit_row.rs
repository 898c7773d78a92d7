//! An audit entry as the audit pane shows it: its time, a one-line summary of its data and the
//! text the filter searches, worked out once when the entry arrives.

use crate::list::fold;
use crate::text::one_line;
use flightdeck_core::contract::AuditEntry;
use flightdeck_core::{FlightStatus, PassengerStatus};
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct AuditRow {
    pub entry: AuditEntry,
    pub time: String,
    pub summary: String,
    pub about_passenger: bool,
    /// What the filter looks in, folded.
    pub search: String,
    /// The passenger's flight when no flight number for it was known yet: the summary is
    /// completed once one is.
    pub unnamed_flight: Option<Uuid>,
}

impl AuditRow {
    /// `flights`: flight numbers by id, to name a passenger's flight.
    pub fn new(entry: AuditEntry, flights: &impl Fn(Uuid) -> Option<String>) -> Self {
        let about_passenger = entry
            .meta_data
            .event_name
            .to_lowercase()
            .ends_with("passenger");
        let time = short_time(&entry.created);
        let mut row = Self {
            entry,
            time,
            summary: String::new(),
            about_passenger,
            search: String::new(),
            unnamed_flight: None,
        };
        row.summarize(flights);
        row
    }

    /// Works the summary out again with the flight numbers known now.
    pub fn summarize(&mut self, flights: &impl Fn(Uuid) -> Option<String>) {
        let entry = &self.entry;
        self.summary = summarize(&entry.data, flights);
        self.search = fold(&format!(
            "{} {} {} {}",
            entry.meta_data.event_name, entry.event_type, self.summary, self.time
        ));
        self.unnamed_flight = (entry.data.get("name").is_some()
            && entry.data.get("flightNumber").is_none())
        .then(|| passenger_flight(&entry.data))
        .flatten()
        .filter(|id| flights(*id).is_none());
    }
}

/// The flight an entry about a passenger names.
fn passenger_flight(data: &serde_json::Value) -> Option<Uuid> {
    data.get("flightId")
        .and_then(|v| v.as_str())
        .and_then(|id| Uuid::parse_str(id).ok())
}

/// The flight number an entry about a flight gives, with the flight's id.
pub fn flight_named(data: &serde_json::Value) -> Option<(Uuid, String)> {
    let number = data.get("flightNumber")?.as_str()?;
    let id = Uuid::parse_str(data.get("id")?.as_str()?).ok()?;
    Some((id, one_line(number)))
}

/// The position in the whole log where the backend gives one: it orders entries across flights
/// and is the live stream's id. An original deployment has only the per-stream event number.
pub fn number(entry: &AuditEntry) -> String {
    entry
        .position
        .map_or_else(|| entry.event_number.to_string(), |p| p.to_string())
}

/// `HH:MM:SS` out of an ISO 8601 time, else the text as it came.
pub fn short_time(created: &str) -> String {
    let time = created.split_once('T').map_or(created, |(_, t)| t);
    let hms: String = time.chars().take(8).collect();
    let looks_right = hms.len() == 8
        && hms.chars().enumerate().all(|(i, c)| {
            if i == 2 || i == 5 {
                c == ':'
            } else {
                c.is_ascii_digit()
            }
        });
    if looks_right {
        hms
    } else {
        created.chars().take(19).collect()
    }
}

/// One line about an audit entry's data: a flight, a passenger, or a bare id.
pub fn summarize(data: &serde_json::Value, flights: &impl Fn(Uuid) -> Option<String>) -> String {
    let text = |k: &str| data.get(k).and_then(|v| v.as_str()).map(one_line);
    let status = data.get("status").and_then(|v| v.as_i64());
    if let Some(number) = text("flightNumber") {
        let mut s = format!(
            "{number} {} → {}",
            text("origin").unwrap_or_default(),
            text("destination").unwrap_or_default()
        );
        if let Some(st) = status.and_then(FlightStatus::from_code) {
            s.push_str(" · ");
            s.push_str(st.label());
        }
        return s;
    }
    if let Some(name) = text("name") {
        let mut s = name;
        let on = passenger_flight(data).and_then(flights);
        if let Some(number) = on {
            s.push_str(&format!(" on {number}"));
        }
        if let Some(st) = status.and_then(PassengerStatus::from_code) {
            s.push_str(" · ");
            s.push_str(st.label());
        }
        return s;
    }
    for key in ["id", "passengerId", "flightId"] {
        if let Some(id) = text(key) {
            return format!("{key} {id}");
        }
    }
    one_line(&data.to_string())
}
