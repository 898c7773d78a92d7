//! Carrying out a command: send it, then read back until its effect shows. A Flightdeck backend
//! answers only once its read model shows the change, so the first read confirms it; the
//! original services are eventually consistent, so there the reads go on, with growing pauses,
//! until the change shows or the time is up.

use crate::client::{Client, ClientError};
use crate::msg::{Command, Done};
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

fn put_flight(f: &Flight, status: FlightStatus) -> UpdateFlight {
    // The original overwrites every field on a PUT, so the current details go along.
    UpdateFlight {
        id: f.id,
        origin: Some(f.origin.clone()),
        destination: Some(f.destination.clone()),
        flight_number: Some(f.flight_number.clone()),
        status: Some(status.code()),
    }
}

async fn flight_with_status(
    client: &Client,
    id: uuid::Uuid,
    want: FlightStatus,
) -> Result<Option<Flight>, ClientError> {
    Ok(client.flight(id).await?.filter(|f| f.status == want))
}

/// A refusal that names the passenger by id, which the operator never sees, in words about
/// the passenger they picked; when the passenger is gone, says so and why, if the reads tell.
async fn name_the_passenger(
    client: &Client,
    passenger: &Passenger,
    err: ClientError,
) -> ClientError {
    let ClientError::Refused(text) = err else {
        return err;
    };
    let id = passenger.id.to_string();
    if !text.contains(&id) {
        return ClientError::Refused(text);
    }
    let name = &passenger.name;
    if let Ok(None) = client.passenger(passenger.id).await {
        let why = match client.flight(passenger.flight_id).await {
            Ok(None) => format!("{name} is gone: their flight was deleted meanwhile"),
            _ => format!("{name} is gone: deleted meanwhile"),
        };
        return ClientError::Refused(why);
    }
    ClientError::Refused(
        text.replace(
            &format!("passenger with id '{id}'"),
            &format!("passenger {name}"),
        )
        .replace(&id, name),
    )
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
            let body = UpdateFlight {
                id: flight.id,
                origin: Some(origin.clone()),
                destination: Some(destination.clone()),
                flight_number: Some(flight_number.clone()),
                status: Some(flight.status.code()),
            };
            match client.update_flight(&body).await {
                Ok(()) => settle(
                    &format!("the new details of {}", flight.flight_number),
                    || {
                        let (o, d, n) = (&origin, &destination, &flight_number);
                        async move {
                            Ok(client.flight(flight.id).await?.filter(|f| {
                                f.origin == *o && f.destination == *d && f.flight_number == *n
                            }))
                        }
                    },
                )
                .await
                .map(|f| done.flight = Some(f))
                .map(|()| format!("Flight {flight_number} updated ({origin} → {destination})")),
                Err(e) => Err(e),
            }
        }
        Command::Disembark(flight) => {
            match client
                .update_flight(&put_flight(&flight, FlightStatus::Disembarked))
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
                .update_flight(&put_flight(&flight, FlightStatus::Arrived))
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
            let body = UpdatePassenger {
                id: passenger.id,
                flight_id: Some(passenger.flight_id),
                name: Some(passenger.name.clone()),
                status: Some(PassengerStatus::Boarded.code()),
            };
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
                Err(e) => Err(name_the_passenger(client, &passenger, e).await),
            }
        }
        Command::Rename { passenger, name } => {
            let body = UpdatePassenger {
                id: passenger.id,
                flight_id: Some(passenger.flight_id),
                name: Some(name.clone()),
                status: Some(passenger.status.code()),
            };
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
                Err(e) => Err(name_the_passenger(client, &passenger, e).await),
            }
        }
    };
    done
}

#[cfg(all(test, feature = "embedded"))]
mod tests {
    use super::*;
    use crate::client::Endpoints;

    async fn backend() -> (crate::embedded::Embedded, Client, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let backend = crate::embedded::Embedded::start(dir.path(), None)
            .await
            .expect("the backend starts");
        let client =
            Client::new(Endpoints::from_api(&backend.api_url()).expect("url")).expect("client");
        (backend, client, dir)
    }

    async fn created(client: &Client) -> (Flight, Passenger) {
        let done = send(
            client,
            Command::CreateFlight {
                origin: "OSL".into(),
                destination: "BGO".into(),
                flight_number: "W2".into(),
                key: uuid::Uuid::new_v4(),
            },
        )
        .await;
        let flight = done.flight.expect("the flight shows");
        let done = send(
            client,
            Command::AddPassenger {
                flight: flight.clone(),
                name: "Vic".into(),
                key: uuid::Uuid::new_v4(),
            },
        )
        .await;
        (flight, done.passenger.expect("the passenger shows"))
    }

    #[tokio::test]
    async fn a_passenger_whose_flight_was_deleted_is_named_not_numbered() {
        let (backend, client, _dir) = backend().await;
        let (flight, vic) = created(&client).await;
        let deleted = send(&client, Command::Delete(flight)).await;
        assert!(deleted.result.is_ok(), "{deleted:?}");
        for command in [
            Command::Rename {
                passenger: vic.clone(),
                name: "Victor".into(),
            },
            Command::Board {
                passenger: vic.clone(),
                flight: "W2".into(),
            },
        ] {
            let err = send(&client, command).await.result.expect_err("refused");
            assert_eq!(
                err.to_string(),
                "Vic is gone: their flight was deleted meanwhile"
            );
        }
        backend.shutdown().await;
    }
}
