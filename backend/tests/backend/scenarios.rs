//! The original system's six scenarios and every rule, over HTTP, on each read model. Every GET
//! follows its command at once: commands answer only once their effect is readable.

use crate::support::{Stores, TestApp};
use flightdeck_core::contract::Flight;
use flightdeck_core::{EventTypeOperation, FlightStatus, PassengerStatus};
use serde_json::json;
use uuid::Uuid;

on_each_store!(
    create_flight,
    add_passenger,
    board_until_all_boarded,
    disembark,
    land,
    delete_flight,
    refusals_name_the_rule_and_append_nothing,
    unknown_ids_are_refused,
    details_edit_with_an_unchanged_status,
    passengers_are_renamed_and_cannot_be_set_to_arrived,
    audit_log_splits_flights_and_passengers,
);

/// A flight with two checked-in passengers.
async fn flight_with_two(app: &TestApp) -> (Uuid, Uuid, Uuid) {
    let flight = app.create_flight("SK1529").await;
    let ann = app.add_passenger(flight, "Ann").await;
    let bo = app.add_passenger(flight, "Bo").await;
    (flight, ann, bo)
}

async fn create_flight(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let created = app.post_flight(" ARN ", "CPH", "SK1529").await;
    assert!(created.success);
    assert_eq!(created.error, None);
    assert_eq!(created.stack_trace, None);
    let flight = app.flight(created.id).await;
    assert_eq!(
        flight,
        Flight {
            id: created.id,
            origin: "ARN".into(),
            destination: "CPH".into(),
            flight_number: "SK1529".into(),
            status: FlightStatus::WaitingForBoarding,
            passenger_count: Some(0),
            boarded_count: Some(0),
        }
    );
    assert_eq!(app.flights().await, vec![flight]);
    let exists: bool = app
        .get(&format!("/api/flights/exists/{}", created.id))
        .await;
    assert!(exists);
    let exists: bool = app
        .get(&format!("/api/flights/exists/{}", Uuid::new_v4()))
        .await;
    assert!(!exists);
    app.finish().await;
}

async fn add_passenger(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let (flight, ann, bo) = flight_with_two(&app).await;
    let passengers = app.passengers(flight).await;
    assert_eq!(
        passengers.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![ann, bo]
    );
    assert!(passengers
        .iter()
        .all(|p| p.status == PassengerStatus::CheckedIn && p.flight_id == flight));
    assert_eq!(app.passenger(ann).await.name, "Ann");
    assert_eq!(app.flight(flight).await.passenger_count, Some(2));
    app.finish().await;
}

async fn board_until_all_boarded(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let (flight, ann, bo) = flight_with_two(&app).await;
    assert!(app.board(ann).await.success);
    assert_eq!(app.passenger(ann).await.status, PassengerStatus::Boarded);
    assert_eq!(
        app.flight(flight).await.status,
        FlightStatus::WaitingForBoarding
    );
    assert!(app.board(bo).await.success);
    let f = app.flight(flight).await;
    assert_eq!(f.status, FlightStatus::AllBoarded);
    assert_eq!(f.boarded_count, Some(2));
    // The original never marked a one-passenger flight AllBoarded; this one does.
    let solo = app.create_flight("SK1").await;
    let only = app.add_passenger(solo, "Solo").await;
    assert!(app.board(only).await.success);
    assert_eq!(app.flight(solo).await.status, FlightStatus::AllBoarded);
    app.finish().await;
}

async fn disembark(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let (flight, ann, bo) = flight_with_two(&app).await;
    app.board(ann).await;
    app.board(bo).await;
    let outcome = app.set_flight_status(flight, 3).await;
    assert!(outcome.success, "{:?}", outcome.error);
    assert_eq!(app.flight(flight).await.status, FlightStatus::Disembarked);
    app.finish().await;
}

async fn land(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let (flight, ann, bo) = flight_with_two(&app).await;
    app.board(ann).await;
    app.board(bo).await;
    app.set_flight_status(flight, 3).await;
    let outcome = app.set_flight_status(flight, 4).await;
    assert!(outcome.success, "{:?}", outcome.error);
    assert_eq!(app.flight(flight).await.status, FlightStatus::Arrived);
    let passengers = app.passengers(flight).await;
    assert!(
        passengers
            .iter()
            .all(|p| p.status == PassengerStatus::Arrived),
        "{passengers:?}"
    );
    app.finish().await;
}

