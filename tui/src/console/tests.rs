//! The root's routing, without a terminal: focus, one command at a time, loads coalesced during
//! a burst, the mouse, Ctrl-C, and every action of the key table carried out where it is bound.

use super::Console;
use crate::client::ClientError;
use crate::fixtures::*;
use crate::focus::Focus;
use crate::keymap::{self, Context};
use crate::layout;
use crate::msg::{Done, Effect, Msg};
use crate::overlays::Overlay;
use crate::query::Query;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use flightdeck_core::{EventTypeOperation, FlightStatus};
use serde_json::json;
use uuid::Uuid;

#[test]
fn a_server_refusal_is_shown_in_its_own_words_and_success_names_the_flight() {
    let mut console = fixture();
    console.update(ch('j'));
    let effects = console.update(ch('d'));
    assert_eq!(runs(&effects).len(), 1);
    let effects = console.update(Msg::Done(Done {
        result: Err(ClientError::Refused(
            "Flight with id 'x' does not exist, so can't create passenger on that flight!".into(),
        )),
        new_flight: None,
        new_passenger: None,
        flight: None,
        passenger: None,
    }));
    assert_eq!(
        toast(&console),
        "Flight with id 'x' does not exist, so can't create passenger on that flight!"
    );
    assert_eq!(console.running(), None);
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::ExpireToast { .. })));

    let mut landed = flights()[1].clone();
    landed.status = FlightStatus::Disembarked;
    console.update(ch('d'));
    console.update(Msg::Done(Done {
        result: Ok("Flight DY602 disembarked".into()),
        new_flight: None,
        new_passenger: None,
        flight: Some(landed),
        passenger: None,
    }));
    assert_eq!(toast(&console), "Flight DY602 disembarked");
    assert_eq!(
        console.selected_flight().unwrap().status,
        FlightStatus::Disembarked,
        "shown before the next read"
    );
}

#[test]
fn one_command_at_a_time() {
    let mut console = fixture();
    console.update(ch('j'));
    console.update(ch('j'));
    assert_eq!(runs(&console.update(ch('l'))).len(), 1);
    let effects = console.update(ch('x'));
    assert!(effects.is_empty());
    let effects = console.update(ch('y'));
    assert!(runs(&effects).is_empty());
    assert_eq!(
        toast(&console),
        "Still landing AY913; try again when it is done"
    );
}

#[test]
fn focus_moves_with_tab_shift_tab_and_numbers() {
    let mut console = fixture();
    console.update(key(KeyCode::Tab));
    console.update(key(KeyCode::Tab));
    assert_eq!(console.focus(), Focus::Audit);
    console.update(key(KeyCode::Tab));
    assert_eq!(console.focus(), Focus::Flights);
    console.update(key(KeyCode::BackTab));
    assert_eq!(console.focus(), Focus::Audit);
    console.update(ch('2'));
    assert_eq!(console.focus(), Focus::Passengers);
    console.update(ch('1'));
    assert_eq!(console.focus(), Focus::Flights);
    console.update(ch('?'));
    assert!(matches!(console.overlay(), Some(Overlay::Help(_))));
    console.update(key(KeyCode::Esc));
    assert!(console.overlay().is_none());
    console.update(ch('q'));
    assert!(console.wants_to_quit());
}

#[test]
fn loads_are_coalesced_during_a_burst() {
    let mut console = fixture();
    // Settle any load the fixtures left running.
    console.update(Msg::Flights(Ok(flights())));
    let mut loads = 0;
    for p in 10..60 {
        let effects = console.update(Msg::Audit(entry(
            p,
            "Update flight",
            EventTypeOperation::Update,
            json!({}),
        )));
        loads += effects
            .iter()
            .filter(|e| **e == Effect::LoadFlights)
            .count();
    }
    assert!(
        loads <= 1,
        "{loads} loads for 50 events while one was running"
    );
    let effects = console.update(Msg::Flights(Ok(flights())));
    assert!(
        effects.contains(&Effect::LoadFlights),
        "one more read after the burst"
    );
    let effects = console.update(Msg::Flights(Ok(flights())));
    assert!(!effects.contains(&Effect::LoadFlights), "then quiet");
}

#[test]
fn a_click_focuses_and_selects_and_the_wheel_scrolls() {
    let mut console = fixture();
    let areas = layout::areas(console.size()).unwrap();
    // Third data row of the flights pane: border, header, then rows.
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: areas.flights.x + 3,
        row: areas.flights.y + 2 + 2,
        modifiers: KeyModifiers::NONE,
    };
    let effects = console.update(Msg::Mouse(click));
    assert_eq!(console.selected_flight().unwrap().flight_number, "AY913");
    assert!(effects.contains(&Effect::LoadPassengers(Uuid::from_u128(3))));
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: areas.audit.x + 3,
        row: areas.audit.y + 3,
        modifiers: KeyModifiers::NONE,
    };
    console.update(Msg::Mouse(wheel));
    assert_eq!(console.audit().view().selected(), 3);
    assert_eq!(
        console.focus(),
        Focus::Flights,
        "the wheel scrolls without taking focus"
    );
}

#[test]
fn ctrl_c_quits_even_inside_a_form() {
    let mut console = fixture();
    console.update(ch('n'));
    console.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(console.wants_to_quit());
}

