//! The console's state and its update: every key, mouse event, answer and stream message comes in
//! as a [`Msg`], changes the state, and may ask for I/O as [`Effect`]s that the runtime carries out
//! off the UI task. Nothing here touches a terminal or the network, so all of it is testable.

use crate::client::ClientError;
use crate::counts;
use crate::form::{Form, FormKind, FormOutcome};
use crate::theme::{Theme, Tone};
use crate::ui;
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use flightdeck_core::contract::{AuditEntry, Flight, Passenger};
use flightdeck_core::{checks, DomainError, FlightStatus, PassengerStatus};
use ratatui::layout::{Position, Rect};
use std::collections::HashMap;
use std::time::Duration;
use tui_input::{Input, InputRequest};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Flights,
    Passengers,
    Audit,
}

impl Focus {
    fn next(self) -> Self {
        match self {
            Self::Flights => Self::Passengers,
            Self::Passengers => Self::Audit,
            Self::Audit => Self::Flights,
        }
    }

    fn previous(self) -> Self {
        self.next().next()
    }
}

/// How the console reaches its backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The backend library runs in this process.
    Embedded,
    /// A Flightdeck backend or a gateway at `--api`.
    Remote,
    /// The original services, addressed one by one.
    Original,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Self::Embedded => "embedded",
            Self::Remote => "remote",
            Self::Original => "original",
        }
    }
}

/// How audit entries arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    Starting,
    /// Pushed over the live stream.
    Live,
    /// The backend has no stream (an original deployment): read every poll interval.
    Polling,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Connected,
    /// The backend does not answer; `retry_in` when a reconnect is scheduled.
    Down {
        reason: String,
        retry_in: Option<Duration>,
    },
}

/// What the live or polling task reports.
#[derive(Clone, Debug, PartialEq)]
pub enum FeedEvent {
    Live,
    Polling,
    Down {
        reason: String,
        retry_in: Option<Duration>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditKind {
    All,
    Flights,
    Passengers,
}

impl AuditKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Flights => "flights",
            Self::Passengers => "passengers",
        }
    }

    fn next(self) -> Self {
        match self {
            Self::All => Self::Flights,
            Self::Flights => Self::Passengers,
            Self::Passengers => Self::All,
        }
    }
}

/// An audit entry with what the pane shows of it, worked out once on arrival.
#[derive(Clone, Debug)]
pub struct AuditRow {
    pub entry: AuditEntry,
    pub time: String,
    pub summary: String,
    pub about_passenger: bool,
    search: String,
}

impl AuditRow {
    pub fn new(entry: AuditEntry, flights: &HashMap<Uuid, String>) -> Self {
        let about_passenger = entry
            .meta_data
            .event_name
            .to_lowercase()
            .ends_with("passenger");
        let time = short_time(&entry.created);
        let summary = summarize(&entry.data, flights);
        let search = format!(
            "{} {} {} {}",
            entry.meta_data.event_name, entry.event_type, summary, time
        )
        .to_lowercase();
        Self {
            entry,
            time,
            summary,
            about_passenger,
            search,
        }
    }
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

/// Line breaks and other control characters would tear a table row apart.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A list's view: the rows that pass the filter (indices into the data, in display order), the
/// selected one and the first one shown.
#[derive(Clone, Debug, Default)]
pub struct ListView {
    pub rows: Vec<usize>,
    pub selected: usize,
    pub offset: usize,
    pub filter: Input,
    pub editing: bool,
}

impl ListView {
    pub fn selected_row(&self) -> Option<usize> {
        self.rows.get(self.selected).copied()
    }

    fn clamp(&mut self, height: usize) {
        if self.rows.is_empty() {
            self.selected = 0;
            self.offset = 0;
            return;
        }
        self.selected = self.selected.min(self.rows.len() - 1);
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(height));
    }

    fn move_by(&mut self, delta: isize, height: usize) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.clamp(height);
    }

    fn select(&mut self, index: usize, height: usize) {
        self.selected = index;
        self.clamp(height);
    }

    fn filter_text(&self) -> String {
        self.filter.value().trim().to_lowercase()
    }
}

