//! The console's root: it owns what the components share (the focus, the toasts, the command
//! being sent, the reads in flight, the dialog) and routes every message to the component it is
//! for. Every key, mouse event, answer and stream message comes in as a [`Msg`]; what needs I/O
//! goes out as [`Effect`]s that the runtime carries out off the UI task. Nothing here touches a
//! terminal or the network, so all of it is testable.

mod draw;
mod history;
mod loads;
mod query;
#[cfg(test)]
mod tests;

use crate::ask::{Ask, Dialog};
use crate::client::{ClientError, Dialect};
use crate::focus::Focus;
use crate::keymap::{self, Action, Context};
use crate::layout;
use crate::msg::{Command, Done, Effect, FeedEvent, Msg, Timer};
use crate::overlays::status::StatusView;
use crate::overlays::{Overlay, Reply};
use crate::panes::audit::AuditPane;
use crate::panes::flights::FlightsPane;
use crate::panes::passengers::PassengersPane;
use crate::panes::Input;
use crate::status_bar::{Mode, StatusBar, ERROR_FADES_AFTER};
use crate::status_watch::StatusWatch;
use crate::theme::{Theme, Tone};
use crate::toast::Toasts;
use crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use flightdeck_core::contract::{AuditEntry, Flight, Passenger};
use loads::Loads;
use ratatui::layout::{Position, Rect};
use std::time::Duration;
use uuid::Uuid;

/// How long a command may go without an answer before the status bar says it is waiting.
const COMMAND_SLOW_AFTER: Duration = Duration::from_secs(3);

/// The ids the last successful creates made, so that a scripted operator can name them.
#[derive(Clone, Copy, Debug, Default)]
struct Created {
    flight: Option<Uuid>,
    passenger: Option<Uuid>,
}

pub struct Console {
    theme: Theme,
    size: Rect,
    focus: Focus,
    status: StatusBar,
    flights: FlightsPane,
    passengers: PassengersPane,
    audit: AuditPane,
    overlay: Option<Overlay>,
    toasts: Toasts,
    /// The command being carried out, in words: one at a time, so results stay in order.
    running: Option<String>,
    /// Counts the commands sent, so that a timer speaks only of the command it was set for.
    commands: u64,
    loads: Loads,
    created: Created,
    identity: Identity,
    quit: bool,
    /// The backend's `GET /api/status`, read every second.
    watch: StatusWatch,
}

/// Whether what answers at the backend's URL is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Identity {
    Unknown,
    Asking,
    Known,
}

impl Console {
    pub fn new(theme: Theme, backend: String, mode: Mode, size: Rect) -> Self {
        Self {
            theme,
            size,
            focus: Focus::Flights,
            status: StatusBar::new(backend, mode),
            flights: FlightsPane::default(),
            passengers: PassengersPane::default(),
            audit: AuditPane::default(),
            overlay: None,
            toasts: Toasts::default(),
            running: None,
            commands: 0,
            loads: Loads::default(),
            created: Created::default(),
            identity: Identity::Unknown,
            quit: false,
            watch: StatusWatch::default(),
        }
    }

