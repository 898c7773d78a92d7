//! The Passengers pane in the console: boarding and renaming, and names of any width aligned.

use crate::fixtures::*;
use crate::focus::Focus;
use crate::msg::{Command, Done, Msg};
use crate::overlays::Overlay;
use crate::query::Query;
use crate::theme::Theme;
use crossterm::event::KeyCode;

#[test]
fn passengers_board_and_rename() {
    let mut console = fixture();
    console.update(key(KeyCode::Tab));
    assert_eq!(console.focus(), Focus::Passengers);
    // Ann has boarded already.
    assert!(runs(&console.update(ch('b'))).is_empty());
    assert_eq!(
        toast(&console),
        "passenger Ann Lee cannot board: they are Boarded already"
    );
    console.update(key(KeyCode::Down));
    let effects = console.update(key(KeyCode::Enter));
    assert!(
        matches!(runs(&effects)[..], [Command::Board { passenger, flight }] if passenger.name == "Åsa 李小龍" && flight == "SK101")
    );
    console.update(Msg::Done(Done {
        result: Ok("ok".into()),
        new_flight: None,
        new_passenger: None,
        flight: None,
        passenger: None,
    }));
    console.update(ch('e'));
    let Some(Overlay::Form(form)) = console.overlay() else {
        panic!("no rename form")
    };
    assert_eq!(form.fields()[0].input.value(), "Åsa 李小龍");
}

#[test]
fn wide_and_combining_characters_stay_aligned() {
    let console = loaded(140, 30, Theme::plain());
    let buffer = render(&console);
    let screen = text(&buffer);
    // Display columns of each status word in the passengers pane must agree.
    let column = |name: &str, status: &str| {
        let line = screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name:?} not on\n{screen}"));
        let prefix = &line[..line
            .find(status)
            .unwrap_or_else(|| panic!("{status} not in {line:?}"))];
        unicode_width::UnicodeWidthStr::width(prefix)
    };
    let header = column("│Name", "Status");
    assert_eq!(column("│Ann Lee", "Boarded"), header);
    assert_eq!(column("│Åsa 李小龍", "Checked in"), header);
    assert_eq!(column("│Jose\u{301} Nun\u{303}ez", "Checked in"), header);
}