#[derive(Clone, Debug)]
pub enum Overlay {
    Help,
    Details { scroll: u16 },
    ConfirmDelete(Flight),
    Form(Form),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub tone: Tone,
    pub seq: u64,
}

/// A change asked of the backend. The runtime sends it and re-reads until the change shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    CreateFlight {
        origin: String,
        destination: String,
        flight_number: String,
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
            Self::AddPassenger { flight, name } => {
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
    Feed(FeedEvent),
    /// The poller's clock: read everything again.
    Poll,
    Done(Done),
    ToastExpired(u64),
    Quit,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    LoadFlights,
    LoadPassengers(Uuid),
    Run(Command),
    ExpireToast { seq: u64, after: Duration },
}

/// Loads in flight, so that a burst of events costs one request at a time plus one more.
#[derive(Clone, Debug, Default)]
struct Loads {
    flights: bool,
    flights_again: bool,
    passengers: Option<Uuid>,
    passengers_again: bool,
}

pub struct App {
    pub theme: Theme,
    pub backend: String,
    pub mode: Mode,
    pub feed: Feed,
    pub link: Link,
    pub last_error: Option<String>,
    pub size: Rect,
    pub focus: Focus,
    pub flights: Vec<Flight>,
    pub flights_loaded: bool,
    pub flights_view: ListView,
    /// Whose passengers `passengers` holds.
    pub passengers_of: Option<Uuid>,
    pub passengers: Vec<Passenger>,
    pub passengers_view: ListView,
    pub audit: Vec<AuditRow>,
    pub audit_view: ListView,
    pub audit_kind: AuditKind,
    pub following: bool,
    /// Entries that arrived while following was paused.
    pub unseen: usize,
    pub overlay: Option<Overlay>,
    pub toast: Option<Toast>,
    toast_seq: u64,
    /// The command being carried out, if any: one at a time, so results stay in order.
    pub busy: Option<String>,
    /// The ids the last successful create made, so that a scripted operator can name them.
    pub last_new_flight: Option<Uuid>,
    pub last_new_passenger: Option<Uuid>,
    pub quit: bool,
    loads: Loads,
    last_position: Option<u64>,
    select_flight: Option<Uuid>,
    select_passenger: Option<Uuid>,
    flight_numbers: HashMap<Uuid, String>,
}

const TOAST_OK: Duration = Duration::from_secs(5);
const TOAST_BAD: Duration = Duration::from_secs(10);

impl App {
    pub fn new(theme: Theme, backend: String, mode: Mode, size: Rect) -> Self {
        Self {
            theme,
            backend,
            mode,
            feed: Feed::Starting,
            link: Link::Connecting,
            last_error: None,
            size,
            focus: Focus::Flights,
            flights: Vec::new(),
            flights_loaded: false,
            flights_view: ListView::default(),
            passengers_of: None,
            passengers: Vec::new(),
            passengers_view: ListView::default(),
            audit: Vec::new(),
            audit_view: ListView::default(),
            audit_kind: AuditKind::All,
            following: true,
            unseen: 0,
            overlay: None,
            toast: None,
            toast_seq: 0,
            busy: None,
            last_new_flight: None,
            last_new_passenger: None,
            quit: false,
            loads: Loads::default(),
            last_position: None,
            select_flight: None,
            select_passenger: None,
            flight_numbers: HashMap::new(),
        }
    }

    /// The number of the latest toast, shown or expired: a scripted operator watches it to know
    /// that a command has answered.
    pub fn toast_seq(&self) -> u64 {
        self.toast_seq
    }

    /// What to do first: read the flights.
    pub fn start(&mut self) -> Vec<Effect> {
        self.load_flights()
    }

    pub fn selected_flight(&self) -> Option<&Flight> {
        self.flights_view
            .selected_row()
            .and_then(|i| self.flights.get(i))
    }

    pub fn selected_passenger(&self) -> Option<&Passenger> {
        self.passengers_view
            .selected_row()
            .and_then(|i| self.passengers.get(i))
    }

