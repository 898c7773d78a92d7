//! The tour on screen: a director that plays the script as an operator would, pressing the
//! console's own keys into the real update logic one at a time and watching, through the
//! console's query interface, for each step's effect. A banner in the footer line names the
//! step; the toast line shows the answers.

use super::plan::{plan, Op};
use super::script::{audit_matches, history_matches, Expectation, Script};
use crate::focus::Focus;
use crate::keymap::{self, Action, Context};
use crate::layout;
use crate::list::Step;
use crate::msg::Msg;
use crate::query::Query;
use crate::theme::{Theme, Tone};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;
use uuid::Uuid;

/// At speed 1: a keystroke every 70 ms and 1.4 s to read each step's banner and answer.
const KEY_GAP: Duration = Duration::from_millis(70);
const STEP_GAP: Duration = Duration::from_millis(1400);
/// A command may take the console's whole settle time before it answers.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone, Debug, PartialEq)]
pub enum State {
    Running,
    Done,
    Failed(String),
}

enum Progress {
    Key(KeyEvent),
    Wait(String),
    Next,
    /// Look again at once: the queue changed under the current op.
    Again,
    /// The step ends here: held (`Ok`) or not.
    Finish(Result<(), String>),
}

pub struct Director {
    script: Script,
    index: usize,
    ops: VecDeque<Op>,
    started: bool,
    names: HashMap<String, Uuid>,
    passenger_flight: HashMap<String, String>,
    key_gap: Duration,
    step_gap: Duration,
    next_at: Instant,
    deadline: Option<Instant>,
    waiting_for: String,
    mark: u64,
    paused: bool,
    exit_when_done: bool,
    quit: bool,
    pub state: State,
}

impl Director {
    /// `speed` divides the pauses: 2 is twice as fast, 0.5 half as fast, 0 does not pause.
    pub fn new(script: Script, speed: f64, exit_when_done: bool) -> Self {
        let scale = |d: Duration| {
            if speed <= 0.0 {
                Duration::ZERO
            } else {
                d.div_f64(speed)
            }
        };
        Self {
            script,
            index: 0,
            ops: VecDeque::new(),
            started: false,
            names: HashMap::new(),
            passenger_flight: HashMap::new(),
            key_gap: scale(KEY_GAP),
            step_gap: scale(STEP_GAP),
            next_at: Instant::now(),
            deadline: None,
            waiting_for: String::new(),
            mark: 0,
            paused: false,
            exit_when_done,
            quit: false,
            state: State::Running,
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self.state, State::Failed(_))
    }

    /// The step that did not hold, what it said and what was seen instead, in one line.
    pub fn failure(&self) -> Option<String> {
        let State::Failed(why) = &self.state else {
            return None;
        };
        let total = self.script.steps.len();
        let say = self
            .script
            .steps
            .get(self.index)
            .map_or("", |s| s.say.as_str());
        Some(format!(
            "step {}/{total} failed: {say}: {why}",
            self.index + 1
        ))
    }

    /// Whether the operator quit the tour, or it ended and was to take the console with it.
    pub fn wants_to_quit(&self) -> bool {
        self.quit
    }

    /// While the tour plays, the operator's keys steer the tour, not the console: `q` quits,
    /// any other key pauses or resumes. Afterwards the console is theirs. Says whether the
    /// message should reach the console.
    pub fn intercept(&mut self, msg: &Msg) -> bool {
        if self.state != State::Running {
            return true;
        }
        match msg {
            Msg::Key(k) => {
                let quits = keymap::action(Context::Global, *k);
                if matches!(quits, Some(Action::Quit | Action::Interrupt)) {
                    self.quit = true;
                } else {
                    self.paused = !self.paused;
                    if !self.paused {
                        // Time spent paused is not the step's fault.
                        self.deadline = None;
                    }
                }
                false
            }
            Msg::Mouse(_) | Msg::Paste(_) => false,
            _ => true,
        }
    }

    /// When the director next needs to run without a message arriving.
    pub fn wake_at(&self) -> Option<Instant> {
        if self.state != State::Running || self.paused {
            return None;
        }
        let now = Instant::now();
        if self.next_at > now {
            return Some(self.next_at);
        }
        self.deadline
    }

