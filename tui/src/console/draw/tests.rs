//! Whole screens on ratatui's TestBackend, wide and narrow, kept as text in `tests/snapshots/`.

use crate::fixtures::*;
use crate::msg::{FeedEvent, Msg};
use crate::theme::Theme;
use ratatui::style::Color;

#[test]
fn wide_layout_puts_the_audit_log_on_the_right() {
    let console = loaded(140, 30, Theme::plain());
    let screen = snapshot("wide", &console);
    let row = screen.lines().find(|l| l.contains("SK101")).unwrap();
    assert!(
        row.contains("ARN → CPH") && row.contains("Waiting for boarding") && row.contains("1/3")
    );
    let both = screen.lines().find(|l| l.contains("Flights (4)")).unwrap();
    assert!(both.contains("Audit log (4)"), "side by side: {both}");
}

#[test]
fn narrow_layout_stacks_the_panes() {
    let console = loaded(80, 40, Theme::plain());
    let screen = snapshot("narrow", &console);
    let lines: Vec<&str> = screen.lines().collect();
    let at = |s: &str| lines.iter().position(|l| l.contains(s)).unwrap();
    assert!(at("1 Flights") < at("2 Passengers") && at("2 Passengers") < at("3 Audit log"));
}

#[test]
fn a_small_window_gets_a_message() {
    let console = loaded(59, 30, Theme::plain());
    let screen = text(&render(&console));
    assert!(
        screen.contains("The window is 59×30; flightdeck needs at least 60×20."),
        "{screen}"
    );
    let console = loaded(100, 19, Theme::plain());
    assert!(text(&render(&console)).contains("needs at least 60×20"));
}

#[test]
fn statuses_are_words_in_colour_and_plain_without_colour() {
    let console = loaded(140, 30, Theme::colored());
    let buffer = render(&console);
    let screen = text(&buffer);
    for word in [
        "Waiting for boarding",
        "All boarded",
        "Disembarked",
        "Arrived",
        "Checked in",
        "Boarded",
    ] {
        assert!(screen.contains(word), "{word} missing");
    }
    let y = screen.lines().position(|l| l.contains("DY602")).unwrap() as u16;
    let x = screen
        .lines()
        .nth(y as usize)
        .unwrap()
        .find("All boarded")
        .unwrap();
    let x = screen.lines().nth(y as usize).unwrap()[..x].chars().count() as u16;
    assert_eq!(buffer[(x, y)].fg, Color::Cyan);

    let plain = render(&loaded(140, 30, Theme::plain()));
    let coloured = plain
        .content()
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count();
    assert_eq!(coloured, 0, "NO_COLOR: no colour at all");
}

#[test]
fn toasts_and_the_status_bar_say_what_happened() {
    let mut console = loaded(120, 30, Theme::plain());
    console.update(ch('d'));
    console.update(Msg::Feed(FeedEvent::Down {
        reason: "backend unreachable: connection refused".into(),
        retry_in: Some(std::time::Duration::from_secs(4)),
    }));
    let screen = text(&render(&console));
    let status = screen.lines().next().unwrap();
    assert!(status.contains("embedded http://127.0.0.1:5000/api │ live │ down, retry in 4s │ last error: backend unreachable"), "{status}");
    assert!(screen.contains("flight SK101 cannot disembark: 1 of 3 passengers have boarded"));
}