    pub fn selected_audit(&self) -> Option<&AuditRow> {
        self.audit_view
            .selected_row()
            .and_then(|i| self.audit.get(i))
    }

    fn height(&self, focus: Focus) -> usize {
        ui::areas(self.size).map_or(1, |a| ui::list_height(a.pane(focus)))
    }

    fn view_mut(&mut self, focus: Focus) -> &mut ListView {
        match focus {
            Focus::Flights => &mut self.flights_view,
            Focus::Passengers => &mut self.passengers_view,
            Focus::Audit => &mut self.audit_view,
        }
    }

    pub fn view(&self, focus: Focus) -> &ListView {
        match focus {
            Focus::Flights => &self.flights_view,
            Focus::Passengers => &self.passengers_view,
            Focus::Audit => &self.audit_view,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Mouse(mouse) => self.on_mouse(mouse),
            Msg::Paste(text) => {
                self.on_paste(&text);
                vec![]
            }
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                for focus in [Focus::Flights, Focus::Passengers, Focus::Audit] {
                    let height = self.height(focus);
                    self.view_mut(focus).clamp(height);
                }
                vec![]
            }
            Msg::Flights(result) => self.on_flights(result),
            Msg::Passengers(flight, result) => self.on_passengers(flight, result),
            Msg::AuditSnapshot(entries) => {
                self.on_audit_snapshot(entries);
                vec![]
            }
            Msg::Audit(entry) => self.on_audit(entry),
            Msg::Feed(event) => self.on_feed(event),
            Msg::Poll => {
                let mut effects = self.load_flights();
                effects.extend(self.load_passengers());
                effects
            }
            Msg::Done(done) => self.on_done(done),
            Msg::ToastExpired(seq) => {
                if self.toast.as_ref().is_some_and(|t| t.seq == seq) {
                    self.toast = None;
                }
                vec![]
            }
            Msg::Quit => {
                self.quit = true;
                vec![]
            }
        }
    }

    // ---- loading -------------------------------------------------------------------------

    fn load_flights(&mut self) -> Vec<Effect> {
        if self.loads.flights {
            self.loads.flights_again = true;
            return vec![];
        }
        self.loads.flights = true;
        vec![Effect::LoadFlights]
    }

    fn load_passengers(&mut self) -> Vec<Effect> {
        let Some(id) = self.selected_flight().map(|f| f.id) else {
            return vec![];
        };
        if self.loads.passengers.is_some() {
            self.loads.passengers_again = true;
            return vec![];
        }
        self.loads.passengers = Some(id);
        vec![Effect::LoadPassengers(id)]
    }

    fn backend_error(&mut self, err: &ClientError) {
        self.last_error = Some(err.to_string());
        if err.is_connection() {
            if self.feed == Feed::Polling || self.feed == Feed::Starting {
                self.link = Link::Down {
                    reason: err.to_string(),
                    retry_in: None,
                };
            }
        } else if self.link == Link::Connecting && self.feed == Feed::Polling {
            self.link = Link::Connected;
        }
    }

    fn on_flights(&mut self, result: Result<Vec<Flight>, ClientError>) -> Vec<Effect> {
        self.loads.flights = false;
        let mut effects = vec![];
        if std::mem::take(&mut self.loads.flights_again) {
            effects.extend(self.load_flights());
        }
        match result {
            Err(err) => self.backend_error(&err),
            Ok(flights) => {
                if self.feed == Feed::Polling {
                    self.link = Link::Connected;
                }
                let before = self.selected_flight().map(|f| f.id);
                self.flights = flights;
                self.flights_loaded = true;
                self.flight_numbers = self
                    .flights
                    .iter()
                    .map(|f| (f.id, f.flight_number.clone()))
                    .collect();
                let want = self.select_flight.or(before);
                self.refilter_flights(want);
                if let Some(id) = self.select_flight {
                    if self.selected_flight().is_some_and(|f| f.id == id) {
                        self.select_flight = None;
                    }
                }
                let after = self.selected_flight().map(|f| f.id);
                if after != before || after != self.passengers_of {
                    self.passengers_shown_for(after);
                }
                effects.extend(self.load_passengers());
            }
        }
        effects
    }

    /// Starts showing another flight's passengers: the old list goes at once, so no passenger
    /// is ever shown under the wrong flight.
    fn passengers_shown_for(&mut self, flight: Option<Uuid>) {
        if self.passengers_of != flight {
            self.passengers.clear();
            self.passengers_view.rows.clear();
            self.passengers_view.selected = 0;
            self.passengers_view.offset = 0;
            self.passengers_of = None;
        }
    }

    fn on_passengers(
        &mut self,
        flight: Uuid,
        result: Result<Vec<Passenger>, ClientError>,
    ) -> Vec<Effect> {
        self.loads.passengers = None;
        let mut effects = vec![];
        let current = self.selected_flight().map(|f| f.id);
        match result {
            Err(err) => self.backend_error(&err),
            Ok(passengers) if current == Some(flight) => {
                let before = self
                    .selected_passenger()
                    .filter(|_| self.passengers_of == Some(flight))
                    .map(|p| p.id);
                self.passengers = passengers;
                self.passengers_of = Some(flight);
                self.update_counts(flight);
                let want = self.select_passenger.or(before);
                self.refilter_passengers(want);
                if let Some(id) = self.select_passenger {
                    if self.selected_passenger().is_some_and(|p| p.id == id) {
                        self.select_passenger = None;
                    }
                }
            }
            Ok(_) => {}
        }
        if std::mem::take(&mut self.loads.passengers_again) || current != Some(flight) {
            effects.extend(self.load_passengers());
        }
        effects
    }

    /// The passenger list just read is newer than the flight list's counts.
    fn update_counts(&mut self, flight: Uuid) {
        if let Some(f) = self.flights.iter_mut().find(|f| f.id == flight) {
            counts::fill(f, &self.passengers);
        }
    }

    fn on_audit_snapshot(&mut self, entries: Vec<AuditEntry>) {
        let unchanged = entries.len() == self.audit.len()
            && entries.last().map(|e| e.event_id) == self.audit.last().map(|r| r.entry.event_id);
        if unchanged {
            return;
        }
        let before = self.selected_audit().map(|r| r.entry.event_id);
        let grown = entries.len().saturating_sub(self.audit.len());
        self.last_position = entries.iter().filter_map(|e| e.position).max();
        self.audit = entries
            .into_iter()
            .map(|e| AuditRow::new(e, &self.flight_numbers))
            .collect();
        self.refilter_audit();
        let height = self.height(Focus::Audit);
        if self.following {
            self.audit_view.select(0, height);
            self.audit_view.offset = 0;
        } else {
            self.unseen += grown;
            let index = before.and_then(|id| {
                self.audit_view
                    .rows
                    .iter()
                    .position(|&i| self.audit[i].entry.event_id == id)
            });
            self.audit_view.select(index.unwrap_or(0), height);
        }
    }

    fn on_audit(&mut self, entry: AuditEntry) -> Vec<Effect> {
        if let (Some(p), Some(last)) = (entry.position, self.last_position) {
            if p <= last {
                return vec![];
            }
        }
        if entry.position.is_some() {
            self.last_position = entry.position;
        }
        let row = AuditRow::new(entry, &self.flight_numbers);
        let index = self.audit.len();
        let shown = self.audit_matches(&row);
        self.audit.push(row);
        if shown {
            self.audit_view.rows.insert(0, index);
            if self.following {
                self.audit_view.selected = 0;
                self.audit_view.offset = 0;
            } else {
                self.audit_view.selected += 1;
                self.audit_view.offset += 1;
                self.unseen += 1;
            }
        }
        // Every event changes a flight or a passenger: read them again (coalesced).
        let mut effects = self.load_flights();
        effects.extend(self.load_passengers());
        effects
    }

    fn on_feed(&mut self, event: FeedEvent) -> Vec<Effect> {
        match event {
            FeedEvent::Live => {
                self.feed = Feed::Live;
                self.link = Link::Connected;
                // Whatever happened while the stream was down shows in the lists now.
                let mut effects = self.load_flights();
                effects.extend(self.load_passengers());
                effects
            }
            FeedEvent::Polling => {
                self.feed = Feed::Polling;
                self.link = Link::Connected;
                vec![]
            }
            FeedEvent::Down { reason, retry_in } => {
                self.last_error = Some(reason.clone());
                self.link = Link::Down { reason, retry_in };
                vec![]
            }
        }
    }

    fn on_done(&mut self, done: Done) -> Vec<Effect> {
        self.busy = None;
        let mut effects = match done.result {
            Ok(text) => {
                if done.new_flight.is_some() {
                    self.select_flight = done.new_flight;
                    self.last_new_flight = done.new_flight;
                }
                if done.new_passenger.is_some() {
                    self.select_passenger = done.new_passenger;
                    self.last_new_passenger = done.new_passenger;
                }
                if let Some(seen) = done.flight {
                    self.confirmed_flight(seen);
                }
                if let Some(seen) = done.passenger {
                    if let Some(p) = self.passengers.iter_mut().find(|p| p.id == seen.id) {
                        *p = seen;
                    }
                }
                self.toast(text, Tone::Good)
            }
            Err(err) => {
                self.last_error = Some(err.to_string());
                self.toast(err.to_string(), Tone::Bad)
            }
        };
        effects.extend(self.load_flights());
        effects.extend(self.load_passengers());
        effects
    }

    fn confirmed_flight(&mut self, seen: Flight) {
        if let Some(f) = self.flights.iter_mut().find(|f| f.id == seen.id) {
            let (total, boarded) = (f.passenger_count, f.boarded_count);
            *f = seen;
            f.passenger_count = f.passenger_count.or(total);
            f.boarded_count = f.boarded_count.or(boarded);
        }
    }

    fn toast(&mut self, text: String, tone: Tone) -> Vec<Effect> {
        self.toast_seq += 1;
        let seq = self.toast_seq;
        self.toast = Some(Toast { text, tone, seq });
        let after = if tone == Tone::Bad {
            TOAST_BAD
        } else {
            TOAST_OK
        };
        vec![Effect::ExpireToast { seq, after }]
    }

    // ---- filtering -----------------------------------------------------------------------

    fn refilter_flights(&mut self, keep: Option<Uuid>) {
        let needle = self.flights_view.filter_text();
        self.flights_view.rows = self
            .flights
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                needle.is_empty()
                    || format!(
                        "{} {} {} {}",
                        f.flight_number,
                        f.origin,
                        f.destination,
                        f.status.label()
                    )
                    .to_lowercase()
                    .contains(&needle)
            })
            .map(|(i, _)| i)
            .collect();
        let index = keep.and_then(|id| {
            self.flights_view
                .rows
                .iter()
                .position(|&i| self.flights[i].id == id)
        });
        let height = self.height(Focus::Flights);
        let view = &mut self.flights_view;
        view.select(index.unwrap_or(view.selected), height);
    }

    fn refilter_passengers(&mut self, keep: Option<Uuid>) {
        let needle = self.passengers_view.filter_text();
        self.passengers_view.rows = self
            .passengers
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                needle.is_empty()
                    || format!("{} {}", p.name, p.status.label())
                        .to_lowercase()
                        .contains(&needle)
            })
            .map(|(i, _)| i)
            .collect();
        let index = keep.and_then(|id| {
            self.passengers_view
                .rows
                .iter()
                .position(|&i| self.passengers[i].id == id)
        });
        let height = self.height(Focus::Passengers);
        let view = &mut self.passengers_view;
        view.select(index.unwrap_or(view.selected), height);
    }

    fn audit_matches(&self, row: &AuditRow) -> bool {
        let kind = match self.audit_kind {
            AuditKind::All => true,
            AuditKind::Flights => !row.about_passenger,
            AuditKind::Passengers => row.about_passenger,
        };
        let needle = self.audit_view.filter_text();
        kind && (needle.is_empty() || row.search.contains(&needle))
    }

    /// Newest first.
    fn refilter_audit(&mut self) {
        let rows: Vec<usize> = (0..self.audit.len())
            .rev()
            .filter(|&i| self.audit_matches(&self.audit[i]))
            .collect();
        self.audit_view.rows = rows;
        let height = self.height(Focus::Audit);
        let selected = self.audit_view.selected;
        self.audit_view.select(selected, height);
    }

    fn refilter(&mut self, focus: Focus) -> Vec<Effect> {
        match focus {
            Focus::Flights => {
                let keep = self.selected_flight().map(|f| f.id);
                self.refilter_flights(keep);
                self.flight_selection_changed(keep)
            }
            Focus::Passengers => {
                let keep = self.selected_passenger().map(|p| p.id);
                self.refilter_passengers(keep);
                vec![]
            }
            Focus::Audit => {
                self.refilter_audit();
                vec![]
            }
        }
    }

    fn flight_selection_changed(&mut self, before: Option<Uuid>) -> Vec<Effect> {
        let after = self.selected_flight().map(|f| f.id);
        if after == before {
            return vec![];
        }
        self.passengers_shown_for(after);
        self.load_passengers()
    }

    // ---- keys ----------------------------------------------------------------------------

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            self.quit = true;
            return vec![];
        }
        if let Some(overlay) = self.overlay.take() {
            return self.on_overlay_key(overlay, key);
        }
        if self.view(self.focus).editing {
            return self.on_filter_key(key);
        }
        let height = self.height(self.focus);
        let page = height.max(1) as isize;
        let focus = self.focus;
        let movement = match key.code {
            KeyCode::Up | KeyCode::Char('k') => Some(-1),
            KeyCode::Down | KeyCode::Char('j') => Some(1),
            KeyCode::PageUp => Some(-page),
            KeyCode::PageDown => Some(page),
            KeyCode::Home | KeyCode::Char('g') => Some(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => Some(isize::MAX / 2),
            _ => None,
        };
        if let Some(delta) = movement {
            return self.move_selection(focus, delta);
        }
        match key.code {
            KeyCode::Char('q') => {
                self.quit = true;
                vec![]
            }
            KeyCode::Tab => {
                self.focus = self.focus.next();
                vec![]
            }
            KeyCode::BackTab => {
                self.focus = self.focus.previous();
                vec![]
            }
            KeyCode::Char('1') => {
                self.focus = Focus::Flights;
                vec![]
            }
            KeyCode::Char('2') => {
                self.focus = Focus::Passengers;
                vec![]
            }
            KeyCode::Char('3') => {
                self.focus = Focus::Audit;
                vec![]
            }
            KeyCode::Char('?') => {
                self.overlay = Some(Overlay::Help);
                vec![]
            }
            KeyCode::Char('/') => {
                self.view_mut(focus).editing = true;
                vec![]
            }
            KeyCode::Esc => {
                let view = self.view_mut(focus);
                if view.filter.value().is_empty() {
                    return vec![];
                }
                view.filter.reset();
                self.refilter(focus)
            }
            _ => match focus {
                Focus::Flights => self.on_flights_key(key),
                Focus::Passengers => self.on_passengers_key(key),
                Focus::Audit => self.on_audit_key(key),
            },
        }
    }

    fn move_selection(&mut self, focus: Focus, delta: isize) -> Vec<Effect> {
        let before = self.selected_flight().map(|f| f.id);
        let height = self.height(focus);
        self.view_mut(focus).move_by(delta, height);
        if focus == Focus::Flights {
            self.flight_selection_changed(before)
        } else {
            vec![]
        }
    }

    fn on_filter_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let focus = self.focus;
        let view = self.view_mut(focus);
        let request = match key.code {
            KeyCode::Esc => {
                view.editing = false;
                view.filter.reset();
                return self.refilter(focus);
            }
            KeyCode::Enter | KeyCode::Tab | KeyCode::Down | KeyCode::Up => {
                view.editing = false;
                return vec![];
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                InputRequest::InsertChar(c)
            }
            KeyCode::Char('u') => InputRequest::DeleteLine,
            KeyCode::Backspace => InputRequest::DeletePrevChar,
            KeyCode::Delete => InputRequest::DeleteNextChar,
            KeyCode::Left => InputRequest::GoToPrevChar,
            KeyCode::Right => InputRequest::GoToNextChar,
            _ => return vec![],
        };
        if view.filter.handle(request).is_some_and(|c| c.value) {
            return self.refilter(focus);
        }
        vec![]
    }

    fn on_paste(&mut self, text: &str) {
        if let Some(Overlay::Form(form)) = self.overlay.as_mut() {
            form.paste(text);
        }
    }

    fn on_overlay_key(&mut self, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
        match overlay {
            Overlay::Help => {
                if !matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Char('?' | 'q') | KeyCode::Enter
                ) {
                    self.overlay = Some(Overlay::Help);
                }
                vec![]
            }
            Overlay::Details { scroll } => {
                let scroll = match key.code {
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => return vec![],
                    KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                    KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
                    KeyCode::PageUp => scroll.saturating_sub(10),
                    KeyCode::PageDown => scroll.saturating_add(10),
                    KeyCode::Home => 0,
                    _ => scroll,
                };
                self.overlay = Some(Overlay::Details { scroll });
                vec![]
            }
            Overlay::ConfirmDelete(flight) => {
                if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                    self.run(Command::Delete(flight))
                } else {
                    self.toast(format!("Kept flight {}", flight.flight_number), Tone::Info)
                }
            }
            Overlay::Form(mut form) => match form.handle_key(key) {
                FormOutcome::Stay => {
                    self.overlay = Some(Overlay::Form(form));
                    vec![]
                }
                FormOutcome::Cancel => vec![],
                FormOutcome::Submit(values) => self.submit(form.kind, values),
            },
        }
    }

    fn submit(&mut self, kind: FormKind, values: Vec<String>) -> Vec<Effect> {
        let mut values = values.into_iter();
        let mut next = || values.next().unwrap_or_default();
        let command = match kind {
            FormKind::NewFlight => Command::CreateFlight {
                origin: next(),
                destination: next(),
                flight_number: next(),
            },
            FormKind::EditFlight(flight) => Command::EditFlight {
                flight,
                origin: next(),
                destination: next(),
                flight_number: next(),
            },
            FormKind::AddPassenger(flight) => Command::AddPassenger {
                flight,
                name: next(),
            },
            FormKind::RenamePassenger(passenger) => Command::Rename {
                passenger,
                name: next(),
            },
        };
        self.run(command)
    }

    fn run(&mut self, command: Command) -> Vec<Effect> {
        if let Some(busy) = &self.busy {
            let text = format!("Still {busy}; try again when it is done");
            return self.toast(text, Tone::Info);
        }
        self.busy = Some(command.describe());
        vec![Effect::Run(command)]
    }

    fn refuse(&mut self, why: DomainError) -> Vec<Effect> {
        self.toast(why.to_string(), Tone::Bad)
    }

    fn no_flight(&mut self) -> Vec<Effect> {
        self.toast(
            "No flight selected: create one with n".to_owned(),
            Tone::Info,
        )
    }

    fn on_flights_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let flight = self.selected_flight().cloned();
        match (key.code, flight) {
            (KeyCode::Char('n'), _) => {
                self.overlay = Some(Overlay::Form(Form::new(FormKind::NewFlight)));
                vec![]
            }
            (KeyCode::Char('e' | 'a' | 'd' | 'l' | 'x') | KeyCode::Delete, None) => {
                self.no_flight()
            }
            (KeyCode::Char('e'), Some(f)) => {
                match checks::change_details(&f.flight_number, f.status) {
                    Err(why) => self.refuse(why),
                    Ok(()) => {
                        self.overlay = Some(Overlay::Form(Form::new(FormKind::EditFlight(f))));
                        vec![]
                    }
                }
            }
            (KeyCode::Char('a'), Some(f)) => self.add_passenger(f),
            (KeyCode::Char('d'), Some(f)) => {
                match checks::disembark(&f.flight_number, f.status, counts::reported(&f)) {
                    Err(why) => self.refuse(why),
                    Ok(()) => self.run(Command::Disembark(f)),
                }
            }
            (KeyCode::Char('l'), Some(f)) => match checks::land(&f.flight_number, f.status) {
                Err(why) => self.refuse(why),
                Ok(()) => self.run(Command::Land(f)),
            },
            (KeyCode::Char('x') | KeyCode::Delete, Some(f)) => {
                self.overlay = Some(Overlay::ConfirmDelete(f));
                vec![]
            }
            _ => vec![],
        }
    }

    fn add_passenger(&mut self, flight: Flight) -> Vec<Effect> {
        match checks::add_passenger(&flight.flight_number, flight.status) {
            Err(why) => self.refuse(why),
            Ok(()) => {
                self.overlay = Some(Overlay::Form(Form::new(FormKind::AddPassenger(flight))));
                vec![]
            }
        }
    }

    fn passengers_flight(&self) -> Option<Flight> {
        let f = self.selected_flight()?;
        (self.passengers_of == Some(f.id)).then(|| f.clone())
    }

    fn on_passengers_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let passenger = self.selected_passenger().cloned();
        match (key.code, passenger) {
            (KeyCode::Char('a'), _) => match self.selected_flight().cloned() {
                Some(f) => self.add_passenger(f),
                None => self.no_flight(),
            },
            (KeyCode::Char('b' | 'e') | KeyCode::Enter, None) => self.toast(
                "No passenger selected: add one with a".to_owned(),
                Tone::Info,
            ),
            (KeyCode::Char('b') | KeyCode::Enter, Some(p)) => {
                if let Err(why) = checks::board(&p.name, p.status) {
                    return self.refuse(why);
                }
                let flight = self
                    .passengers_flight()
                    .map(|f| f.flight_number)
                    .unwrap_or_default();
                self.run(Command::Board {
                    passenger: p,
                    flight,
                })
            }
            (KeyCode::Char('e'), Some(p)) => {
                if let Err(why) = checks::rename(&p.name, p.status) {
                    return self.refuse(why);
                }
                self.overlay = Some(Overlay::Form(Form::new(FormKind::RenamePassenger(p))));
                vec![]
            }
            _ => vec![],
        }
    }

    fn on_audit_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Enter => {
                if self.selected_audit().is_some() {
                    self.overlay = Some(Overlay::Details { scroll: 0 });
                }
                vec![]
            }
            KeyCode::Char('f') => {
                self.following = !self.following;
                if self.following {
                    self.unseen = 0;
                    let height = self.height(Focus::Audit);
                    self.audit_view.select(0, height);
                    self.audit_view.offset = 0;
                }
                vec![]
            }
            KeyCode::Char('t') => {
                self.audit_kind = self.audit_kind.next();
                self.refilter_audit();
                vec![]
            }
            _ => vec![],
        }
    }

    // ---- mouse ---------------------------------------------------------------------------

    fn on_mouse(&mut self, mouse: MouseEvent) -> Vec<Effect> {
        if self.overlay.is_some() {
            return vec![];
        }
        let Some(areas) = ui::areas(self.size) else {
            return vec![];
        };
        let at = Position::new(mouse.column, mouse.row);
        let Some(focus) = [Focus::Flights, Focus::Passengers, Focus::Audit]
            .into_iter()
            .find(|f| areas.pane(*f).contains(at))
        else {
            return vec![];
        };
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = focus;
                let pane = areas.pane(focus);
                let first_row = pane.y + 2;
                if mouse.row >= first_row && mouse.row < pane.bottom().saturating_sub(1) {
                    let index = self.view(focus).offset + usize::from(mouse.row - first_row);
                    if index < self.view(focus).rows.len() {
                        let before = self.selected_flight().map(|f| f.id);
                        let height = self.height(focus);
                        self.view_mut(focus).select(index, height);
                        if focus == Focus::Flights {
                            return self.flight_selection_changed(before);
                        }
                    }
                }
                vec![]
            }
            MouseEventKind::ScrollDown => self.move_selection(focus, 3),
            MouseEventKind::ScrollUp => self.move_selection(focus, -3),
            _ => vec![],
        }
    }
}