/// The console with the keys of `context` in force: its pane focused, its dialog open.
fn in_context(context: Context, focus: Focus) -> Console {
    let mut console = fixture();
    console.update(ch(char::from(b'0' + focus.number())));
    let keys = match context {
        Context::Global | Context::Flights | Context::Passengers | Context::Audit => vec![],
        Context::Filter => vec![ch('/')],
        Context::Form => vec![ch('1'), ch('n')],
        Context::Help => vec![ch('?')],
        Context::Details => vec![ch('3'), key(KeyCode::Enter)],
        Context::Confirm => vec![ch('1'), ch('x')],
        Context::Status => vec![ch('s')],
        Context::History => vec![ch('1'), ch('h')],
    };
    for key in keys {
        console.update(key);
    }
    console
}

#[test]
fn every_action_in_the_key_table_is_carried_out_where_it_is_bound() {
    for binding in keymap::BINDINGS {
        for &(_, action) in binding.chords {
            let context = binding.context;
            let focuses: Vec<Focus> = match context {
                Context::Global | Context::Filter => Focus::ALL.to_vec(),
                Context::Passengers => vec![Focus::Passengers],
                Context::Audit => vec![Focus::Audit],
                _ => vec![Focus::Flights],
            };
            for focus in focuses {
                let mut console = in_context(context, focus);
                let here = if context == Context::Global {
                    Context::of(focus)
                } else {
                    context
                };
                assert_eq!(console.context(), here, "{action:?} in {context:?}");
                assert!(
                    console.act(action).is_some(),
                    "{action:?} ({}) is not carried out in {here:?}",
                    binding.keys
                );
            }
        }
    }
}

#[test]
fn keys_do_nothing_while_the_window_is_too_small_but_q_and_ctrl_c() {
    let mut console = fixture();
    console.update(Msg::Resize(50, 15));
    let mut effects = console.update(ch('x'));
    effects.extend(console.update(ch('y')));
    console.update(Msg::Resize(140, 40));
    assert!(runs(&effects).is_empty(), "{effects:?}");
    assert!(console.overlay().is_none(), "no dialog opened unseen");

    // A form opened at a good size and typed into at a bad one keeps what was seen.
    console.update(ch('n'));
    console.update(Msg::Resize(40, 10));
    for c in "OSL".chars() {
        console.update(ch(c));
    }
    console.update(Msg::Paste("BGO".into()));
    let effects = console.update(key(KeyCode::Enter));
    assert!(runs(&effects).is_empty(), "{effects:?}");
    console.update(Msg::Resize(140, 40));
    let Some(Overlay::Form(form)) = console.overlay() else {
        panic!("the form stays open")
    };
    assert_eq!(form.fields()[0].input.value(), "");

    console.update(Msg::Resize(40, 10));
    console.update(ch('q'));
    assert!(console.wants_to_quit(), "q still quits");
    let mut console = fixture();
    console.update(Msg::Resize(40, 10));
    console.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(console.wants_to_quit(), "Ctrl-C still quits");
}

fn started() -> Console {
    let mut console = Console::new(
        crate::theme::Theme::plain(),
        "http://127.0.0.1:5000/api".into(),
        crate::status_bar::Mode::Remote,
        ratatui::layout::Rect::new(0, 0, 140, 40),
    );
    let effects = console.start();
    assert!(!effects.contains(&Effect::LoadFlights), "{effects:?}");
    console
}

fn reads_flights(effects: &[Effect]) -> bool {
    effects.contains(&Effect::LoadFlights)
}

#[test]
fn the_flights_are_read_once_the_audit_window_is_and_only_once() {
    let mut console = started();
    assert!(reads_flights(&console.update(Msg::AuditSnapshot(vec![]))));
    // The feed's first connection follows the window just read: nothing was missed, and a long
    // list is not read a second time.
    assert!(!reads_flights(
        &console.update(Msg::Feed(crate::msg::FeedEvent::Live))
    ));
    assert!(!reads_flights(&console.update(Msg::Flights(Ok(flights())))));
    assert_eq!(console.shown_flights().count(), flights().len());
}

#[test]
fn a_backend_down_at_start_is_said_in_the_flights_pane_and_read_again_once_back() {
    let mut console = started();
    let down = || {
        Msg::Feed(crate::msg::FeedEvent::Down {
            reason: "backend unreachable: connection refused".into(),
            retry_in: None,
        })
    };
    assert!(reads_flights(&console.update(down())));
    console.update(Msg::Flights(Err(ClientError::Unreachable(
        "connection refused".into(),
    ))));
    assert!(text(&render(&console)).contains("The backend does not answer yet"));
    assert!(!reads_flights(&console.update(down())), "tried once");
    assert!(!reads_flights(&console.update(Msg::AuditSnapshot(vec![]))));
    assert!(
        reads_flights(&console.update(Msg::Feed(crate::msg::FeedEvent::Live))),
        "what happened while it was down is read"
    );
}

#[test]
fn a_stream_that_breaks_later_reads_the_lists_again_when_it_is_back() {
    let mut console = fixture();
    console.update(Msg::Feed(crate::msg::FeedEvent::Down {
        reason: "stream ended".into(),
        retry_in: None,
    }));
    assert!(reads_flights(
        &console.update(Msg::Feed(crate::msg::FeedEvent::Live))
    ));
}
