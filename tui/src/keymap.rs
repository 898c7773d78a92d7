//! The key table: every binding once, as data. Matching a key to an action, the help overlay and
//! the footer hints all read this table, so what the operator is told is what the keys do.

use crate::focus::Focus;
use crate::list::Step;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies: everywhere, in one pane, or in one dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    /// In every pane, while no dialog is open and no filter is typed.
    Global,
    Flights,
    Passengers,
    Audit,
    /// While a pane's filter is typed.
    Filter,
    Form,
    Help,
    Details,
    Confirm,
    /// The backend's status view.
    Status,
    /// A flight's history.
    History,
}

impl Context {
    pub const ALL: [Context; 11] = [
        Context::Global,
        Context::Flights,
        Context::Passengers,
        Context::Audit,
        Context::Filter,
        Context::Form,
        Context::Help,
        Context::Details,
        Context::Confirm,
        Context::Status,
        Context::History,
    ];

    /// The contexts the help lists, in its order.
    pub const HELP: [Context; 6] = [
        Context::Global,
        Context::Flights,
        Context::Passengers,
        Context::Audit,
        Context::History,
        Context::Form,
    ];

    pub fn of(focus: Focus) -> Self {
        match focus {
            Focus::Flights => Self::Flights,
            Focus::Passengers => Self::Passengers,
            Focus::Audit => Self::Audit,
        }
    }

    /// The heading of the context's part of the help.
    pub fn title(self) -> &'static str {
        match self {
            Self::Global => "Everywhere",
            Self::Flights => "Flights",
            Self::Passengers => "Passengers",
            Self::Audit => "Audit log",
            Self::Filter => "Filter",
            Self::Form => "Forms",
            Self::Help => "Help",
            Self::Details => "Entry details",
            Self::Confirm => "Confirmation",
            Self::Status => "Backend status",
            Self::History => "Flight history",
        }
    }

    /// Whether the global bindings work here too.
    pub fn is_pane(self) -> bool {
        matches!(self, Self::Flights | Self::Passengers | Self::Audit)
    }
}

/// What a key asks for. Which component carries it out depends on the context it came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    /// Ctrl-C: quits from anywhere, a form or a dialog included.
    Interrupt,
    /// Ctrl-Z: gives the terminal back to the shell until `fg`, from anywhere.
    Suspend,
    NextPane,
    PreviousPane,
    Show(Focus),
    /// Moves the selection, or scrolls the entry details.
    Move(Step),
    Filter,
    ClearFilter,
    KeepFilter,
    Help,
    /// The backend's status view.
    Status,
    /// The history view of the flight selected, or of the audit entry's flight.
    History,
    NewFlight,
    EditFlight,
    AddPassenger,
    Disembark,
    Land,
    Delete,
    Board,
    Rename,
    Details,
    Follow,
    CycleKind,
    NextField,
    PreviousField,
    Submit,
    Cancel,
    Close,
    Confirm,
    Keep,
}

/// A key as a binding names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chord {
    /// The key, whatever modifiers come with it (Shift makes `G`, terminals differ on the rest).
    Key(KeyCode),
    /// The character with Control held.
    Ctrl(char),
    /// Any key no other binding of the context takes.
    Any,
}

/// The footer's short form of a binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    pub keys: &'static str,
    pub label: &'static str,
}

/// One line of the help: the keys as it writes them, what they do, and each key's action.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub context: Context,
    pub keys: &'static str,
    pub label: &'static str,
    /// What the footer shows of it, if anything.
    pub hint: Option<Hint>,
    pub chords: &'static [(Chord, Action)],
}

const fn key(code: KeyCode) -> Chord {
    Chord::Key(code)
}

const fn ch(c: char) -> Chord {
    Chord::Key(KeyCode::Char(c))
}

const fn hint(keys: &'static str, label: &'static str) -> Option<Hint> {
    Some(Hint { keys, label })
}

