//! A config file's `[keys]`: which actions an operator may bind to other keys, how keys are
//! written, and the key table with the new keys in place. Each override replaces every key of
//! its action wherever the action is bound, and the help and footer text of the bindings it
//! changes is written anew from their keys, so that what the operator reads is what works.
//! Ctrl-C always quits, and the keys of dialogs and forms stay as they are.

use crate::focus::Focus;
use crate::keymap::{Action, Binding, Chord, Context, Hint, BINDINGS};
use crate::list::Step;
use crossterm::event::KeyCode;

/// The actions `[keys]` may bind, by the names a config file uses.
pub const ACTIONS: &[(&str, Action)] = &[
    ("quit", Action::Quit),
    ("help", Action::Help),
    ("status", Action::Status),
    ("next_pane", Action::NextPane),
    ("previous_pane", Action::PreviousPane),
    ("show_flights", Action::Show(Focus::Flights)),
    ("show_passengers", Action::Show(Focus::Passengers)),
    ("show_audit_log", Action::Show(Focus::Audit)),
    ("up", Action::Move(Step::Up)),
    ("down", Action::Move(Step::Down)),
    ("page_up", Action::Move(Step::PageUp)),
    ("page_down", Action::Move(Step::PageDown)),
    ("first", Action::Move(Step::First)),
    ("last", Action::Move(Step::Last)),
    ("filter", Action::Filter),
    ("new_flight", Action::NewFlight),
    ("edit_flight", Action::EditFlight),
    ("add_passenger", Action::AddPassenger),
    ("disembark", Action::Disembark),
    ("land", Action::Land),
    ("delete", Action::Delete),
    ("board", Action::Board),
    ("rename", Action::Rename),
    ("details", Action::Details),
    ("follow", Action::Follow),
    ("cycle_kind", Action::CycleKind),
    ("history", Action::History),
];

/// The contexts whose bindings an override changes: the panes, and the entry details, which
/// scroll with the same movement keys.
const CHANGEABLE: [Context; 5] = [
    Context::Global,
    Context::Flights,
    Context::Passengers,
    Context::Audit,
    Context::Details,
];

/// One line of `[keys]`: an action and its new keys, and the line it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    pub action: String,
    pub keys: Vec<String>,
    pub line: usize,
}

/// Why `[keys]` cannot be used: the line it is on and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub line: usize,
    pub problem: String,
}

/// The action a config file's name stands for.
pub fn action_named(name: &str) -> Option<Action> {
    ACTIONS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
}

fn name_of(action: Action) -> Option<&'static str> {
    ACTIONS.iter().find(|(_, a)| *a == action).map(|(n, _)| *n)
}

/// What a binding does, for an error: its config name, else the help's words.
fn describe(action: Action, binding: &Binding) -> String {
    name_of(action).map_or_else(|| binding.label.to_owned(), str::to_owned)
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("shift-tab", KeyCode::BackTab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pgup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("pgdn", KeyCode::PageDown),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("space", KeyCode::Char(' ')),
];

/// A key as a config file writes it: a character (`x`, `G`, `?`), `Ctrl-x`, `F1`…`F12`, or a
/// name (`Enter`, `Esc`, `Tab`, `Shift-Tab`, `Up`, `PgDn`, `Space`…), names in any case.
pub fn parse_key(text: &str) -> Result<Chord, String> {
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if !c.is_control() && !c.is_whitespace() {
            return Ok(Chord::Key(KeyCode::Char(c)));
        }
    }
    let lower = text.to_ascii_lowercase();
    for prefix in ["ctrl-", "ctrl+", "c-"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            let mut chars = rest.chars();
            return match (chars.next(), chars.next()) {
                (Some('c'), None) => Err(format!(
                    "'{text}' always quits and cannot be bound to anything else"
                )),
                (Some(c), None) if c.is_ascii_alphanumeric() => Ok(Chord::Ctrl(c)),
                _ => Err(format!(
                    "unknown key '{text}': Ctrl- takes one letter or digit"
                )),
            };
        }
    }
    if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
        if (1..=12).contains(&n) {
            return Ok(Chord::Key(KeyCode::F(n)));
        }
    }
    NAMED
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, code)| Chord::Key(*code))
        .ok_or_else(|| {
            format!(
                "unknown key '{text}': write a character, Ctrl-x, F1…F12, or one of Enter, Esc, \
                 Tab, Shift-Tab, Backspace, Delete, Insert, Home, End, PgUp, PgDn, Up, Down, \
                 Left, Right, Space"
            )
        })
}