    /// What to do first: find out what answers at the URL and start watching the backend's
    /// status. The flights are read once the audit feed has answered (see `Loads`).
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = self.identify();
        effects.push(self.watch.start());
        effects
    }

    /// Asks what answers at the backend's URL, unless that is known or being asked.
    fn identify(&mut self) -> Vec<Effect> {
        if self.identity != Identity::Unknown {
            return vec![];
        }
        self.identity = Identity::Asking;
        vec![Effect::Identify]
    }

    fn on_identified(&mut self, result: Result<Dialect, ClientError>) -> Vec<Effect> {
        match result {
            Ok(_) => {
                self.identity = Identity::Known;
                self.status.not_an_api(None);
            }
            Err(err @ ClientError::NotAnApi(_)) => {
                self.identity = Identity::Known;
                self.status.not_an_api(Some(err.to_string()));
            }
            // No answer yet, or one that says nothing of the URL (a 401): asked again once
            // the backend answers.
            Err(err) => {
                self.identity = Identity::Unknown;
                self.status.read_failed(&err);
            }
        }
        vec![]
    }

    pub fn wants_to_quit(&self) -> bool {
        self.quit
    }

    pub fn size(&self) -> Rect {
        self.size
    }

    pub fn status(&self) -> &StatusBar {
        &self.status
    }

    pub fn flights(&self) -> &FlightsPane {
        &self.flights
    }

    pub fn passengers(&self) -> &PassengersPane {
        &self.passengers
    }

    pub fn audit(&self) -> &AuditPane {
        &self.audit
    }

    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    /// Where keys go now: a dialog, a filter being typed, or the focused pane.
    pub fn context(&self) -> Context {
        match &self.overlay {
            Some(overlay) => overlay.context(),
            None if self.view_editing() => Context::Filter,
            None => Context::of(self.focus),
        }
    }

    fn view_editing(&self) -> bool {
        match self.focus {
            Focus::Flights => self.flights.view().editing(),
            Focus::Passengers => self.passengers.view().editing(),
            Focus::Audit => self.audit.view().editing(),
        }
    }

    /// Rows the pane's list shows at this size.
    fn height(&self, focus: Focus) -> usize {
        layout::areas(self.size).map_or(1, |a| layout::list_height(a.pane(focus)))
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut effects = self.route(msg);
        if let Some(seq) = self.status.error_to_fade() {
            effects.push(Effect::Timer {
                timer: Timer::ErrorFades(seq),
                after: ERROR_FADES_AFTER,
            });
        }
        effects
    }

    fn route(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Mouse(mouse) => self.on_mouse(mouse),
            Msg::Paste(text) => {
                let seen = layout::areas(self.size).is_some();
                if let Some(overlay) = self.overlay.as_mut().filter(|_| seen) {
                    overlay.paste(&text);
                }
                vec![]
            }
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.flights.clamp(self.height(Focus::Flights));
                self.passengers.clamp(self.height(Focus::Passengers));
                self.audit.clamp(self.height(Focus::Audit));
                if let Some(overlay) = &mut self.overlay {
                    overlay.fit(self.size);
                }
                vec![]
            }
            Msg::Flights(result) => self.on_flights(result),
            Msg::Passengers(flight, result) => self.on_passengers(flight, result),
            Msg::AuditSnapshot(entries) => {
                let height = self.height(Focus::Audit);
                self.audit.snapshot(entries, self.flights.numbers(), height);
                self.loads.feed_answered(false)
            }
            Msg::Audit(entry) => self.on_audit(entry),
            Msg::AuditPage(page, result) => {
                let (height, result) =
                    (self.height(Focus::Audit), result.map_err(|e| e.to_string()));
                let ask = self
                    .audit
                    .page(page, result, self.flights.numbers(), height);
                self.carry_out(ask.into_iter().collect())
            }
            Msg::Feed(FeedEvent::Reset) => {
                // Nothing read from the old log holds in the new one: read it all again.
                self.audit.reset();
                let text =
                    "The backend's data is not what it was (it was reset): read again".to_owned();
                let mut effects = vec![self.toasts.show(text, Tone::Info)];
                effects.extend(self.reload());
                effects
            }
            Msg::Feed(event) => {
                let down = matches!(event, FeedEvent::Down { .. });
                // Whatever happened while the stream was down shows in the lists now.
                let reread = event == FeedEvent::Live && self.loads.feed_back();
                let up = matches!(event, FeedEvent::Live | FeedEvent::Polling);
                if event == FeedEvent::Polling {
                    self.audit.polling();
                }
                self.status.on_feed(event);
                let mut effects = if reread { self.reload() } else { vec![] };
                if down {
                    // Tried anyway, so the Flights pane says the backend is unreachable.
                    effects.extend(self.loads.feed_answered(true));
                }
                if up {
                    effects.extend(self.identify());
                }
                effects
            }
            Msg::Identified(result) => self.on_identified(result),
            Msg::History(flight, result) => self.on_history(flight, result),
            Msg::Suspend => vec![Effect::Suspend],
            // The runtime takes the terminal again and redraws it; nothing here changed.
            Msg::Resumed => vec![],
            Msg::Poll => self.reload(),
            Msg::Done(done) => self.on_done(done),
            Msg::Status(at, result) => self.on_status(at, result),
            Msg::ToastExpired(seq) => {
                self.toasts.expire(seq);
                vec![]
            }
            Msg::Timer(Timer::ErrorFades(seq)) => {
                self.status.fade(seq);
                vec![]
            }
            Msg::Timer(Timer::CommandSlow(seq)) => {
                if self.running.is_some() && seq == self.commands {
                    self.status.set_waiting(true);
                }
                vec![]
            }
            Msg::Quit => {
                self.quit = true;
                vec![]
            }
        }
    }

    // ---- reading -------------------------------------------------------------------------

    fn load_passengers(&mut self) -> Vec<Effect> {
        match self.flights.selected_id() {
            Some(id) => self.loads.passengers(id),
            None => vec![],
        }
    }

    /// Reads both lists again (coalesced with any read in flight).
    fn reload(&mut self) -> Vec<Effect> {
        let mut effects = self.loads.flights();
        effects.extend(self.load_passengers());
        effects
    }

    fn on_flights(&mut self, result: Result<Vec<Flight>, ClientError>) -> Vec<Effect> {
        let mut effects = vec![];
        if self.loads.flights_answered() {
            effects.extend(self.loads.flights());
        }
        match result {
            Err(err) => {
                self.flights.read_failed(err.is_connection());
                self.status.read_failed(&err);
            }
            Ok(flights) => {
                self.status.read_answered();
                let before = self.flights.selected_id();
                self.flights.replace(flights, self.height(Focus::Flights));
                let height = self.height(Focus::Audit);
                self.audit.name_flights(self.flights.numbers(), height);
                let after = self.flights.selected_id();
                if after != before || after != self.passengers.of() {
                    self.passengers.show_for(after);
                }
                effects.extend(self.load_passengers());
            }
        }
        effects
    }

    fn on_passengers(
        &mut self,
        flight: Uuid,
        result: Result<Vec<Passenger>, ClientError>,
    ) -> Vec<Effect> {
        let again = self.loads.passengers_answered();
        let current = self.flights.selected_id();
        match result {
            Err(err) => self.status.read_failed(&err),
            Ok(passengers) if current == Some(flight) => {
                self.flights.count(flight, &passengers);
                let height = self.height(Focus::Passengers);
                self.passengers.replace(flight, passengers, height);
            }
            // A late answer for a flight no longer selected.
            Ok(_) => {}
        }
        if again || current != Some(flight) {
            return self.load_passengers();
        }
        vec![]
    }

    fn on_audit(&mut self, entry: AuditEntry) -> Vec<Effect> {
        let mut effects = self.history_grows(&entry);
        if !self.audit.push(entry, self.flights.numbers()) {
            return effects;
        }
        // Every event changes a flight or a passenger: read them again (coalesced).
        effects.extend(self.reload());
        effects
    }

    fn on_done(&mut self, done: Done) -> Vec<Effect> {
        self.running = None;
        self.status.set_waiting(false);
        // A form waiting for this answer closes once it is done, and keeps what was typed
        // when it is not.
        let form = self
            .overlay
            .as_mut()
            .and_then(Overlay::form_mut)
            .filter(|f| f.sending());
        match (form, &done.result) {
            (Some(_), Ok(_)) => self.overlay = None,
            (Some(form), Err(err)) => form.failed(err),
            (None, _) => {}
        }
        let mut effects = match done.result {
            Ok(text) => {
                if let Some(id) = done.new_flight {
                    self.flights.select_when_shown(id);
                    self.created.flight = Some(id);
                }
                if let Some(id) = done.new_passenger {
                    self.passengers.select_when_shown(id);
                    self.created.passenger = Some(id);
                }
                if let Some(seen) = done.flight {
                    self.flights.confirmed(seen);
                }
                if let Some(seen) = done.passenger {
                    self.passengers.confirmed(seen);
                }
                vec![self.toasts.show(text, Tone::Good)]
            }
            Err(err) => {
                self.status.command_failed(&err);
                vec![self.toasts.show(err.to_string(), Tone::Bad)]
            }
        };
        effects.extend(self.reload());
        effects
    }

    fn on_status(
        &mut self,
        at: std::time::Instant,
        result: Result<Option<flightdeck_core::backend_status::BackendStatus>, ClientError>,
    ) -> Vec<Effect> {
        let next = self.watch.answered(at, result);
        self.status.set_lag(self.watch.lag());
        if let Some(Overlay::Status(view)) = &mut self.overlay {
            view.show(&self.watch);
        }
        next.into_iter().collect()
    }

    fn open_status(&mut self) -> Vec<Effect> {
        if self.watch.absent {
            let text = "This backend reports no status (an original deployment has no /status).";
            return vec![self.toasts.show(text.to_owned(), Tone::Info)];
        }
        self.overlay = Some(Overlay::Status(StatusView::new(&self.watch)));
        vec![]
    }

    // ---- what components ask -------------------------------------------------------------

    fn carry_out(&mut self, asks: Vec<Ask>) -> Vec<Effect> {
        let mut effects = vec![];
        for ask in asks {
            match ask {
                Ask::Open(dialog) => self.open(dialog),
                Ask::Run(command) => effects.extend(self.run(command)),
                Ask::Say(text, tone) => effects.push(self.toasts.show(text, tone)),
                Ask::ReadAudit(page) => effects.push(Effect::ReadAudit(page)),
            }
        }
        effects
    }

    fn open(&mut self, dialog: Dialog) {
        let mut overlay = Overlay::open(dialog);
        overlay.fit(self.size);
        self.overlay = Some(overlay);
    }

    fn run(&mut self, command: Command) -> Vec<Effect> {
        if let Some(running) = &self.running {
            let text = format!("Still {running}; try again when it is done");
            return vec![self.toasts.show(text, Tone::Info)];
        }
        self.running = Some(command.describe());
        self.commands += 1;
        vec![
            Effect::Run(command),
            Effect::Timer {
                timer: Timer::CommandSlow(self.commands),
                after: COMMAND_SLOW_AFTER,
            },
        ]
    }

    // ---- keys and the mouse --------------------------------------------------------------

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        let global = keymap::action(Context::Global, key);
        if global == Some(Action::Interrupt) {
            self.quit = true;
            return vec![];
        }
        // As Ctrl-C, from anywhere; and a suspend acts on nothing the operator cannot see.
        if global == Some(Action::Suspend) {
            return vec![Effect::Suspend];
        }
        // The operator cannot see what a key would act on, so none may act but quitting.
        if layout::areas(self.size).is_none() {
            if global == Some(Action::Quit) {
                self.quit = true;
            }
            return vec![];
        }
        let context = self.context();
        let action = if context.is_pane() {
            keymap::action(Context::Global, key).or_else(|| keymap::action(context, key))
        } else {
            keymap::action(context, key)
        };
        match action {
            Some(action) => self.act(action).unwrap_or_default(),
            None => self.type_key(key),
        }
    }

    /// A key no binding takes: typing, in a form or a filter.
    fn type_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if let Some(overlay) = &mut self.overlay {
            overlay.type_key(key);
            return vec![];
        }
        if self.view_editing() {
            return self
                .on_pane(self.focus, Input::FilterKey(key))
                .unwrap_or_default();
        }
        vec![]
    }

    /// Carries out a binding's action where the keys go now (see [`Console::context`]): the
    /// dialog, else the root and the focused pane. `None` when nothing there takes it.
    fn act(&mut self, action: Action) -> Option<Vec<Effect>> {
        if let Some(overlay) = &mut self.overlay {
            return match overlay.act(action)? {
                Reply::Stay => {
                    overlay.fit(self.size);
                    Some(vec![])
                }
                Reply::Close(asks) => {
                    self.overlay = None;
                    Some(self.carry_out(asks))
                }
                Reply::Run(command) => {
                    let effects = self.run(command);
                    if runs_now(&effects) {
                        if let Some(form) = self.overlay.as_mut().and_then(Overlay::form_mut) {
                            form.sent();
                        }
                    }
                    Some(effects)
                }
            };
        }
        match action {
            Action::Quit | Action::Interrupt => self.quit = true,
            Action::Suspend => return Some(vec![Effect::Suspend]),
            Action::NextPane => self.focus = self.focus.next(),
            Action::PreviousPane => self.focus = self.focus.previous(),
            Action::Show(focus) => self.focus = focus,
            Action::Help => self.open(Dialog::Help),
            Action::Status => return Some(self.open_status()),
            Action::History => return Some(self.open_history()),
            _ => return self.on_pane(self.focus, Input::Action(action)),
        }
        Some(vec![])
    }

    /// Hands input to a pane and carries out what it asks. A new flight selected shows its
    /// passengers.
    fn on_pane(&mut self, focus: Focus, input: Input) -> Option<Vec<Effect>> {
        let before = self.flights.selected_id();
        let height = self.height(focus);
        let asks = match focus {
            Focus::Flights => self.flights.handle(input, height)?,
            Focus::Passengers => self
                .passengers
                .handle(input, self.flights.selection(), height)?,
            Focus::Audit => self.audit.handle(input, height)?,
        };
        let mut effects = self.carry_out(asks);
        let after = self.flights.selected_id();
        if after != before {
            self.passengers.show_for(after);
            effects.extend(self.load_passengers());
        }
        Some(effects)
    }

    fn on_mouse(&mut self, mouse: MouseEvent) -> Vec<Effect> {
        if self.overlay.is_some() {
            return vec![];
        }
        let Some(areas) = layout::areas(self.size) else {
            return vec![];
        };
        let at = Position::new(mouse.column, mouse.row);
        let Some(focus) = Focus::ALL.into_iter().find(|f| areas.pane(*f).contains(at)) else {
            return vec![];
        };
        if mouse.kind == MouseEventKind::Down(MouseButton::Left) {
            self.focus = focus;
        }
        self.on_pane(focus, Input::Mouse(mouse, areas.pane(focus)))
            .unwrap_or_default()
    }
}

/// Whether the effects send a command (rather than say another is still running).
fn runs_now(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Run(_)))
}
