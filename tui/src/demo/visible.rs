//! The tour on screen: a director that plays the script as an operator would, pressing the
//! console's own keys into the real update logic one at a time and watching the state for each
//! step's effect. A banner in the footer line names the step; the toast line shows the answers.

use super::script::{audit_matches, Action, Expectation, Script, StepKind};
use crate::app::{App, Effect, Focus, Msg, Overlay};
use crate::theme::Tone;
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

#[derive(Clone, Debug)]
enum Op {
    Key(KeyEvent),
    Focus(Focus),
    SelectFlight(String),
    SelectPassenger(String),
    /// Remember the toast number, so that the next new toast is this command's answer.
    Mark,
    /// A form must open; when it does not, the key was refused and the toast says why.
    FormOpens,
    Await {
        refused: bool,
    },
    BindFlight(String),
    BindPassenger {
        name: String,
        flight: String,
    },
    Check(Expectation),
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
    pub state: State,
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn typed(text: &str) -> impl Iterator<Item = Op> + '_ {
    text.chars().map(|c| Op::Key(key(c)))
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
            state: State::Running,
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self.state, State::Failed(_))
    }

    /// While the tour plays, the operator's keys steer the tour, not the console: `q` quits,
    /// any other key pauses or resumes. Afterwards the console is theirs. Says whether the
    /// message should reach the console.
    pub fn intercept(&mut self, msg: &Msg, app: &mut App) -> bool {
        if self.state != State::Running {
            return true;
        }
        match msg {
            Msg::Key(k) => {
                let ctrl_c =
                    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c');
                if k.code == KeyCode::Char('q') || ctrl_c {
                    app.quit = true;
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

    /// Plays as far as the pacing and the state allow.
    pub fn drive(&mut self, app: &mut App) -> Vec<Effect> {
        let mut effects = Vec::new();
        loop {
            if self.state != State::Running || self.paused || app.quit {
                return effects;
            }
            let now = Instant::now();
            if now < self.next_at {
                return effects;
            }
            if !self.started {
                let Some(step) = self.script.steps.get(self.index) else {
                    self.state = State::Done;
                    if self.exit_when_done {
                        app.quit = true;
                    }
                    return effects;
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
            match self.poll(&op, app) {
                Progress::Key(k) => {
                    effects.extend(app.update(Msg::Key(k)));
                    self.next_at = now + self.key_gap;
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
                    self.fail(why, app);
                    return effects;
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
                        self.fail(why, app);
                    }
                    return effects;
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

    fn fail(&mut self, why: String, app: &mut App) {
        self.state = State::Failed(why);
        if self.exit_when_done {
            app.quit = true;
        }
    }

    fn id(&self, name: &str) -> Option<Uuid> {
        self.names.get(name).copied()
    }

    fn poll(&mut self, op: &Op, app: &App) -> Progress {
        match op {
            Op::Key(k) => {
                self.ops.pop_front();
                Progress::Key(*k)
            }
            Op::Focus(f) => {
                if app.overlay.is_none() && app.focus == *f {
                    return Progress::Next;
                }
                if app.overlay.is_some() {
                    return Progress::Key(code(KeyCode::Esc));
                }
                Progress::Key(key(match f {
                    Focus::Flights => '1',
                    Focus::Passengers => '2',
                    Focus::Audit => '3',
                }))
            }
            Op::SelectFlight(name) => {
                let Some(id) = self.id(name) else {
                    return Progress::Finish(Err(format!("'{name}' was never bound")));
                };
                if app.focus != Focus::Flights {
                    return Progress::Key(key('1'));
                }
                let rows = &app.flights_view.rows;
                let Some(at) = rows
                    .iter()
                    .position(|&i| app.flights.get(i).is_some_and(|f| f.id == id))
                else {
                    return Progress::Wait(format!("flight '{name}' not in the list"));
                };
                use std::cmp::Ordering;
                match at.cmp(&app.flights_view.selected) {
                    Ordering::Equal => Progress::Next,
                    Ordering::Greater => Progress::Key(key('j')),
                    Ordering::Less => Progress::Key(key('k')),
                }
            }
            Op::SelectPassenger(name) => {
                let Some(id) = self.id(name) else {
                    return Progress::Finish(Err(format!("'{name}' was never bound")));
                };
                if app.focus != Focus::Passengers {
                    return Progress::Key(key('2'));
                }
                let rows = &app.passengers_view.rows;
                let Some(at) = rows
                    .iter()
                    .position(|&i| app.passengers.get(i).is_some_and(|p| p.id == id))
                else {
                    return Progress::Wait(format!("passenger '{name}' not in the list"));
                };
                use std::cmp::Ordering;
                match at.cmp(&app.passengers_view.selected) {
                    Ordering::Equal => Progress::Next,
                    Ordering::Greater => Progress::Key(key('j')),
                    Ordering::Less => Progress::Key(key('k')),
                }
            }
            Op::Mark => {
                self.mark = app.toast_seq();
                Progress::Next
            }
            Op::FormOpens => {
                if matches!(app.overlay, Some(Overlay::Form(_))) {
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
                if app.busy.is_some() || app.toast_seq() == self.mark {
                    return Progress::Wait("the command's answer".to_owned());
                }
                let (text, tone) = app
                    .toast
                    .as_ref()
                    .map_or((String::new(), Tone::Info), |t| (t.text.clone(), t.tone));
                match (tone == Tone::Good, refused) {
                    (true, false) | (false, true) => Progress::Next,
                    (true, true) => Progress::Finish(Err(format!(
                        "expected a refusal, but it was carried out: {text}"
                    ))),
                    (false, false) => Progress::Finish(Err(format!("refused: {text}"))),
                }
            }
            Op::BindFlight(name) => match app.last_new_flight {
                Some(id) => {
                    self.names.insert(name.clone(), id);
                    Progress::Next
                }
                None => Progress::Finish(Err("the new flight's id is unknown".to_owned())),
            },
            Op::BindPassenger { name, flight } => match app.last_new_passenger {
                Some(id) => {
                    self.names.insert(name.clone(), id);
                    self.passenger_flight.insert(name.clone(), flight.clone());
                    Progress::Next
                }
                None => Progress::Finish(Err("the new passenger's id is unknown".to_owned())),
            },
            Op::Check(e) => match self.check(e, app) {
                Ok(()) => Progress::Next,
                Err(seen) => Progress::Wait(seen),
            },
        }
    }

    /// Whether the console's own state shows what the expectation asks; else what it shows.
    fn check(&self, e: &Expectation, app: &App) -> Result<(), String> {
        let unbound = |n: &str| format!("'{n}' was never bound");
        match e {
            Expectation::FlightStatus { flight, status } => {
                let id = self.id(flight).ok_or_else(|| unbound(flight))?;
                match app.flights.iter().find(|f| f.id == id) {
                    Some(f) if f.status == *status => Ok(()),
                    Some(f) => Err(format!("saw {} {}", f.flight_number, f.status.label())),
                    None => Err(format!("flight '{flight}' not in the list")),
                }
            }
            Expectation::PassengerStatus { passenger, status } => {
                let id = self.id(passenger).ok_or_else(|| unbound(passenger))?;
                match app.passengers.iter().find(|p| p.id == id) {
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
                match app.flights.iter().find(|f| f.id == id) {
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
            Expectation::Audit {
                about,
                event,
                status,
            } => {
                let id = self.id(about).ok_or_else(|| unbound(about))?;
                if app
                    .audit
                    .iter()
                    .any(|r| audit_matches(&r.entry, id, event.as_deref(), *status))
                {
                    Ok(())
                } else {
                    Err("no such audit entry".to_owned())
                }
            }
        }
    }

    /// The banner, over the footer line.
    pub fn draw(&self, frame: &mut Frame, app: &App) {
        let Some(areas) = crate::ui::areas(app.size) else {
            return;
        };
        let total = self.script.steps.len();
        let text = match &self.state {
            State::Done => format!(
                " ■ Tour complete: all {total} steps held · the console is yours (? help, q quits) "
            ),
            State::Failed(why) => {
                let say = self
                    .script
                    .steps
                    .get(self.index)
                    .map_or("", |s| s.say.as_str());
                format!(" ✗ Step {}/{total} failed: {say}: {why} ", self.index + 1)
            }
            State::Running => {
                let say = self
                    .script
                    .steps
                    .get(self.index)
                    .map_or("", |s| s.say.as_str());
                let hint = if self.paused {
                    "PAUSED · any key resumes, q quits"
                } else {
                    "any key pauses, q quits"
                };
                format!(" ▶ Step {}/{total}: {say} · {hint} ", self.index + 1)
            }
        };
        let style = match &self.state {
            State::Failed(_) => app.theme.tone(Tone::Bad),
            _ => app.theme.status_bar(),
        };
        frame.render_widget(Clear, areas.footer);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(text, style))),
            areas.footer,
        );
    }
}

/// The keys and waits of one step, as an operator at the console would go about it.
fn plan(kind: &StepKind, passenger_flight: &HashMap<String, String>) -> VecDeque<Op> {
    let mut ops = VecDeque::new();
    let clear = Op::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    match kind {
        StepKind::Act { action, refused } => {
            let refused = *refused;
            match action {
                Action::CreateFlight {
                    bind,
                    origin,
                    destination,
                    number,
                } => {
                    ops.push_back(Op::Focus(Focus::Flights));
                    ops.push_back(Op::Mark);
                    ops.push_back(Op::Key(key('n')));
                    ops.push_back(Op::FormOpens);
                    ops.extend(typed(origin));
                    ops.push_back(Op::Key(code(KeyCode::Tab)));
                    ops.extend(typed(destination));
                    ops.push_back(Op::Key(code(KeyCode::Tab)));
                    ops.extend(typed(number));
                    ops.push_back(Op::Key(code(KeyCode::Enter)));
                    ops.push_back(Op::Await { refused });
                    if !refused {
                        ops.push_back(Op::BindFlight(bind.clone()));
                    }
                }
                Action::EditFlight {
                    flight,
                    origin,
                    destination,
                    number,
                } => {
                    ops.push_back(Op::SelectFlight(flight.clone()));
                    ops.push_back(Op::Mark);
                    ops.push_back(Op::Key(key('e')));
                    ops.push_back(Op::FormOpens);
                    for (i, value) in [origin, destination, number].into_iter().enumerate() {
                        if i > 0 {
                            ops.push_back(Op::Key(code(KeyCode::Tab)));
                        }
                        if let Some(v) = value {
                            ops.push_back(clear.clone());
                            ops.extend(typed(v));
                        }
                    }
                    ops.push_back(Op::Key(code(KeyCode::Enter)));
                    ops.push_back(Op::Await { refused });
                }
                Action::AddPassenger { bind, flight, name } => {
                    ops.push_back(Op::SelectFlight(flight.clone()));
                    ops.push_back(Op::Mark);
                    ops.push_back(Op::Key(key('a')));
                    ops.push_back(Op::FormOpens);
                    ops.extend(typed(name));
                    ops.push_back(Op::Key(code(KeyCode::Enter)));
                    ops.push_back(Op::Await { refused });
                    if !refused {
                        ops.push_back(Op::BindPassenger {
                            name: bind.clone(),
                            flight: flight.clone(),
                        });
                    }
                }
                Action::Board { passenger } => {
                    select_passenger(&mut ops, passenger, passenger_flight);
                    ops.push_back(Op::Mark);
                    ops.push_back(Op::Key(key('b')));
                    ops.push_back(Op::Await { refused });
                }
                Action::Rename { passenger, name } => {
                    select_passenger(&mut ops, passenger, passenger_flight);
                    ops.push_back(Op::Mark);
                    ops.push_back(Op::Key(key('e')));
                    ops.push_back(Op::FormOpens);
                    ops.push_back(clear);
                    ops.extend(typed(name));
                    ops.push_back(Op::Key(code(KeyCode::Enter)));
                    ops.push_back(Op::Await { refused });
                }
                Action::Disembark { flight } | Action::Land { flight } => {
                    ops.push_back(Op::SelectFlight(flight.clone()));
                    ops.push_back(Op::Mark);
                    let k = if matches!(action, Action::Land { .. }) {
                        'l'
                    } else {
                        'd'
                    };
                    ops.push_back(Op::Key(key(k)));
                    ops.push_back(Op::Await { refused });
                }
                Action::Delete { flight } => {
                    ops.push_back(Op::SelectFlight(flight.clone()));
                    ops.push_back(Op::Mark);
                    ops.push_back(Op::Key(key('x')));
                    ops.push_back(Op::Key(key('y')));
                    ops.push_back(Op::Await { refused });
                }
            }
        }
        StepKind::Expect(e) => {
            match e {
                Expectation::PassengerStatus { passenger, .. } => {
                    // The console lists the passengers of the selected flight only.
                    if let Some(f) = passenger_flight.get(passenger) {
                        ops.push_back(Op::SelectFlight(f.clone()));
                    }
                }
                Expectation::FlightStatus { flight, .. }
                | Expectation::PassengerCount { flight, .. } => {
                    ops.push_back(Op::SelectFlight(flight.clone()));
                }
                Expectation::Audit { .. } => {}
            }
            ops.push_back(Op::Check(e.clone()));
        }
    }
    ops
}

fn select_passenger(
    ops: &mut VecDeque<Op>,
    passenger: &str,
    passenger_flight: &HashMap<String, String>,
) {
    if let Some(f) = passenger_flight.get(passenger) {
        ops.push_back(Op::SelectFlight(f.clone()));
    }
    ops.push_back(Op::SelectPassenger(passenger.to_owned()));
}
