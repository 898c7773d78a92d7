//! The keys and waits of one step of a script, as an operator at the console would go about it.
//! Keys that stand for an action are looked up in the key table, so the tour presses what the
//! help shows.

use super::script::{Action, Expectation, StepKind};
use crate::focus::Focus;
use crate::keymap::{Action as Does, Context};
use crate::list::Step;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{HashMap, VecDeque};

#[derive(Clone, Debug)]
pub enum Op {
    /// A key typed as text.
    Key(KeyEvent),
    /// The key the table binds to this action here.
    Press(Context, Does),
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
    /// Leaves what is on screen a step's pause longer, for the viewer to read.
    Hold,
}

impl Op {
    pub fn flights(action: Does) -> Self {
        Self::Press(Context::Flights, action)
    }

    pub fn next_field() -> Self {
        Self::Press(Context::Form, Does::NextField)
    }

    pub fn submit() -> Self {
        Self::Press(Context::Form, Does::Submit)
    }

    /// Moves the selection one row.
    pub fn step(step: Step) -> Self {
        Self::Press(Context::Global, Does::Move(step))
    }
}

fn typed(text: &str) -> impl Iterator<Item = Op> + '_ {
    text.chars()
        .map(|c| Op::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
}

/// Empties a form's field: typing, not a binding.
fn clear() -> Op {
    Op::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL))
}

/// `passenger_flight`: the flight each bound passenger was added to.
pub fn plan(kind: &StepKind, passenger_flight: &HashMap<String, String>) -> VecDeque<Op> {
    let mut ops = VecDeque::new();
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
                    ops.push_back(Op::flights(Does::NewFlight));
                    ops.push_back(Op::FormOpens);
                    ops.extend(typed(origin));
                    ops.push_back(Op::next_field());
                    ops.extend(typed(destination));
                    ops.push_back(Op::next_field());
                    ops.extend(typed(number));
                    ops.push_back(Op::submit());
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
                    ops.push_back(Op::flights(Does::EditFlight));
                    ops.push_back(Op::FormOpens);
                    for (i, value) in [origin, destination, number].into_iter().enumerate() {
                        if i > 0 {
                            ops.push_back(Op::next_field());
                        }
                        if let Some(v) = value {
                            ops.push_back(clear());
                            ops.extend(typed(v));
                        }
                    }
                    ops.push_back(Op::submit());
                    ops.push_back(Op::Await { refused });
                }
                Action::AddPassenger { bind, flight, name } => {
                    ops.push_back(Op::SelectFlight(flight.clone()));
                    ops.push_back(Op::Mark);
                    ops.push_back(Op::flights(Does::AddPassenger));
                    ops.push_back(Op::FormOpens);
                    ops.extend(typed(name));
                    ops.push_back(Op::submit());
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
                    ops.push_back(Op::Press(Context::Passengers, Does::Board));
                    ops.push_back(Op::Await { refused });
                }
                Action::Rename { passenger, name } => {
                    select_passenger(&mut ops, passenger, passenger_flight);
                    ops.push_back(Op::Mark);
                    ops.push_back(Op::Press(Context::Passengers, Does::Rename));
                    ops.push_back(Op::FormOpens);
                    ops.push_back(clear());
                    ops.extend(typed(name));
                    ops.push_back(Op::submit());
                    ops.push_back(Op::Await { refused });
                }
                Action::Disembark { flight } | Action::Land { flight } => {
                    ops.push_back(Op::SelectFlight(flight.clone()));
                    ops.push_back(Op::Mark);
                    ops.push_back(Op::flights(if matches!(action, Action::Land { .. }) {
                        Does::Land
                    } else {
                        Does::Disembark
                    }));
                    ops.push_back(Op::Await { refused });
                }
                Action::Delete { flight } => {
                    ops.push_back(Op::SelectFlight(flight.clone()));
                    ops.push_back(Op::Mark);
                    ops.push_back(Op::flights(Does::Delete));
                    ops.push_back(Op::Press(Context::Confirm, Does::Confirm));
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
                Expectation::History { flight, .. } => {
                    // The view is opened, read, held a moment, and closed again.
                    ops.push_back(Op::SelectFlight(flight.clone()));
                    ops.push_back(Op::flights(Does::History));
                    ops.push_back(Op::Check(e.clone()));
                    ops.push_back(Op::Hold);
                    ops.push_back(Op::Press(Context::History, Does::Close));
                    return ops;
                }
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
