//! The projection resumes from its checkpoint after a restart and rebuilds from zero on demand.

use crate::support::{Stores, TestApp};
use flightdeck_backend::event_store::{ExpectedRevision, NewEvent};
use flightdeck_core::event::stream_name;
use flightdeck_core::Event;
use uuid::Uuid;

on_each_store!(
    restart_resumes_from_the_checkpoint,
    rebuild_reproduces_the_read_model
);

async fn restart_resumes_from_the_checkpoint(stores: Stores) {
    let Some(mut app) = TestApp::spawn(stores).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    app.add_passenger(flight, "Ann").await;
    app.stop().await;

    // Events appended while no backend runs, as another writer would.
    let store = app.open_event_store().await;
    let offline = Uuid::new_v4();
    let created = Event::FlightCreated {
        flight_id: offline,
        origin: "OSL".into(),
        destination: "HEL".into(),
        flight_number: "SK2".into(),
    };
    store
        .append(
            &stream_name(offline),
            ExpectedRevision::NoStream,
            vec![NewEvent {
                event_id: Uuid::new_v4(),
                event_type: created.event_type().into(),
                data: created.data(),
            }],
        )
        .await
        .unwrap();
    drop(store);

    app.restart(false).await;
    crate::support::eventually(
        "the offline flight to be projected",
        std::time::Duration::from_secs(20),
        || async { app.flights().await.len() == 2 },
    )
    .await;
    let audit = app.audit().await;
    assert_eq!(audit.len(), 3, "each event projected once: {audit:?}");
    assert_eq!(audit.len() as i64, app.event_count().await);
    assert_eq!(app.flight(offline).await.flight_number, "SK2");
    // And commands still work on both.
    app.add_passenger(offline, "Bo").await;
    assert_eq!(app.passengers(flight).await.len(), 1);
    app.finish().await;
}

async fn rebuild_reproduces_the_read_model(stores: Stores) {
    let Some(mut app) = TestApp::spawn(stores).await else {
        return;
    };
    for number in ["SK1", "SK2", "SK3"] {
        let flight = app.create_flight(number).await;
        let ann = app.add_passenger(flight, "Ann").await;
        let bo = app.add_passenger(flight, "Bo").await;
        app.board(ann).await;
        if number != "SK3" {
            app.board(bo).await;
            app.set_flight_status(flight, 3).await;
        }
        if number == "SK1" {
            app.set_flight_status(flight, 4).await;
        }
        if number == "SK2" {
            app.delete_flight(flight).await;
        }
    }
    let flights = app.flights().await;
    let mut passengers = Vec::new();
    for f in &flights {
        passengers.push(app.passengers(f.id).await);
    }
    let audit = app.audit().await;

    app.restart(true).await;
    crate::support::eventually(
        "the rebuild to finish",
        std::time::Duration::from_secs(20),
        || async { app.audit().await.len() == audit.len() },
    )
    .await;
    assert_eq!(app.flights().await, flights);
    for (f, before) in flights.iter().zip(&passengers) {
        assert_eq!(&app.passengers(f.id).await, before);
    }
    assert_eq!(app.audit().await, audit);
    app.finish().await;
}