/// A key as the help and the footer show it.
pub fn key_name(chord: Chord) -> String {
    match chord {
        Chord::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
        Chord::Any => "any other key".to_owned(),
        Chord::Key(code) => match code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::Left => "←".to_owned(),
            KeyCode::Right => "→".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::BackTab => "Shift-Tab".to_owned(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other}"),
        },
    }
}

/// The key table with `overrides` applied, refused when an action or a key is unknown, an
/// action is named twice, or a key ends up bound twice where the same keys are read.
pub fn apply(overrides: &[Override]) -> Result<Vec<Binding>, Refusal> {
    let mut wanted: Vec<(Action, Vec<Chord>, usize)> = Vec::new();
    for o in overrides {
        let refuse = |problem: String| Refusal {
            line: o.line,
            problem,
        };
        let action = action_named(&o.action).ok_or_else(|| {
            let names: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
            refuse(format!(
                "unknown action '{}' in [keys]; the actions are {}",
                o.action,
                names.join(", ")
            ))
        })?;
        if wanted.iter().any(|(a, _, _)| *a == action) {
            return Err(refuse(format!("'{}' is given twice in [keys]", o.action)));
        }
        if o.keys.is_empty() {
            return Err(refuse(format!(
                "'{}' has no key; give at least one",
                o.action
            )));
        }
        let chords = o
            .keys
            .iter()
            .map(|k| parse_key(k))
            .collect::<Result<Vec<_>, _>>()
            .map_err(refuse)?;
        wanted.push((action, chords, o.line));
    }
    let table: Vec<Binding> = BINDINGS
        .iter()
        .map(|binding| rebound(binding, &wanted))
        .collect();
    check(&table, &wanted)?;
    Ok(table)
}

/// One binding with the overridden actions' keys in place of its own.
fn rebound(binding: &Binding, wanted: &[(Action, Vec<Chord>, usize)]) -> Binding {
    if !CHANGEABLE.contains(&binding.context) {
        return *binding;
    }
    let mut chords: Vec<(Chord, Action)> = Vec::new();
    let mut changed = false;
    for (chord, action) in binding.chords {
        match wanted.iter().find(|(a, _, _)| a == action) {
            None => chords.push((*chord, *action)),
            Some((_, new, _)) => {
                changed = true;
                if !chords.iter().any(|(_, a)| a == action) {
                    chords.extend(new.iter().map(|c| (*c, *action)));
                }
            }
        }
    }
    if !changed {
        return *binding;
    }
    // The table lives for the whole run (see `keymap::install`), so its text may too.
    let keys: Vec<String> = chords.iter().map(|(c, _)| key_name(*c)).collect();
    let keys: &'static str = Box::leak(keys.join(" ").into_boxed_str());
    let hint = binding.hint.map(|h| Hint {
        keys: chords
            .first()
            .map_or(keys, |(c, _)| Box::leak(key_name(*c).into_boxed_str())),
        label: h.label,
    });
    Binding {
        keys,
        hint,
        chords: Box::leak(chords.into_boxed_slice()),
        ..*binding
    }
}

