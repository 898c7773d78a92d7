//! What each pane and dialog draws, on ratatui's TestBackend, wide and narrow. Whole screens are
//! kept as text in `tests/snapshots/`; set `UPDATE_SNAPSHOTS=1` to rewrite them after a change,
//! then read the new files before keeping them.

mod support;

use crossterm::event::KeyCode;
use flightdeck_core::EventTypeOperation;
use flightdeck_tui::app::{App, Msg};
use flightdeck_tui::theme::Theme;
use flightdeck_tui::ui;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;
use serde_json::json;
use support::fixtures::*;

fn render(app: &App) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer as lines of text. A wide character fills two cells; the second is skipped so
/// each line reads as the terminal shows it.
fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn snapshot(name: &str, app: &App) -> String {
    let actual = text(&render(app));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/snapshots/{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        actual,
        expected,
        "screen {name} differs from {}",
        path.display()
    );
    actual
}

#[test]
fn wide_layout_puts_the_audit_log_on_the_right() {
    let app = loaded_app(140, 30, Theme::plain());
    let screen = snapshot("wide", &app);
    let row = screen.lines().find(|l| l.contains("SK101")).unwrap();
    assert!(
        row.contains("ARN → CPH") && row.contains("Waiting for boarding") && row.contains("1/3")
    );
    let both = screen.lines().find(|l| l.contains("Flights (4)")).unwrap();
    assert!(both.contains("Audit log (4)"), "side by side: {both}");
}

#[test]
fn narrow_layout_stacks_the_panes() {
    let app = loaded_app(80, 40, Theme::plain());
    let screen = snapshot("narrow", &app);
    let lines: Vec<&str> = screen.lines().collect();
    let at = |s: &str| lines.iter().position(|l| l.contains(s)).unwrap();
    assert!(at("1 Flights") < at("2 Passengers") && at("2 Passengers") < at("3 Audit log"));
}

#[test]
fn a_small_window_gets_a_message() {
    let app = loaded_app(59, 30, Theme::plain());
    let screen = text(&render(&app));
    assert!(
        screen.contains("The window is 59×30; flightdeck needs at least 60×20."),
        "{screen}"
    );
    let app = loaded_app(100, 19, Theme::plain());
    assert!(text(&render(&app)).contains("needs at least 60×20"));
}

#[test]
fn statuses_are_words_in_colour_and_plain_without_colour() {
    let app = loaded_app(140, 30, Theme::colored());
    let buffer = render(&app);
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

    let plain = render(&loaded_app(140, 30, Theme::plain()));
    let coloured = plain
        .content()
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count();
    assert_eq!(coloured, 0, "NO_COLOR: no colour at all");
}

#[test]
fn wide_and_combining_characters_stay_aligned() {
    let app = loaded_app(140, 30, Theme::plain());
    let buffer = render(&app);
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

#[test]
fn help_overlay_lists_every_key() {
    let mut app = loaded_app(140, 40, Theme::plain());
    app.update(ch('?'));
    let screen = snapshot("help", &app);
    for key in [
        "Tab / Shift-Tab",
        "1 2 3",
        "PgUp PgDn Home End",
        "/",
        "q  Ctrl-C",
        "n",
        "x  Delete",
        "b  Enter",
        "f",
        "t",
    ] {
        assert!(screen.contains(key), "{key} missing from help");
    }
}

#[test]
fn the_new_flight_form_shows_errors_beside_the_field() {
    let mut app = loaded_app(100, 30, Theme::plain());
    app.update(ch('n'));
    for c in "ARN".chars() {
        app.update(ch(c));
    }
    app.update(key(KeyCode::Enter));
    let screen = snapshot("form_new_flight", &app);
    let line = screen.lines().find(|l| l.contains("Destination:")).unwrap();
    assert!(line.contains("destination can't be empty"), "{line}");
    assert!(screen.contains("Tab / Shift-Tab next / previous field"));
}

#[test]
fn the_add_passenger_form_names_the_flight() {
    let mut app = loaded_app(80, 30, Theme::plain());
    app.update(ch('a'));
    let screen = snapshot("form_add_passenger", &app);
    assert!(screen.contains("Add a passenger to SK101"));
    assert!(screen.contains("Name:"));
}

#[test]
fn delete_asks_for_confirmation() {
    let mut app = loaded_app(100, 30, Theme::plain());
    app.update(ch('x'));
    let screen = snapshot("confirm_delete", &app);
    assert!(screen.contains("Delete flight SK101 (ARN → CPH) and its 3 passengers?"));
    assert!(screen.contains("y delete"));
}

#[test]
fn audit_details_show_the_full_entry_as_pretty_json() {
    let mut app = loaded_app(140, 40, Theme::plain());
    app.update(ch('3'));
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    let screen = snapshot("audit_details", &app);
    // The title numbers the entry by its position in the whole log, as the pane does.
    assert!(screen.contains("Board passenger · Board #3"));
    assert!(screen.contains(r#""name": "Ann Lee","#));
    assert!(screen.contains(r#""eventTypeOperation": 2,"#));
}

#[test]
fn toasts_and_the_status_bar_say_what_happened() {
    let mut app = loaded_app(120, 30, Theme::plain());
    app.update(ch('d'));
    app.update(Msg::Feed(flightdeck_tui::app::FeedEvent::Down {
        reason: "backend unreachable: connection refused".into(),
        retry_in: Some(std::time::Duration::from_secs(4)),
    }));
    let screen = text(&render(&app));
    let status = screen.lines().next().unwrap();
    assert!(status.contains("embedded http://127.0.0.1:5000/api │ live │ down, retry in 4s │ last error: backend unreachable"), "{status}");
    assert!(screen.contains("flight SK101 cannot disembark: 1 of 3 passengers have boarded"));
}

#[test]
fn a_filter_shows_in_the_pane_title() {
    let mut app = loaded_app(120, 30, Theme::plain());
    app.update(ch('/'));
    for c in "osl".chars() {
        app.update(ch(c));
    }
    let screen = text(&render(&app));
    assert!(screen.contains("1 Flights (1 of 4) /osl▏"), "{screen}");
    assert!(screen.contains("Enter keep filter"));
    assert!(!screen.contains("SK101      ARN"));
}

#[test]
fn a_huge_audit_log_draws_only_what_fits() {
    let mut app = loaded_app(140, 30, Theme::plain());
    let entries: Vec<_> = (1..=100_000u64)
        .map(|p| entry(p, "Update flight", EventTypeOperation::Update,
            json!({"flightNumber": format!("F{p}"), "origin": "A", "destination": "B", "status": 1})))
        .collect();
    app.update(Msg::AuditSnapshot(entries));
    app.update(ch('3'));
    app.update(key(KeyCode::PageDown));
    app.update(key(KeyCode::PageDown));
    let screen = text(&render(&app));
    assert!(screen.contains("Audit log (100000)"));
    let height = ui::list_height(ui::areas(app.size).unwrap().audit);
    let shown: Vec<&str> = screen.lines().filter(|l| l.contains("F99")).collect();
    assert!(shown.len() <= height);
    let selected = app.selected_audit().unwrap();
    assert_eq!(selected.entry.position, Some(100_000 - 2 * height as u64));
    app.update(key(KeyCode::End));
    assert!(text(&render(&app)).contains("A → B"));
    assert_eq!(app.selected_audit().unwrap().entry.position, Some(1));
}
