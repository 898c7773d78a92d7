//! The key table's own checks: no key bound twice, matching by code and Control, the footer's
//! order.

use super::*;

#[test]
fn no_two_bindings_of_one_context_share_a_key() {
    for context in Context::ALL {
        let global = context
            .is_pane()
            .then(|| of(Context::Global))
            .into_iter()
            .flatten();
        let chords: Vec<Chord> = of(context)
            .chain(global)
            .flat_map(|b| b.chords.iter().map(|(c, _)| *c))
            .collect();
        for (i, chord) in chords.iter().enumerate() {
            assert!(
                !chords[i + 1..].contains(chord),
                "{chord:?} is bound twice in {context:?}"
            );
        }
    }
}

#[test]
fn keys_match_by_code_and_control() {
    let plain = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    assert_eq!(action(Context::Global, ctrl('c')), Some(Action::Interrupt));
    assert_eq!(action(Context::Global, plain('c')), None);
    assert_eq!(action(Context::Global, ctrl('q')), Some(Action::Quit));
    assert_eq!(action(Context::Confirm, plain('n')), Some(Action::Keep));
    assert_eq!(action(Context::Confirm, plain('Y')), Some(Action::Confirm));
    assert_eq!(key_for(Context::Flights, Action::Delete), Some(plain('x')));
}

#[test]
fn the_footer_adds_the_global_hints_to_a_panes_own() {
    let keys: Vec<&str> = hints(Context::Passengers).iter().map(|h| h.keys).collect();
    assert_eq!(keys, ["a", "b", "e", "/", "?", "q"]);
    let keys: Vec<&str> = hints(Context::Confirm).iter().map(|h| h.keys).collect();
    assert_eq!(keys, ["y", "any other key"]);
}