/// No key may mean two things where the same keys are read: a context, with the global
/// bindings in a pane.
fn check(table: &[Binding], wanted: &[(Action, Vec<Chord>, usize)]) -> Result<(), Refusal> {
    for context in Context::ALL {
        let read: Vec<(&Binding, Chord, Action)> = table
            .iter()
            .filter(|b| b.context == context || (context.is_pane() && b.context == Context::Global))
            .flat_map(|b| b.chords.iter().map(move |(c, a)| (b, *c, *a)))
            .collect();
        for (i, (first, chord, one)) in read.iter().enumerate() {
            let Some((second, _, other)) = read[i + 1..].iter().find(|(_, c, _)| c == chord) else {
                continue;
            };
            if one == other {
                continue;
            }
            let line = wanted
                .iter()
                .filter(|(a, chords, _)| (a == one || a == other) && chords.contains(chord))
                .map(|(_, _, line)| *line)
                .max()
                .unwrap_or(0);
            return Err(Refusal {
                line,
                problem: format!(
                    "'{}' is bound twice in {}: to {} and to {}",
                    key_name(*chord),
                    context.title(),
                    describe(*one, first),
                    describe(*other, second)
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(action: &str, keys: &[&str], line: usize) -> Override {
        Override {
            action: action.to_owned(),
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            line,
        }
    }

    fn chords_of(table: &[Binding], context: Context, action: Action) -> Vec<Chord> {
        table
            .iter()
            .filter(|b| b.context == context)
            .flat_map(|b| b.chords.iter())
            .filter(|(_, a)| *a == action)
            .map(|(c, _)| *c)
            .collect()
    }

    #[test]
    fn keys_are_read_as_written() {
        assert_eq!(parse_key("x"), Ok(Chord::Key(KeyCode::Char('x'))));
        assert_eq!(parse_key("G"), Ok(Chord::Key(KeyCode::Char('G'))));
        assert_eq!(parse_key("ctrl-r"), Ok(Chord::Ctrl('r')));
        assert_eq!(parse_key("F5"), Ok(Chord::Key(KeyCode::F(5))));
        assert_eq!(parse_key("PgDn"), Ok(Chord::Key(KeyCode::PageDown)));
        assert_eq!(parse_key("Shift-Tab"), Ok(Chord::Key(KeyCode::BackTab)));
        assert!(parse_key("Ctrl-C").unwrap_err().contains("always quits"));
        assert!(parse_key("Hyper-q")
            .unwrap_err()
            .contains("unknown key 'Hyper-q'"));
        assert!(parse_key("F13").is_err());
    }

    #[test]
    fn an_override_replaces_every_key_of_its_action_and_the_text_follows() {
        let table =
            apply(&[one("quit", &["Q"], 3), one("down", &["J", "Down"], 4)]).expect("applies");
        let q = Chord::Key(KeyCode::Char('Q'));
        assert_eq!(chords_of(&table, Context::Global, Action::Quit), [q]);
        let quit = table
            .iter()
            .find(|b| b.chords.iter().any(|(_, a)| *a == Action::Quit))
            .expect("quit bound");
        assert_eq!(quit.keys, "Q Ctrl-C");
        assert_eq!(quit.hint.map(|h| h.keys), Some("Q"));
        // Down moves in the panes and scrolls the entry details alike.
        for context in [Context::Global, Context::Details] {
            assert_eq!(
                chords_of(&table, context, Action::Move(Step::Down)),
                [Chord::Key(KeyCode::Char('J')), Chord::Key(KeyCode::Down)]
            );
        }
        // Ctrl-C still quits; other bindings keep their own words.
        assert_eq!(
            chords_of(&table, Context::Global, Action::Interrupt),
            [Chord::Ctrl('c')]
        );
        assert!(table.iter().any(|b| b.keys == "x  Delete"));
    }

    #[test]
    fn unknown_actions_and_keys_bound_twice_are_refused_with_their_line() {
        let err = apply(&[one("fly", &["f"], 7)]).expect_err("refused");
        assert_eq!(err.line, 7);
        assert!(
            err.problem.contains("unknown action 'fly'"),
            "{}",
            err.problem
        );
        let err = apply(&[one("quit", &["x"], 9)]).expect_err("refused");
        assert_eq!(err.line, 9);
        assert_eq!(
            err.problem,
            "'x' is bound twice in Flights: to quit and to delete"
        );
        let err = apply(&[one("up", &["q"], 2)]).expect_err("refused");
        assert!(
            err.problem.contains("'q' is bound twice"),
            "{}",
            err.problem
        );
        let err = apply(&[one("help", &[], 4)]).expect_err("refused");
        assert!(err.problem.contains("no key"), "{}", err.problem);
        // Swapping two keys in one file is fine: each gives up the other's key.
        apply(&[one("new_flight", &["e"], 1), one("edit_flight", &["n"], 2)]).expect("swapped");
    }
}