async fn delete_flight(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let (flight, ann, _) = flight_with_two(&app).await;
    let other = app.create_flight("SK2").await;
    let events_before = app.event_count().await;
    assert!(app.delete_flight(flight).await.success);
    assert_eq!(
        app.event_count().await,
        events_before + 1,
        "the delete is an event; nothing is erased"
    );
    let gone = app
        .client
        .get(app.url(&format!("/api/flights/{flight}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let gone = app
        .client
        .get(app.url(&format!("/api/passengers/{ann}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    assert!(app.passengers(flight).await.is_empty());
    assert_eq!(
        app.flights().await.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![other]
    );
    let audit = app.audit().await;
    let last = audit.last().unwrap();
    assert_eq!(last.event_type, "FlightDeleted");
    assert_eq!(
        last.meta_data.event_type_operation,
        EventTypeOperation::Delete
    );
    assert_eq!(
        audit.len() as i64,
        app.event_count().await,
        "every event stays in the audit log"
    );
    app.finish().await;
}

async fn refusals_name_the_rule_and_append_nothing(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let (flight, ann, _) = flight_with_two(&app).await;
    app.board(ann).await;
    let before = app.event_count().await;
    let refused = app.set_flight_status(flight, 3).await;
    assert!(!refused.success);
    assert_eq!(
        refused.error.as_deref(),
        Some("flight SK1529 cannot disembark: 1 of 2 passengers have boarded")
    );
    assert_eq!(refused.stack_trace, None);
    let refused = app.set_flight_status(flight, 4).await;
    assert_eq!(
        refused.error.as_deref(),
        Some("flight SK1529 cannot land: it is Waiting for boarding; a flight lands only after it has disembarked")
    );
    let refused = app.set_flight_status(flight, 9).await;
    assert_eq!(
        refused.error.as_deref(),
        Some("Can't update flight to status '9', invalid status!")
    );
    let refused = app.post_flight("ARN", "", "SK9").await;
    assert!(!refused.success);
    assert_eq!(refused.id, Uuid::nil());
    assert_eq!(refused.error.as_deref(), Some("destination can't be empty"));
    let refused = app.post_flight("ARN", &"x".repeat(300), "SK9").await;
    assert_eq!(
        refused.error.as_deref(),
        Some("destination is 300 characters long; at most 255 are allowed")
    );
    let refused = app.post_flight("ARN\u{1b}[2J", "CPH", "SK9").await;
    assert!(refused.error.unwrap().contains("control character"));
    let refused = app
        .send(
            reqwest::Method::POST,
            "/api/flights",
            json!({"origin": "ARN", "destination": "CPH"}),
        )
        .await
        .json::<flightdeck_core::contract::Created>()
        .await
        .unwrap();
    assert_eq!(
        refused.error.as_deref(),
        Some("flight number can't be empty")
    );
    let refused = app.post_passenger(flight, "  ").await;
    assert_eq!(refused.error.as_deref(), Some("name can't be empty"));
    let missing = Uuid::new_v4();
    let refused = app.post_passenger(missing, "Cy").await;
    assert_eq!(
        refused.error,
        Some(format!("flight with id '{missing}' does not exist"))
    );
    assert_eq!(
        app.event_count().await,
        before,
        "refused commands append nothing"
    );
    // Boarding closes at disembark.
    app.board(app.passengers(flight).await[1].id).await;
    app.set_flight_status(flight, 3).await;
    let refused = app.post_passenger(flight, "Late").await;
    assert_eq!(
        refused.error.as_deref(),
        Some("cannot add a passenger to flight SK1529: it is Disembarked, boarding has closed")
    );
    app.finish().await;
}

async fn unknown_ids_are_refused(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let before = app.event_count().await;
    let missing = Uuid::new_v4();
    let outcome = app.put_flight(json!({"id": missing, "origin": "A", "destination": "B", "flightNumber": "C", "status": 1})).await;
    assert_eq!(
        outcome.error,
        Some(format!("flight with id '{missing}' does not exist"))
    );
    let outcome = app.delete_flight(missing).await;
    assert!(!outcome.success, "the original answered success here");
    let outcome = app
        .put_passenger(json!({"id": missing, "flightId": missing, "name": "X", "status": 2}))
        .await;
    assert_eq!(
        outcome.error,
        Some(format!("passenger with id '{missing}' does not exist"))
    );
    let flight = app.create_flight("SK1").await;
    app.delete_flight(flight).await;
    let outcome = app.delete_flight(flight).await;
    assert_eq!(
        outcome.error.as_deref(),
        Some("flight SK1 has been deleted")
    );
    let not_found = app
        .client
        .get(app.url(&format!("/api/flights/{missing}")))
        .send()
        .await
        .unwrap();
    assert_eq!(not_found.status(), 404);
    let problem: flightdeck_core::contract::Problem = not_found.json().await.unwrap();
    assert_eq!(
        problem.detail,
        format!("flight with id '{missing}' does not exist")
    );
    assert_eq!(app.event_count().await, before + 2);
    app.finish().await;
}

async fn details_edit_with_an_unchanged_status(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let flight = app.create_flight("SK1").await;
    let outcome = app
        .put_flight(json!({"id": flight, "origin": "OSL", "destination": "HEL", "flightNumber": "SK2", "status": 1}))
        .await;
    assert!(outcome.success, "{:?}", outcome.error);
    let f = app.flight(flight).await;
    assert_eq!(
        (
            f.origin.as_str(),
            f.destination.as_str(),
            f.flight_number.as_str()
        ),
        ("OSL", "HEL", "SK2")
    );
    let before = app.event_count().await;
    let outcome = app
        .put_flight(json!({"id": flight, "origin": "OSL", "destination": "HEL", "flightNumber": "SK2", "status": 1}))
        .await;
    assert!(outcome.success);
    assert_eq!(
        app.event_count().await,
        before,
        "an edit that changes nothing records nothing"
    );
    let outcome = app
        .put_flight(json!({"id": flight, "origin": "OSL", "destination": "HEL", "flightNumber": "SK2", "status": 2}))
        .await;
    assert!(outcome
        .error
        .unwrap()
        .contains("when its last passenger boards"));
    app.finish().await;
}

async fn passengers_are_renamed_and_cannot_be_set_to_arrived(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let (flight, ann, _) = flight_with_two(&app).await;
    let outcome = app
        .put_passenger(json!({"id": ann, "flightId": flight, "name": "Anna", "status": 1}))
        .await;
    assert!(outcome.success, "{:?}", outcome.error);
    assert_eq!(app.passenger(ann).await.name, "Anna");
    let outcome = app
        .put_passenger(json!({"id": ann, "flightId": flight, "name": "Anna", "status": 3}))
        .await;
    assert!(outcome
        .error
        .unwrap()
        .contains("passengers arrive when their flight lands"));
    let outcome = app
        .put_passenger(json!({"id": ann, "flightId": flight, "name": "Anna", "status": 0}))
        .await;
    assert_eq!(
        outcome.error.as_deref(),
        Some("Can't update status to '0', invalid status")
    );
    app.finish().await;
}

async fn audit_log_splits_flights_and_passengers(stores: Stores) {
    let Some(app) = TestApp::spawn(stores).await else {
        return;
    };
    let (flight, ann, bo) = flight_with_two(&app).await;
    app.board(ann).await;
    app.board(bo).await;
    let all = app.audit().await;
    let types: Vec<_> = all.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "FlightCreated",
            "PassengerCheckedIn",
            "PassengerCheckedIn",
            "PassengerBoarded",
            "PassengerBoarded",
            "FlightAllBoarded"
        ]
    );
    assert_eq!(
        all.iter().map(|e| e.event_number).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5]
    );
    assert!(all.windows(2).all(|w| w[0].position < w[1].position));
    let boarded = &all[4];
    assert_eq!(boarded.data["name"], "Bo");
    assert_eq!(boarded.data["status"], 2);
    assert_eq!(boarded.meta_data.event_name, "Board passenger");
    assert_eq!(
        boarded.stream.as_deref(),
        Some(format!("flight-{flight}").as_str())
    );
    let all_boarded = &all[5];
    assert_eq!(
        all_boarded.data["status"], 2,
        "the flight as it stands after the event"
    );
    let flights: Vec<flightdeck_core::contract::AuditEntry> =
        app.get("/api/auditlog/flights").await;
    assert_eq!(flights.len(), 2);
    let passengers: Vec<flightdeck_core::contract::AuditEntry> =
        app.get("/api/auditlog/passengers").await;
    assert_eq!(passengers.len(), 4);
    let page: Vec<flightdeck_core::contract::AuditEntry> = app
        .get(&format!(
            "/api/auditlog/all?after={}&limit=2",
            all[1].position.unwrap()
        ))
        .await;
    assert_eq!(page, all[2..4]);
    app.finish().await;
}