const fn bind(
    context: Context,
    keys: &'static str,
    label: &'static str,
    hint: Option<Hint>,
    chords: &'static [(Chord, Action)],
) -> Binding {
    Binding {
        context,
        keys,
        label,
        hint,
        chords,
    }
}

use Action as A;
use Context as C;

/// The keys that move through a dialog's lines, one at a time or by page.
const MOVES: &[(Chord, Action)] = &[
    (key(KeyCode::Up), A::Move(Step::Up)),
    (ch('k'), A::Move(Step::Up)),
    (key(KeyCode::Down), A::Move(Step::Down)),
    (ch('j'), A::Move(Step::Down)),
    (key(KeyCode::PageUp), A::Move(Step::PageUp)),
    (key(KeyCode::PageDown), A::Move(Step::PageDown)),
    (key(KeyCode::Home), A::Move(Step::First)),
    (ch('g'), A::Move(Step::First)),
    (key(KeyCode::End), A::Move(Step::Last)),
    (ch('G'), A::Move(Step::Last)),
];

pub const BINDINGS: &[Binding] = &[
    bind(
        C::Global,
        "Tab / Shift-Tab",
        "next / previous pane",
        None,
        &[
            (key(KeyCode::Tab), A::NextPane),
            (key(KeyCode::BackTab), A::PreviousPane),
        ],
    ),
    bind(
        C::Global,
        "1 2 3",
        "Flights, Passengers, Audit log",
        None,
        &[
            (ch('1'), A::Show(Focus::Flights)),
            (ch('2'), A::Show(Focus::Passengers)),
            (ch('3'), A::Show(Focus::Audit)),
        ],
    ),
    bind(
        C::Global,
        "↑ ↓ j k",
        "move",
        None,
        &[
            (key(KeyCode::Up), A::Move(Step::Up)),
            (ch('k'), A::Move(Step::Up)),
            (key(KeyCode::Down), A::Move(Step::Down)),
            (ch('j'), A::Move(Step::Down)),
        ],
    ),
    bind(
        C::Global,
        "PgUp PgDn Home End",
        "move by page, to first, to last",
        None,
        &[
            (key(KeyCode::PageUp), A::Move(Step::PageUp)),
            (key(KeyCode::PageDown), A::Move(Step::PageDown)),
            (key(KeyCode::Home), A::Move(Step::First)),
            (ch('g'), A::Move(Step::First)),
            (key(KeyCode::End), A::Move(Step::Last)),
            (ch('G'), A::Move(Step::Last)),
        ],
    ),
    bind(
        C::Global,
        "/",
        "filter the list by text; Esc clears",
        hint("/", "filter"),
        &[(ch('/'), A::Filter), (key(KeyCode::Esc), A::ClearFilter)],
    ),
    bind(
        C::Global,
        "?",
        "this help",
        hint("?", "help"),
        &[(ch('?'), A::Help)],
    ),
    bind(
        C::Global,
        "s",
        "the backend's status",
        None,
        &[(ch('s'), A::Status)],
    ),
    bind(
        C::Global,
        "q  Ctrl-C",
        "quit",
        hint("q", "quit"),
        &[(ch('q'), A::Quit), (Chord::Ctrl('c'), A::Interrupt)],
    ),
    bind(
        C::Global,
        "Ctrl-Z",
        "suspend; fg comes back",
        None,
        &[(Chord::Ctrl('z'), A::Suspend)],
    ),
    bind(
        C::Flights,
        "n",
        "new flight",
        hint("n", "new"),
        &[(ch('n'), A::NewFlight)],
    ),
    bind(
        C::Flights,
        "e",
        "edit details",
        hint("e", "edit"),
        &[(ch('e'), A::EditFlight)],
    ),
    bind(
        C::Flights,
        "a",
        "add a passenger",
        hint("a", "add passenger"),
        &[(ch('a'), A::AddPassenger)],
    ),
    bind(
        C::Flights,
        "d",
        "disembark",
        hint("d", "disembark"),
        &[(ch('d'), A::Disembark)],
    ),
    bind(
        C::Flights,
        "l",
        "land",
        hint("l", "land"),
        &[(ch('l'), A::Land)],
    ),
    bind(
        C::Flights,
        "x  Delete",
        "delete (asks y to confirm)",
        hint("x", "delete"),
        &[(ch('x'), A::Delete), (key(KeyCode::Delete), A::Delete)],
    ),
    bind(
        C::Flights,
        "h",
        "the flight's history",
        hint("h", "history"),
        &[(ch('h'), A::History)],
    ),
    bind(
        C::Passengers,
        "a",
        "add a passenger",
        hint("a", "add"),
        &[(ch('a'), A::AddPassenger)],
    ),
    bind(
        C::Passengers,
        "b  Enter",
        "board",
        hint("b", "board"),
        &[(ch('b'), A::Board), (key(KeyCode::Enter), A::Board)],
    ),
    bind(
        C::Passengers,
        "e",
        "rename",
        hint("e", "rename"),
        &[(ch('e'), A::Rename)],
    ),
    bind(
        C::Audit,
        "Enter",
        "details (full JSON)",
        hint("Enter", "details"),
        &[(key(KeyCode::Enter), A::Details)],
    ),
    bind(
        C::Audit,
        "f",
        "pause / resume following",
        hint("f", "follow"),
        &[(ch('f'), A::Follow)],
    ),
    bind(
        C::Audit,
        "t",
        "all / flights / passengers",
        hint("t", "type"),
        &[(ch('t'), A::CycleKind)],
    ),
    bind(
        C::Audit,
        "h",
        "the history of the entry's flight",
        hint("h", "history"),
        &[(ch('h'), A::History)],
    ),
    bind(
        C::History,
        "↑ ↓ PgUp PgDn",
        "move through time; Home End: first, last",
        hint("↑ ↓ PgUp PgDn", "move through time"),
        MOVES,
    ),
    bind(
        C::History,
        "Esc h",
        "back",
        hint("Esc", "back"),
        &[
            (key(KeyCode::Esc), A::Close),
            (ch('h'), A::Close),
            (ch('q'), A::Close),
        ],
    ),
    bind(
        C::Filter,
        "Enter",
        "keep filter",
        hint("Enter", "keep filter"),
        &[
            (key(KeyCode::Enter), A::KeepFilter),
            (key(KeyCode::Tab), A::KeepFilter),
            (key(KeyCode::Down), A::KeepFilter),
            (key(KeyCode::Up), A::KeepFilter),
        ],
    ),
    bind(
        C::Filter,
        "Esc",
        "clear filter",
        hint("Esc", "clear filter"),
        &[(key(KeyCode::Esc), A::ClearFilter)],
    ),
    bind(
        C::Form,
        "Tab / Shift-Tab",
        "next / previous field",
        hint("Tab / Shift-Tab", "next / previous field"),
        &[
            (key(KeyCode::Tab), A::NextField),
            (key(KeyCode::Down), A::NextField),
            (key(KeyCode::BackTab), A::PreviousField),
            (key(KeyCode::Up), A::PreviousField),
        ],
    ),
    bind(
        C::Form,
        "Enter",
        "submit",
        hint("Enter", "submit"),
        &[(key(KeyCode::Enter), A::Submit)],
    ),
    bind(
        C::Form,
        "Esc",
        "cancel",
        hint("Esc", "cancel"),
        &[(key(KeyCode::Esc), A::Cancel)],
    ),
    bind(
        C::Help,
        "↑ ↓ PgUp PgDn",
        "scroll",
        hint("↑ ↓ PgUp PgDn", "scroll"),
        MOVES,
    ),
    bind(
        C::Help,
        "Esc ?",
        "close help",
        hint("Esc ?", "close help"),
        &[
            (key(KeyCode::Esc), A::Close),
            (ch('?'), A::Close),
            (ch('q'), A::Close),
            (key(KeyCode::Enter), A::Close),
        ],
    ),
    bind(
        C::Details,
        "↑ ↓ PgUp PgDn",
        "scroll",
        hint("↑ ↓ PgUp PgDn", "scroll"),
        MOVES,
    ),
    bind(
        C::Details,
        "Esc Enter",
        "close",
        hint("Esc Enter", "close"),
        &[
            (key(KeyCode::Esc), A::Close),
            (key(KeyCode::Enter), A::Close),
            (ch('q'), A::Close),
        ],
    ),
    bind(
        C::Status,
        "Esc s",
        "close",
        hint("Esc s", "close"),
        &[
            (key(KeyCode::Esc), A::Close),
            (ch('s'), A::Close),
            (ch('q'), A::Close),
            (key(KeyCode::Enter), A::Close),
        ],
    ),
    bind(
        C::Confirm,
        "y",
        "delete",
        hint("y", "delete"),
        &[(ch('y'), A::Confirm), (ch('Y'), A::Confirm)],
    ),
    bind(
        C::Confirm,
        "any other key",
        "keep",
        hint("any other key", "keep"),
        &[(Chord::Any, A::Keep)],
    ),
];

