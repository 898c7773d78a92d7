//! Fixed flights, passengers and audit entries for the tests that drive the console without a
//! terminal, and the helpers they share.

use crate::console::Console;
use crate::msg::{Command, Effect, FeedEvent, Msg};
use crate::query::Query;
use crate::status_bar::Mode;
use crate::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use flightdeck_core::contract::{AuditEntry, AuditMetaData, Flight, Passenger};
use flightdeck_core::{EventTypeOperation, FlightStatus, PassengerStatus};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;
use serde_json::json;
use uuid::Uuid;

pub fn flight(
    n: u128,
    number: &str,
    from: &str,
    to: &str,
    status: FlightStatus,
    boarded: u32,
    total: u32,
) -> Flight {
    Flight {
        id: Uuid::from_u128(n),
        origin: from.into(),
        destination: to.into(),
        flight_number: number.into(),
        status,
        passenger_count: Some(total),
        boarded_count: Some(boarded),
    }
}

pub fn passenger(n: u128, flight: u128, name: &str, status: PassengerStatus) -> Passenger {
    Passenger {
        id: Uuid::from_u128(n),
        flight_id: Uuid::from_u128(flight),
        name: name.into(),
        status,
    }
}

pub fn flights() -> Vec<Flight> {
    vec![
        flight(
            1,
            "SK101",
            "ARN",
            "CPH",
            FlightStatus::WaitingForBoarding,
            1,
            3,
        ),
        flight(2, "DY602", "OSL", "BGO", FlightStatus::AllBoarded, 2, 2),
        flight(3, "AY913", "HEL", "LHR", FlightStatus::Disembarked, 1, 1),
        flight(4, "LH2455", "MUC", "Zürich", FlightStatus::Arrived, 4, 4),
    ]
}

pub fn passengers_of_sk101() -> Vec<Passenger> {
    vec![
        passenger(101, 1, "Ann Lee", PassengerStatus::Boarded),
        passenger(102, 1, "Åsa 李小龍", PassengerStatus::CheckedIn),
        passenger(
            103,
            1,
            "Jose\u{301} Nun\u{303}ez",
            PassengerStatus::CheckedIn,
        ),
    ]
}

pub fn entry(
    position: u64,
    name: &str,
    op: EventTypeOperation,
    data: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        created: format!(
            "2025-03-01T09:{:02}:{:02}.123456Z",
            position / 60 % 60,
            position % 60
        ),
        event_type: name
            .split_whitespace()
            .next()
            .unwrap_or("Update")
            .to_owned(),
        event_number: position as i64 - 1,
        event_id: Uuid::from_u128(10_000 + position as u128),
        data,
        meta_data: AuditMetaData {
            event_type_operation: op,
            event_name: name.into(),
            timestamp: "2025-03-01T09:00:00Z".into(),
        },
        stream: Some(format!("flight-{}", Uuid::from_u128(1))),
        position: Some(position),
    }
}

pub fn audit() -> Vec<AuditEntry> {
    let f1 = Uuid::from_u128(1);
    vec![
        entry(
            1,
            "Create flight",
            EventTypeOperation::Create,
            json!({"id": f1, "origin": "ARN", "destination": "CPH", "flightNumber": "SK101", "status": 1}),
        ),
        entry(
            2,
            "Create passenger",
            EventTypeOperation::Create,
            json!({"id": Uuid::from_u128(101), "flightId": f1, "name": "Ann Lee", "status": 1}),
        ),
        entry(
            3,
            "Board passenger",
            EventTypeOperation::Update,
            json!({"id": Uuid::from_u128(101), "flightId": f1, "name": "Ann Lee", "status": 2}),
        ),
        entry(
            4,
            "Delete flight",
            EventTypeOperation::Delete,
            json!({"id": Uuid::from_u128(9)}),
        ),
    ]
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// The console most tests start from: wide, colourless, the fixtures loaded.
pub fn fixture() -> Console {
    loaded(140, 40, Theme::plain())
}

/// A console of the given size with the fixtures loaded, as the runtime would load them.
pub fn loaded(width: u16, height: u16, theme: Theme) -> Console {
    let mut console = Console::new(
        theme,
        "http://127.0.0.1:5000/api".into(),
        Mode::Embedded,
        Rect::new(0, 0, width, height),
    );
    let effects = console.start();
    assert_eq!(
        effects,
        vec![
            Effect::Identify,
            Effect::LoadStatus {
                after: std::time::Duration::ZERO
            }
        ]
    );
    // The audit window first; the flights once it is read.
    let effects = console.update(Msg::AuditSnapshot(audit()));
    assert_eq!(effects, vec![Effect::LoadFlights]);
    let effects = console.update(Msg::Feed(FeedEvent::Live));
    assert!(!effects.contains(&Effect::LoadFlights), "{effects:?}");
    let effects = console.update(Msg::Flights(Ok(flights())));
    assert!(
        effects.contains(&Effect::LoadPassengers(Uuid::from_u128(1))),
        "{effects:?}"
    );
    console.update(Msg::Passengers(
        Uuid::from_u128(1),
        Ok(passengers_of_sk101()),
    ));
    console
}

/// The commands among the effects.
pub fn runs(effects: &[Effect]) -> Vec<&Command> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Run(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// The toast's text, or nothing.
pub fn toast(console: &Console) -> String {
    console.toast().map(|t| t.text.clone()).unwrap_or_default()
}

pub fn render(console: &Console) -> Buffer {
    let size = console.size();
    let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).unwrap();
    terminal.draw(|f| console.draw(f)).unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer as lines of text. A wide character fills two cells; the second is skipped so
/// each line reads as the terminal shows it.
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The whole screen, compared with the one kept in `tests/snapshots/`. Set `UPDATE_SNAPSHOTS=1`
/// to rewrite them after a change, then read the new files before keeping them.
pub fn snapshot(name: &str, console: &Console) -> String {
    let actual = text(&render(console));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/snapshots/{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        actual,
        expected,
        "screen {name} differs from {}",
        path.display()
    );
    actual
}