    /// Plays as far as the pacing and the console's state allow; the key to press next, if its
    /// time has come. The caller presses it and asks again.
    pub fn next_key(&mut self, console: &impl Query) -> Option<KeyEvent> {
        loop {
            if self.state != State::Running || self.paused || self.quit {
                return None;
            }
            let now = Instant::now();
            if now < self.next_at {
                return None;
            }
            if !self.started {
                let Some(step) = self.script.steps.get(self.index) else {
                    self.state = State::Done;
                    self.quit = self.exit_when_done;
                    return None;
                };
                self.ops = plan(&step.kind, &self.passenger_flight);
                self.started = true;
                self.deadline = None;
                self.next_at = now + self.step_gap;
                continue;
            }
            let Some(op) = self.ops.front().cloned() else {
                self.step_done();
                continue;
            };
            match self.poll(&op, console) {
                Progress::Key(k) => {
                    self.next_at = now + self.key_gap;
                    return Some(k);
                }
                Progress::Next => {
                    self.ops.pop_front();
                    self.deadline = None;
                }
                Progress::Again => {}
                Progress::Finish(Ok(())) => {
                    self.ops.clear();
                    self.step_done();
                }
                Progress::Finish(Err(why)) => {
                    self.fail(why);
                    return None;
                }
                Progress::Wait(what) => {
                    let timeout = match op {
                        Op::Await { .. } => COMMAND_TIMEOUT,
                        _ => self.step_timeout(),
                    };
                    let deadline = *self.deadline.get_or_insert(now + timeout);
                    self.waiting_for = what;
                    if now >= deadline {
                        let why =
                            format!("{} after {:.0} s", self.waiting_for, timeout.as_secs_f64());
                        self.fail(why);
                    }
                    return None;
                }
            }
        }
    }

    fn step_timeout(&self) -> Duration {
        self.script
            .steps
            .get(self.index)
            .map_or(super::script::DEFAULT_TIMEOUT, |s| s.timeout)
    }

    fn step_done(&mut self) {
        self.index += 1;
        self.started = false;
        self.deadline = None;
    }

    fn fail(&mut self, why: String) {
        self.state = State::Failed(why);
        self.quit = self.exit_when_done;
    }

    fn id(&self, name: &str) -> Option<Uuid> {
        self.names.get(name).copied()
    }

    fn press(&mut self, context: Context, action: Action) -> Progress {
        match keymap::key_for(context, action) {
            Some(key) => Progress::Key(key),
            None => Progress::Finish(Err(format!("no key does {action:?} in {context:?}"))),
        }
    }

    /// Moves the selection towards the row at `at` among the shown rows.
    fn towards(&mut self, at: usize, selected: Option<usize>) -> Progress {
        use std::cmp::Ordering;
        match selected.map(|s| at.cmp(&s)) {
            Some(Ordering::Equal) => Progress::Next,
            Some(Ordering::Less) => self.press(Context::Global, Action::Move(Step::Up)),
            _ => self.press(Context::Global, Action::Move(Step::Down)),
        }
    }

    fn poll(&mut self, op: &Op, console: &impl Query) -> Progress {
        match op {
            Op::Key(k) => {
                self.ops.pop_front();
                Progress::Key(*k)
            }
            Op::Press(context, action) => {
                self.ops.pop_front();
                self.press(*context, *action)
            }
            Op::Focus(f) => {
                if console.dialog().is_some() {
                    // Esc leaves every dialog.
                    return Progress::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
                }
                if console.focus() == *f {
                    return Progress::Next;
                }
                self.press(Context::Global, Action::Show(*f))
            }
            Op::SelectFlight(name) => {
                let Some(id) = self.id(name) else {
                    return Progress::Finish(Err(format!("'{name}' was never bound")));
                };
                if console.focus() != Focus::Flights {
                    return self.press(Context::Global, Action::Show(Focus::Flights));
                }
                let selected = console.selected_flight().map(|f| f.id);
                let mut at = None;
                let mut now = None;
                for (i, f) in console.shown_flights().enumerate() {
                    at = at.or((f.id == id).then_some(i));
                    now = now.or((Some(f.id) == selected).then_some(i));
                }
                match at {
                    Some(at) => self.towards(at, now),
                    None => Progress::Wait(format!("flight '{name}' not in the list")),
                }
            }
            Op::SelectPassenger(name) => {
                let Some(id) = self.id(name) else {
                    return Progress::Finish(Err(format!("'{name}' was never bound")));
                };
                if console.focus() != Focus::Passengers {
                    return self.press(Context::Global, Action::Show(Focus::Passengers));
                }
                let selected = console.selected_passenger().map(|p| p.id);
                let mut at = None;
                let mut now = None;
                for (i, p) in console.shown_passengers().enumerate() {
                    at = at.or((p.id == id).then_some(i));
                    now = now.or((Some(p.id) == selected).then_some(i));
                }
                match at {
                    Some(at) => self.towards(at, now),
                    None => Progress::Wait(format!("passenger '{name}' not in the list")),
                }
            }
            Op::Mark => {
                self.mark = console.toast_seq();
                Progress::Next
            }
            Op::FormOpens => {
                if console.dialog() == Some(Context::Form) {
                    return Progress::Next;
                }
                // No form: the key was refused. Skip to the answer.
                while let Some(next) = self.ops.front() {
                    if matches!(next, Op::Await { .. }) {
                        break;
                    }
                    self.ops.pop_front();
                }
                Progress::Again
            }
            Op::Await { refused } => {
                if console.running().is_some() || console.toast_seq() == self.mark {
                    return Progress::Wait("the command's answer".to_owned());
                }
                let (text, tone) = console
                    .toast()
                    .map_or((String::new(), Tone::Info), |t| (t.text.clone(), t.tone));
                match (tone == Tone::Good, refused) {
                    (true, false) | (false, true) => Progress::Next,
                    (true, true) => Progress::Finish(Err(format!(
                        "expected a refusal, but it was carried out: {text}"
                    ))),
                    (false, false) => Progress::Finish(Err(format!("refused: {text}"))),
                }
            }
            Op::BindFlight(name) => match console.created_flight() {
                Some(id) => {
                    self.names.insert(name.clone(), id);
                    Progress::Next
                }
                None => Progress::Finish(Err("the new flight's id is unknown".to_owned())),
            },
            Op::BindPassenger { name, flight } => match console.created_passenger() {
                Some(id) => {
                    self.names.insert(name.clone(), id);
                    self.passenger_flight.insert(name.clone(), flight.clone());
                    Progress::Next
                }
                None => Progress::Finish(Err("the new passenger's id is unknown".to_owned())),
            },
            Op::Hold => {
                self.next_at = Instant::now() + self.step_gap;
                Progress::Next
            }
            Op::Check(e) => match self.check(e, console) {
                Ok(()) => Progress::Next,
                Err(seen) => Progress::Wait(seen),
            },
        }
    }

