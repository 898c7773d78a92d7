//! A refusal in words about what the operator picked: what changed meanwhile (another console
//! landed the flight, renamed the passenger), and the passenger's name where the backend gave
//! an id the operator never sees.

use crate::client::{Client, ClientError};
use flightdeck_core::contract::{Flight, Passenger};

/// A refused change to `before`: the refusal, and what is different now from what the
/// operator saw.
pub async fn flight(client: &Client, before: &Flight, err: ClientError) -> ClientError {
    let ClientError::Refused(text) = err else {
        return err;
    };
    let changes = match client.flight(before.id).await {
        Ok(Some(now)) => flight_changes(before, &now),
        Ok(None) => vec![format!("flight {} was deleted", before.flight_number)],
        Err(_) => vec![],
    };
    ClientError::Refused(with_changes(text, &changes))
}

/// A refused change to a passenger, named rather than numbered; when the passenger is gone,
/// says so and why, if the reads tell.
pub async fn passenger(client: &Client, before: &Passenger, err: ClientError) -> ClientError {
    let ClientError::Refused(text) = err else {
        return err;
    };
    let name = &before.name;
    let id = before.id.to_string();
    let now = match client.passenger(before.id).await {
        Ok(Some(now)) => now,
        Ok(None) => {
            let why = match client.flight(before.flight_id).await {
                Ok(None) => format!("{name} is gone: their flight was deleted meanwhile"),
                _ => format!("{name} is gone: deleted meanwhile"),
            };
            return ClientError::Refused(why);
        }
        Err(_) => return ClientError::Refused(text),
    };
    let text = text
        .replace(
            &format!("passenger with id '{id}'"),
            &format!("passenger {name}"),
        )
        .replace(&id, name);
    let mut changes = Vec::new();
    if now.name != before.name {
        changes.push(format!("{name} was renamed {}", now.name));
    }
    if now.status != before.status {
        changes.push(format!(
            "{name} went from {} to {}",
            before.status.label(),
            now.status.label()
        ));
    }
    ClientError::Refused(with_changes(text, &changes))
}

fn flight_changes(before: &Flight, now: &Flight) -> Vec<String> {
    let number = &before.flight_number;
    let mut changes = Vec::new();
    if now.status != before.status {
        changes.push(format!(
            "{number} went from {} to {}",
            before.status.label(),
            now.status.label()
        ));
    }
    for (what, was, is) in [
        ("origin", &before.origin, &now.origin),
        ("destination", &before.destination, &now.destination),
        ("flight number", &before.flight_number, &now.flight_number),
    ] {
        if was != is {
            changes.push(format!("its {what} became {is}"));
        }
    }
    changes
}

fn with_changes(text: String, changes: &[String]) -> String {
    if changes.is_empty() {
        return text;
    }
    format!(
        "{}. Meanwhile {}",
        text.trim_end_matches('.'),
        changes.join(", ")
    )
}
