//! Commands against the real backend, embedded: what they send and what they say.

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

async fn board(client: &Client, passenger: &Passenger) {
    let done = send(
        client,
        Command::Board {
            passenger: passenger.clone(),
            flight: String::new(),
        },
    )
    .await;
    assert!(done.result.is_ok(), "{done:?}");
}

fn edit(flight: &Flight, destination: &str) -> Command {
    Command::EditFlight {
        flight: flight.clone(),
        origin: flight.origin.to_string(),
        destination: destination.into(),
        flight_number: flight.flight_number.to_string(),
    }
}

/// Each console acts on the flight or passenger as it last read it, while another changes
/// something else about it: only what the operator changed is sent, so both changes hold.
#[tokio::test]
async fn changes_racing_another_consoles_change_to_something_else_both_hold() {
    let (backend, client, _dir) = backend().await;

    // An edit while the last passenger boards.
    let (flight, vic) = created(&client).await;
    board(&client, &vic).await;
    let done = send(&client, edit(&flight, "TRD")).await;
    assert!(done.result.is_ok(), "{done:?}");
    let now = client.flight(flight.id).await.unwrap().unwrap();
    assert_eq!(
        (now.destination.as_str(), now.status),
        ("TRD", FlightStatus::AllBoarded)
    );

    // A disembark while the destination is edited.
    let done = send(&client, edit(&now, "SVG")).await;
    assert!(done.result.is_ok(), "{done:?}");
    let done = send(&client, Command::Disembark(now.clone())).await;
    assert!(done.result.is_ok(), "{done:?}");
    let now = client.flight(flight.id).await.unwrap().unwrap();
    assert_eq!(
        (now.destination.as_str(), now.status),
        ("SVG", FlightStatus::Disembarked)
    );

    // A rename while the passenger boards, and a boarding while the passenger is renamed.
    let (_, ann) = created(&client).await;
    board(&client, &ann).await;
    let done = send(
        &client,
        Command::Rename {
            passenger: ann.clone(),
            name: "Ann Lee".into(),
        },
    )
    .await;
    assert!(done.result.is_ok(), "{done:?}");
    let (_, bo) = created(&client).await;
    let done = send(
        &client,
        Command::Rename {
            passenger: bo.clone(),
            name: "Bo Berg".into(),
        },
    )
    .await;
    assert!(done.result.is_ok(), "{done:?}");
    board(&client, &bo).await;
    for (who, name) in [(&ann, "Ann Lee"), (&bo, "Bo Berg")] {
        let now = client.passenger(who.id).await.unwrap().unwrap();
        assert_eq!(
            (now.name.as_str(), now.status),
            (name, PassengerStatus::Boarded)
        );
    }
    backend.shutdown().await;
}

#[tokio::test]
async fn a_change_that_still_conflicts_says_what_changed_meanwhile() {
    let (backend, client, _dir) = backend().await;
    let (flight, vic) = created(&client).await;
    board(&client, &vic).await;
    let seen = client.flight(flight.id).await.unwrap().unwrap();
    let done = send(&client, Command::Disembark(seen.clone())).await;
    assert!(done.result.is_ok(), "{done:?}");
    let err = send(&client, edit(&seen, "TRD"))
        .await
        .result
        .expect_err("details freeze once disembarked");
    let text = err.to_string();
    assert!(
        text.ends_with("Meanwhile W2 went from All boarded to Disembarked"),
        "{text}"
    );
    backend.shutdown().await;
}

#[tokio::test]
async fn an_edit_that_changes_nothing_sends_nothing() {
    let (backend, client, _dir) = backend().await;
    let (flight, _) = created(&client).await;
    let done = send(&client, edit(&flight, &flight.destination)).await;
    assert_eq!(done.result, Ok("Flight W2 unchanged".to_owned()));
    backend.shutdown().await;
}