    /// Whether the console shows what the expectation asks; else what it shows.
    fn check(&self, e: &Expectation, console: &impl Query) -> Result<(), String> {
        let unbound = |n: &str| format!("'{n}' was never bound");
        match e {
            Expectation::FlightStatus { flight, status } => {
                let id = self.id(flight).ok_or_else(|| unbound(flight))?;
                match console.flight(id) {
                    Some(f) if f.status == *status => Ok(()),
                    Some(f) => Err(format!("saw {} {}", f.flight_number, f.status.label())),
                    None => Err(format!("flight '{flight}' not in the list")),
                }
            }
            Expectation::PassengerStatus { passenger, status } => {
                let id = self.id(passenger).ok_or_else(|| unbound(passenger))?;
                match console.passenger(id) {
                    Some(p) if p.status == *status => Ok(()),
                    Some(p) => Err(format!("saw {} {}", p.name, p.status.label())),
                    None => Err(format!("passenger '{passenger}' not in the list")),
                }
            }
            Expectation::PassengerCount {
                flight,
                count,
                boarded,
            } => {
                let id = self.id(flight).ok_or_else(|| unbound(flight))?;
                match console.flight(id) {
                    Some(f)
                        if f.passenger_count == Some(*count)
                            && boarded.is_none_or(|b| f.boarded_count == Some(b)) =>
                    {
                        Ok(())
                    }
                    Some(f) => Err(format!(
                        "saw {} of {} boarded",
                        f.boarded_count.unwrap_or(0),
                        f.passenger_count.unwrap_or(0)
                    )),
                    None => Err(format!("flight '{flight}' not in the list")),
                }
            }
            Expectation::History {
                flight,
                events,
                last,
            } => {
                let id = self.id(flight).ok_or_else(|| unbound(flight))?;
                match console.history() {
                    Some(view) if view.flight() == id && view.is_read() => {
                        history_matches(view.entries(), *events, last.as_deref()).map(|_| ())
                    }
                    Some(view) if view.error().is_some() => {
                        Err(view.error().unwrap_or_default().to_owned())
                    }
                    _ => Err(format!("the history of '{flight}' not shown")),
                }
            }
            Expectation::Audit {
                about,
                event,
                status,
            } => {
                let id = self.id(about).ok_or_else(|| unbound(about))?;
                if console
                    .audit_entries()
                    .any(|entry| audit_matches(entry, id, event.as_deref(), *status))
                {
                    Ok(())
                } else {
                    Err("no such audit entry".to_owned())
                }
            }
        }
    }

    /// The banner, over the footer line.
    pub fn draw(&self, frame: &mut Frame, theme: &Theme) {
        let Some(areas) = layout::areas(frame.area()) else {
            return;
        };
        let total = self.script.steps.len();
        let say = self
            .script
            .steps
            .get(self.index)
            .map_or("", |s| s.say.as_str());
        let text = match &self.state {
            State::Done => format!(
                " ■ Tour complete: all {total} steps held · the console is yours (? help, q quits) "
            ),
            State::Failed(why) => {
                format!(" ✗ Step {}/{total} failed: {say}: {why} ", self.index + 1)
            }
            State::Running => {
                let hint = if self.paused {
                    "PAUSED · any key resumes, q quits"
                } else {
                    "any key pauses, q quits"
                };
                format!(" ▶ Step {}/{total}: {say} · {hint} ", self.index + 1)
            }
        };
        let style = match &self.state {
            State::Failed(_) => theme.tone(Tone::Bad),
            _ => theme.status_bar(),
        };
        frame.render_widget(Clear, areas.footer);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(text, style))),
            areas.footer,
        );
    }
}
