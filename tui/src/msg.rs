//! What flows through the console's update: the messages that come in (keys, answers, the audit
//! feed) and the effects that go out for the runtime to carry out, among them the commands sent
//! to the backend.

use crate::client::{ClientError, Dialect};
use crossterm::event::{KeyEvent, MouseEvent};
use flightdeck_core::backend_status::BackendStatus;
use flightdeck_core::contract::{AuditEntry, Flight, HistoryEntry, Passenger};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// `before` for the newest entries: the backend's largest position (an `i64`).
pub const NEWEST: u64 = i64::MAX as u64;

/// A read of the log the pane asks for: the page before `before`, matching `q` if given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditPage {
    pub before: u64,
    pub q: Option<String>,
}

impl AuditPage {
    pub fn tail() -> Self {
        Self {
            before: NEWEST,
            q: None,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    Flights(Result<Vec<Flight>, ClientError>),
    Passengers(Uuid, Result<Vec<Passenger>, ClientError>),
    AuditSnapshot(Vec<AuditEntry>),
    Audit(AuditEntry),
    /// A page of the audit log the Audit pane asked for, as read.
    AuditPage(AuditPage, Result<Vec<AuditEntry>, ClientError>),
    Feed(FeedEvent),
    /// The poller's clock: read everything again.
    Poll,
    Done(Done),
    /// The backend's status as read at that moment; `None` when it has no status route.
    Status(Instant, Result<Option<BackendStatus>, ClientError>),
    ToastExpired(u64),
    /// A timer the console set ran out.
    Timer(Timer),
    /// What answers at the backend's URL, or why it is no backend.
    Identified(Result<Dialect, ClientError>),
    /// A flight's history as read for the history view.
    History(Uuid, Result<Story, ClientError>),
    /// SIGTSTP: the shell asks the console to stop for a while.
    Suspend,
    /// SIGCONT: the console goes on after a stop, and the terminal must be taken again.
    Resumed,
    Quit,
}

/// What a timer is for; the number tells a timer for something since replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The last error, shown since the connection recovered, has been read by now.
    ErrorFades(u64),
    /// The command has had no answer for a while.
    CommandSlow(u64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Finds out what answers at the backend's URL.
    Identify,
    LoadFlights,
    LoadPassengers(Uuid),
    /// Reads a page of the audit log (see `AuditPage`).
    ReadAudit(AuditPage),
    Run(Command),
    ExpireToast {
        seq: u64,
        after: Duration,
    },
    /// Sends `Msg::Timer(timer)` once `after` has passed.
    Timer {
        timer: Timer,
        after: Duration,
    },
    /// Reads a flight's history (from the audit log where the backend has no history route).
    LoadHistory(Uuid),
    /// Gives the terminal back and stops until continued.
    Suspend,
    /// Read the backend's status after a pause.
    LoadStatus {
        after: Duration,
    },
}

/// What the live or polling task reports.
#[derive(Clone, Debug, PartialEq)]
pub enum FeedEvent {
    Live,
    Polling,
    /// The backend's log is not the one followed so far (its data was reset): it is followed
    /// again from its beginning.
    Reset,
    Down {
        reason: String,
        retry_in: Option<Duration>,
    },
}

/// A change asked of the backend. The runtime sends it and re-reads until the change shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    CreateFlight {
        origin: String,
        destination: String,
        flight_number: String,
        /// The create's Idempotency-Key: a form sends the same values again with the same key.
        key: Uuid,
    },
    EditFlight {
        flight: Flight,
        origin: String,
        destination: String,
        flight_number: String,
    },
    Disembark(Flight),
    Land(Flight),
    Delete(Flight),
    AddPassenger {
        flight: Flight,
        name: String,
        key: Uuid,
    },
    Board {
        passenger: Passenger,
        flight: String,
    },
    Rename {
        passenger: Passenger,
        name: String,
    },
}

impl Command {
    pub fn describe(&self) -> String {
        match self {
            Self::CreateFlight { flight_number, .. } => format!("creating flight {flight_number}"),
            Self::EditFlight { flight, .. } => format!("updating flight {}", flight.flight_number),
            Self::Disembark(f) => format!("disembarking {}", f.flight_number),
            Self::Land(f) => format!("landing {}", f.flight_number),
            Self::Delete(f) => format!("deleting {}", f.flight_number),
            Self::AddPassenger { flight, name, .. } => {
                format!("adding {name} to {}", flight.flight_number)
            }
            Self::Board { passenger, .. } => format!("boarding {}", passenger.name),
            Self::Rename { passenger, .. } => format!("renaming {}", passenger.name),
        }
    }
}

/// A command's result as the runtime reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Done {
    pub result: Result<String, ClientError>,
    pub new_flight: Option<Uuid>,
    pub new_passenger: Option<Uuid>,
    /// The flight or passenger as the read that confirmed the change saw it: shown at once,
    /// before the lists are read again.
    pub flight: Option<Flight>,
    pub passenger: Option<Passenger>,
}

/// A flight's events in order, each with the flight and manifest right after it.
#[derive(Clone, Debug, PartialEq)]
pub struct Story {
    pub entries: Vec<HistoryEntry>,
    /// Built from the audit log, because the backend has no history route (an original one).
    pub from_audit: bool,
}