/// The table in force: [`BINDINGS`], or a copy with a config file's `[keys]` applied, set once
/// before the console starts. Matching, the help, the footer and the demo all read it here, so
/// an override is never half applied; set once, it lives as long as the process.
static ACTIVE: std::sync::OnceLock<&'static [Binding]> = std::sync::OnceLock::new();

/// Puts `table` in force for the rest of the run; false if a table was put in force already.
pub fn install(table: Vec<Binding>) -> bool {
    ACTIVE.set(Box::leak(table.into_boxed_slice())).is_ok()
}

/// The bindings in force.
pub fn table() -> &'static [Binding] {
    ACTIVE.get().copied().unwrap_or(BINDINGS)
}

/// The bindings of one context, in the table's order.
pub fn of(context: Context) -> impl Iterator<Item = &'static Binding> {
    table().iter().filter(move |b| b.context == context)
}

/// The action a key stands for in a context. A Control chord wins over the plain key, and
/// `Any` takes what nothing else does.
pub fn action(context: Context, key: KeyEvent) -> Option<Action> {
    let chords = || of(context).flat_map(|b| b.chords.iter());
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let find = |wanted: &dyn Fn(&Chord) -> bool| chords().find(|(c, _)| wanted(c)).map(|(_, a)| *a);
    find(&|c| matches!(c, Chord::Ctrl(x) if ctrl && key.code == KeyCode::Char(*x)))
        .or_else(|| find(&|c| matches!(c, Chord::Key(code) if *code == key.code)))
        .or_else(|| find(&|c| matches!(c, Chord::Any)))
}

/// The footer's hints in a context: a pane's own, then those that work everywhere.
pub fn hints(context: Context) -> Vec<Hint> {
    let global = context
        .is_pane()
        .then(|| of(Context::Global))
        .into_iter()
        .flatten();
    of(context).chain(global).filter_map(|b| b.hint).collect()
}

/// The first key that asks for `action` in `context`, as a scripted operator presses it.
pub fn key_for(context: Context, action: Action) -> Option<KeyEvent> {
    of(context)
        .flat_map(|b| b.chords.iter())
        .filter(|(_, a)| *a == action)
        .find_map(|(chord, _)| match chord {
            Chord::Key(code) => Some(KeyEvent::new(*code, KeyModifiers::NONE)),
            Chord::Ctrl(c) => Some(KeyEvent::new(KeyCode::Char(*c), KeyModifiers::CONTROL)),
            Chord::Any => None,
        })
}

#[cfg(test)]
mod tests;
