//! The form alone, and in the console: fields checked beside themselves, sent trimmed.

use super::*;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn type_text(form: &mut Form, text: &str) {
    for c in text.chars() {
        form.handle_key(key(KeyCode::Char(c)));
    }
}

#[test]
fn fields_are_checked_and_errors_sit_beside_them() {
    let mut form = Form::new(FormKind::NewFlight);
    type_text(&mut form, " ARN ");
    form.handle_key(key(KeyCode::Tab));
    form.handle_key(key(KeyCode::Tab));
    type_text(&mut form, "SK1");
    assert_eq!(form.handle_key(key(KeyCode::Enter)), FormOutcome::Stay);
    assert_eq!(form.focus, 1, "focus jumps to the first bad field");
    assert_eq!(
        form.fields[1].error.as_deref(),
        Some("destination can't be empty")
    );
    type_text(&mut form, "CPH");
    assert_eq!(form.fields[1].error, None, "typing clears the error");
    assert_eq!(
        form.handle_key(key(KeyCode::Enter)),
        FormOutcome::Submit(vec!["ARN".into(), "CPH".into(), "SK1".into()])
    );
}

#[test]
fn shift_tab_wraps_and_esc_cancels() {
    let mut form = Form::new(FormKind::NewFlight);
    form.handle_key(key(KeyCode::BackTab));
    assert_eq!(form.focus, 2);
    assert_eq!(form.handle_key(key(KeyCode::Esc)), FormOutcome::Cancel);
}

mod in_the_console {
    use crate::fixtures::*;
    use crate::msg::{Command, Done, Effect, Msg};
    use crate::overlays::Overlay;
    use crate::query::Query;
    use crate::theme::Theme;
    use crossterm::event::KeyCode;
    use flightdeck_core::FlightStatus;
    use uuid::Uuid;

    #[test]
    fn the_new_flight_form_checks_fields_and_sends_them_trimmed() {
        let mut console = fixture();
        console.update(ch('n'));
        assert!(matches!(console.overlay(), Some(Overlay::Form(_))));
        for c in " ARN ".chars() {
            console.update(ch(c));
        }
        let effects = console.update(key(KeyCode::Enter));
        assert!(effects.is_empty(), "refused with the form still open");
        let Some(Overlay::Form(form)) = console.overlay() else {
            panic!("form closed")
        };
        assert_eq!(
            form.fields()[1].error.as_deref(),
            Some("destination can't be empty")
        );
        for c in "CPH".chars() {
            console.update(ch(c));
        }
        console.update(key(KeyCode::Tab));
        for c in "SK9".chars() {
            console.update(ch(c));
        }
        let effects = console.update(key(KeyCode::Enter));
        let [Command::CreateFlight { key, .. }] = runs(&effects)[..] else {
            panic!("one create: {effects:?}")
        };
        assert_eq!(
            runs(&effects),
            vec![&Command::CreateFlight {
                origin: "ARN".into(),
                destination: "CPH".into(),
                flight_number: "SK9".into(),
                key: *key,
            }]
        );
        // The form waits for the answer, and closes once the flight is created.
        assert!(matches!(console.overlay(), Some(Overlay::Form(f)) if f.sending()));
        // Once created, the new flight is selected when it shows up.
        console.update(Msg::Done(Done {
            result: Ok("Flight SK9 created".into()),
            new_flight: Some(Uuid::from_u128(77)),
            new_passenger: None,
            flight: None,
            passenger: None,
        }));
        assert!(console.overlay().is_none());
        let mut more = flights();
        more.push(flight(
            77,
            "SK9",
            "ARN",
            "CPH",
            FlightStatus::WaitingForBoarding,
            0,
            0,
        ));
        let effects = console.update(Msg::Flights(Ok(more)));
        assert_eq!(console.selected_flight().unwrap().flight_number, "SK9");
        assert!(
            effects.contains(&Effect::LoadPassengers(Uuid::from_u128(77)))
                || console.passengers().all().is_empty()
        );
    }

    #[test]
    fn the_new_flight_form_shows_errors_beside_the_field() {
        let mut console = loaded(100, 30, Theme::plain());
        console.update(ch('n'));
        for c in "ARN".chars() {
            console.update(ch(c));
        }
        console.update(key(KeyCode::Enter));
        let screen = snapshot("form_new_flight", &console);
        let line = screen.lines().find(|l| l.contains("Destination:")).unwrap();
        assert!(line.contains("destination can't be empty"), "{line}");
        assert!(screen.contains("Tab / Shift-Tab next / previous field"));
    }

    #[test]
    fn the_add_passenger_form_names_the_flight() {
        let mut console = loaded(80, 30, Theme::plain());
        console.update(ch('a'));
        let screen = snapshot("form_add_passenger", &console);
        assert!(screen.contains("Add a passenger to SK101"));
        assert!(screen.contains("Name:"));
    }
}

mod on_screen {
    use crate::fixtures::*;
    use crate::msg::Msg;
    use crate::theme::Theme;
    use crossterm::event::KeyCode;

