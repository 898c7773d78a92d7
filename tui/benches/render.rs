//! How long one full frame takes with a large deployment loaded: 10,000 flights, 100,000
//! passengers on the selected flight, 100,000 audit entries. Only the visible rows should cost
//! anything, so the frame time must not grow with the data.
//!
//! `cargo bench -p flightdeck-tui --bench render`

use criterion::{criterion_group, criterion_main, Criterion};
use flightdeck_core::contract::{AuditEntry, AuditMetaData, Flight, Passenger};
use flightdeck_core::{EventTypeOperation, FlightStatus, PassengerStatus};
use flightdeck_tui::console::Console;
use flightdeck_tui::msg::{FeedEvent, Msg};
use flightdeck_tui::status_bar::Mode;
use flightdeck_tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;
use serde_json::json;
use uuid::Uuid;

const FLIGHTS: u128 = 10_000;
const PASSENGERS: u128 = 100_000;
const AUDIT: u64 = 100_000;

fn loaded(width: u16, height: u16) -> Console {
    let mut console = Console::new(
        Theme::from_env(),
        "http://127.0.0.1:8080/api".into(),
        Mode::Embedded,
        Rect::new(0, 0, width, height),
    );
    console.start();
    console.update(Msg::Feed(FeedEvent::Live));
    let flights = (0..FLIGHTS)
        .map(|n| Flight {
            id: Uuid::from_u128(n + 1),
            origin: "ARN".into(),
            destination: "CPH".into(),
            flight_number: format!("SK{n}").into(),
            status: FlightStatus::WaitingForBoarding,
            passenger_count: Some(10),
            boarded_count: Some(3),
        })
        .collect();
    console.update(Msg::Flights(Ok(flights)));
    let first = Uuid::from_u128(1);
    let passengers = (0..PASSENGERS)
        .map(|n| Passenger {
            id: Uuid::from_u128(1_000_000 + n),
            flight_id: first,
            name: format!("Passenger Åsa {n}"),
            status: if n % 2 == 0 {
                PassengerStatus::Boarded
            } else {
                PassengerStatus::CheckedIn
            },
        })
        .collect();
    console.update(Msg::Passengers(first, Ok(passengers)));
    let audit = (1..=AUDIT)
        .map(|p| AuditEntry {
            created: "2026-11-26T19:12:09.123456Z".into(),
            event_type: "PassengerBoarded".into(),
            event_number: p as i64,
            event_id: Uuid::from_u128(10_000_000 + p as u128),
            data: json!({"id": Uuid::from_u128(1_000_000 + p as u128), "flightId": first, "name": format!("Passenger {p}"), "status": 2}),
            meta_data: AuditMetaData {
                event_type_operation: EventTypeOperation::Update,
                event_name: "Board passenger".into(),
                timestamp: "2026-11-26T19:12:09.123456Z".into(),
            },
            stream: Some(format!("flight-{first}")),
            position: Some(p),
        })
        .collect();
    console.update(Msg::AuditSnapshot(audit));
    console
}

fn full_frame(c: &mut Criterion) {
    for (width, height) in [(200u16, 60u16), (80, 24)] {
        let console = loaded(width, height);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
        c.bench_function(
            &format!("full frame {width}x{height}, 10k flights, 100k passengers, 100k audit"),
            |b| {
                b.iter(|| {
                    terminal.draw(|frame| console.draw(frame)).expect("drawn");
                })
            },
        );
    }
}

criterion_group!(benches, full_frame);
criterion_main!(benches);
