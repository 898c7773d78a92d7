//! Carrying out a command: send it, then read back until its effect shows. A Flightdeck backend
//! answers only once its read model shows the change, so the first read confirms it; the
//! original services are eventually consistent, so there the reads go on, with growing pauses,
//! until the change shows or the time is up.
//!
//! A Flightdeck backend changes only the fields a PUT names, so there a command sends only
//! what it changes: an edit made while another console boards the last passenger, or a
//! rename while it boards the same passenger, both hold. The original overwrites every
//! field on a PUT, so there every field goes, as last read.

use crate::client::{Client, ClientError, Dialect};
use crate::msg::{Command, Done};
use crate::probe;
use flightdeck_core::contract::{
    CreateFlight, CreatePassenger, Flight, Passenger, UpdateFlight, UpdatePassenger,
};
use flightdeck_core::{checks, FlightStatus, PassengerStatus};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// How long a change may take to show before the console says so.
pub const SETTLE_TIMEOUT: Duration = Duration::from_secs(15);

async fn settle<T, F, Fut>(what: &str, mut shows: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ClientError>>,
{
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    let mut pause = Duration::from_millis(50);
    loop {
        if let Some(seen) = shows().await? {
            return Ok(seen);
        }
        if Instant::now() >= deadline {
            return Err(ClientError::Unconfirmed(format!(
                "The server accepted {what}, but the change did not show within {} s",
                SETTLE_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

fn put_flight(f: &Flight, status: FlightStatus, dialect: Dialect) -> UpdateFlight {
    let keep = |value: &str| (dialect == Dialect::Original).then(|| value.to_owned());
    UpdateFlight {
        id: f.id,
        origin: keep(&f.origin),
        destination: keep(&f.destination),
        flight_number: keep(&f.flight_number),
        status: Some(status.code()),
    }
}

fn put_passenger(
    p: &Passenger,
    name: Option<&str>,
    status: Option<PassengerStatus>,
    dialect: Dialect,
) -> UpdatePassenger {
    let original = dialect == Dialect::Original;
    UpdatePassenger {
        id: p.id,
        flight_id: original.then_some(p.flight_id),
        name: name
            .map(str::to_owned)
            .or_else(|| original.then(|| p.name.clone())),
        status: status
            .map(PassengerStatus::code)
            .or_else(|| original.then(|| p.status.code())),
    }
}

async fn flight_with_status(
    client: &Client,
    id: uuid::Uuid,
    want: FlightStatus,
) -> Result<Option<Flight>, ClientError> {
    Ok(client.flight(id).await?.filter(|f| f.status == want))
}

pub async fn send(client: &Client, command: Command) -> Done {
    let mut done = Done {
        result: Ok(String::new()),
        new_flight: None,
        new_passenger: None,
        flight: None,
        passenger: None,
    };
    done.result = match command {
        Command::CreateFlight {
            origin,
            destination,
            flight_number,
            key,
        } => {
            let body = CreateFlight {
                origin: Some(origin.clone()),
                destination: Some(destination.clone()),
                flight_number: Some(flight_number.clone()),
            };
            match client.create_flight_once(&body, key).await {
                Ok(id) => {
                    done.new_flight = Some(id);
                    settle(&format!("flight {flight_number}"), || async move {
                        client.flight(id).await
                    })
                    .await
                    .map(|f: Flight| done.flight = Some(f))
                    .map(|()| format!("Flight {flight_number} created ({origin} → {destination})"))
                }
                Err(e) => Err(e),
            }
        }
        Command::EditFlight {
            flight,
            origin,
            destination,
            flight_number,
        } => {
            let dialect = probe::dialect(client).await;
            let changed = |new: &String, old: &str| {
                (dialect == Dialect::Original || new != old).then(|| new.clone())
            };
            let body = UpdateFlight {
                id: flight.id,
                origin: changed(&origin, &flight.origin),
                destination: changed(&destination, &flight.destination),
                flight_number: changed(&flight_number, &flight.flight_number),
                status: (dialect == Dialect::Original).then(|| flight.status.code()),
            };
            let unchanged =
                body.origin.is_none() && body.destination.is_none() && body.flight_number.is_none();
            if unchanged {
                return Done {
                    result: Ok(format!("Flight {} unchanged", flight.flight_number)),
                    ..done
                };
            }
            match client.update_flight(&body).await {
                Ok(()) => settle(
                    &format!("the new details of {}", flight.flight_number),
                    || {
                        let body = &body;
                        let shows = |want: &Option<String>, seen: &str| {
                            want.as_ref().is_none_or(|w| w == seen)
                        };
                        async move {
                            Ok(client.flight(flight.id).await?.filter(|f| {
                                shows(&body.origin, &f.origin)
                                    && shows(&body.destination, &f.destination)
                                    && shows(&body.flight_number, &f.flight_number)
                            }))
                        }
                    },
                )
                .await
                .map(|f| done.flight = Some(f))
                .map(|()| format!("Flight {flight_number} updated ({origin} → {destination})")),
                Err(e) => Err(meanwhile::flight(client, &flight, e).await),
            }
        }
        Command::Disembark(flight) => {
            match client
                .update_flight(&put_flight(
                    &flight,
                    FlightStatus::Disembarked,
                    probe::dialect(client).await,
                ))
                .await
            {
                Ok(()) => settle(&format!("disembarking {}", flight.flight_number), || {
                    flight_with_status(client, flight.id, FlightStatus::Disembarked)
                })
                .await
                .map(|f| done.flight = Some(f))
                .map(|()| format!("Flight {} disembarked", flight.flight_number)),
                Err(e) => Err(e),
            }
        }
        Command::Land(flight) => {
            match client
                .update_flight(&put_flight(
                    &flight,
                    FlightStatus::Arrived,
                    probe::dialect(client).await,
                ))
                .await
            {
                Ok(()) => settle(&format!("landing {}", flight.flight_number), || {
                    flight_with_status(client, flight.id, FlightStatus::Arrived)
                })
                .await
                .map(|f| done.flight = Some(f))
                .map(|()| {
                    format!(
                        "Flight {} landed; its passengers have arrived",
                        flight.flight_number
                    )
                }),
                Err(e) => Err(e),
            }
        }
        Command::Delete(flight) => match client.delete_flight(flight.id).await {
            Ok(()) => settle(&format!("deleting {}", flight.flight_number), || async {
                Ok(client.flight(flight.id).await?.is_none().then_some(()))
            })
            .await
            .map(|()| {
                format!(
                    "Flight {} deleted with its passengers",
                    flight.flight_number
                )
            }),
            Err(e) => Err(e),
        },
        Command::AddPassenger { flight, name, key } => {
            let body = CreatePassenger {
                name: Some(name.clone()),
                flight_id: Some(flight.id),
            };
            match client.create_passenger_once(&body, key).await {
                Ok(id) => {
                    done.new_passenger = Some(id);
                    settle(&format!("passenger {name}"), || async move {
                        client.passenger(id).await
                    })
                    .await
                    .map(|p: Passenger| done.passenger = Some(p))
                    .map(|()| format!("{name} checked in on {}", flight.flight_number))
                }
                Err(e) => Err(e),
            }
        }
        Command::Board { passenger, flight } => {
            let body = put_passenger(
                &passenger,
                None,
                Some(PassengerStatus::Boarded),
                probe::dialect(client).await,
            );
            match client.update_passenger(&body).await {
                Ok(()) => settle(&format!("boarding {}", passenger.name), || async {
                    Ok(client
                        .passenger(passenger.id)
                        .await?
                        .filter(|p| checks::has_boarded(p.status)))
                })
                .await
                .map(|p| done.passenger = Some(p))
                .map(|()| {
                    if flight.is_empty() {
                        format!("{} boarded", passenger.name)
                    } else {
                        format!("{} boarded {flight}", passenger.name)
                    }
                }),
                Err(e) => Err(meanwhile::passenger(client, &passenger, e).await),
            }
        }
        Command::Rename { passenger, name } => {
            let body = put_passenger(&passenger, Some(&name), None, probe::dialect(client).await);
            match client.update_passenger(&body).await {
                Ok(()) => settle(&format!("renaming {}", passenger.name), || {
                    let name = &name;
                    async move {
                        Ok(client
                            .passenger(passenger.id)
                            .await?
                            .filter(|p| p.name == *name))
                    }
                })
                .await
                .map(|p| done.passenger = Some(p))
                .map(|()| format!("{} is now {name}", passenger.name)),
                Err(e) => Err(meanwhile::passenger(client, &passenger, e).await),
            }
        }
    };
    done
}

mod meanwhile;

#[cfg(all(test, feature = "embedded"))]
mod tests;
