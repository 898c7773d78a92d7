//! An audit entry as the audit pane shows it: its time, a one-line summary of its data and the
//! text the filter searches, worked out once when the entry arrives.

use crate::list::fold;
use crate::text::one_line;
use flightdeck_core::contract::AuditEntry;
use flightdeck_core::{FlightStatus, PassengerStatus};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct AuditRow {
    pub entry: AuditEntry,
    pub time: String,
    pub summary: String,
    pub about_passenger: bool,
    /// What the filter looks in, folded.
    pub search: String,
}

impl AuditRow {
    /// `flights`: flight numbers by id, to name a passenger's flight.
    pub fn new(entry: AuditEntry, flights: &HashMap<Uuid, String>) -> Self {
        let about_passenger = entry
            .meta_data
            .event_name
            .to_lowercase()
            .ends_with("passenger");
        let time = short_time(&entry.created);
        let summary = summarize(&entry.data, flights);
        let search = fold(&format!(
            "{} {} {} {}",
            entry.meta_data.event_name, entry.event_type, summary, time
        ));
        Self {
            entry,
            time,
            summary,
            about_passenger,
            search,
        }
    }
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
pub fn summarize(data: &serde_json::Value, flights: &HashMap<Uuid, String>) -> String {
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
        let on = data
            .get("flightId")
            .and_then(|v| v.as_str())
            .and_then(|id| Uuid::parse_str(id).ok())
            .and_then(|id| flights.get(&id));
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