    /// The screen's text inside the dialog box, its rows joined with spaces.
    fn dialog_text(screen: &str) -> String {
        let inside: Vec<&str> = screen
            .lines()
            .filter_map(|l| {
                let start = l.find('║')?;
                let end = l.rfind('║').filter(|&e| e > start)?;
                Some(&l[start + '║'.len_utf8()..end])
            })
            .collect();
        inside
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_long_error_is_shown_whole_and_broken_between_words() {
        let error = "origin is 300 characters long; at most 255 are allowed";
        for (width, height) in [(80, 24), (60, 20), (100, 30)] {
            let mut console = loaded(width, height, Theme::plain());
            console.update(ch('n'));
            console.update(Msg::Paste("x".repeat(300)));
            console.update(key(KeyCode::Enter));
            let screen = text(&render(&console));
            let inside = dialog_text(&screen);
            assert!(inside.contains(error), "{width}×{height}:\n{screen}");
            assert!(
                inside.contains("destination can't be empty"),
                "{width}×{height}:\n{screen}"
            );
            assert!(inside.contains("Esc cancel"), "{width}×{height}:\n{screen}");
        }
    }
}

mod waiting_for_the_answer {
    use crate::client::ClientError;
    use crate::fixtures::*;
    use crate::msg::{Command, Done, Msg};
    use crate::overlays::Overlay;
    use crate::theme::Theme;
    use crossterm::event::KeyCode;

    fn failed(err: ClientError) -> Msg {
        Msg::Done(Done {
            result: Err(err),
            new_flight: None,
            new_passenger: None,
            flight: None,
            passenger: None,
        })
    }

    fn values(console: &crate::console::Console) -> Vec<String> {
        let Some(Overlay::Form(form)) = console.overlay() else {
            panic!("the form closed")
        };
        form.fields()
            .iter()
            .map(|f| f.input.value().to_owned())
            .collect()
    }

    #[test]
    fn a_failed_command_keeps_the_form_and_says_why_in_words() {
        let mut console = loaded(80, 24, Theme::plain());
        console.update(ch('n'));
        for text in ["OSL", "BGO", "DY2"] {
            console.update(Msg::Paste(text.into()));
            console.update(key(KeyCode::Tab));
        }
        let first = console.update(key(KeyCode::Enter));
        let [Command::CreateFlight { key: first_key, .. }] = runs(&first)[..] else {
            panic!("{first:?}")
        };
        console.update(failed(ClientError::Unreachable(
            "connection refused".into(),
        )));
        assert_eq!(values(&console), ["OSL", "BGO", "DY2"]);
        let screen = text(&render(&console));
        assert!(
            screen.contains("The backend does not answer (connection refused). Enter tries"),
            "{screen}"
        );

        // Sent again unchanged, it goes with the same key: made at most once.
        let again = console.update(key(KeyCode::Enter));
        let [Command::CreateFlight { key: again_key, .. }] = runs(&again)[..] else {
            panic!("{again:?}")
        };
        assert_eq!(again_key, first_key);
        console.update(failed(ClientError::Refused(
            "flight number is 300 characters long; at most 255 are allowed".into(),
        )));
        assert_eq!(values(&console), ["OSL", "BGO", "DY2"]);
        // Changed, it is another create.
        console.update(ch('X'));
        let changed = console.update(key(KeyCode::Enter));
        let [Command::CreateFlight { key: other_key, .. }] = runs(&changed)[..] else {
            panic!("{changed:?}")
        };
        assert_ne!(other_key, first_key);

        // A passenger's name is kept the same way.
        console.update(failed(ClientError::Unreachable(
            "connection refused".into(),
        )));
        console.update(key(KeyCode::Esc));
        console.update(ch('a'));
        console.update(Msg::Paste("Eve Holm".into()));
        console.update(key(KeyCode::Enter));
        console.update(failed(ClientError::Unreachable(
            "connection refused".into(),
        )));
        assert_eq!(values(&console), ["Eve Holm"]);
    }

    #[test]
    fn keys_that_follow_a_submit_wait_for_its_answer() {
        let mut console = fixture();
        console.update(ch('a'));
        for c in "Ann Lee".chars() {
            console.update(ch(c));
        }
        let mut effects = console.update(key(KeyCode::Enter));
        // The rest of a paste that the terminal sent as keys.
        for c in "Bob Berg".chars() {
            effects.extend(console.update(ch(c)));
        }
        effects.extend(console.update(key(KeyCode::Enter)));
        effects.extend(console.update(ch('n')));
        assert_eq!(runs(&effects).len(), 1, "{effects:?}");
        assert_eq!(values(&console), ["Ann Lee"]);
        console.update(Msg::Paste("Cid".into()));
        assert_eq!(values(&console), ["Ann Lee"]);
    }

    #[test]
    fn a_paste_turns_line_breaks_and_tabs_into_single_spaces() {
        let mut console = fixture();
        console.update(ch('a'));
        console.update(Msg::Paste("Line one\r\nLine two\ttabbed\nend".into()));
        assert_eq!(values(&console), ["Line one Line two tabbed end"]);
    }
}
