//! The key bindings, as the help overlay and the footer show them. The handling itself is in
//! `app.rs`; this list is what an operator reads, kept beside one another so they stay in step.

use crate::app::Focus;

pub type Binding = (&'static str, &'static str);

pub const GLOBAL: &[Binding] = &[
    ("Tab / Shift-Tab", "next / previous pane"),
    ("1 2 3", "Flights, Passengers, Audit log"),
    ("↑ ↓ j k", "move"),
    ("PgUp PgDn Home End", "move by page, to first, to last"),
    ("/", "filter the list by text; Esc clears"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
];

pub const FLIGHTS: &[Binding] = &[
    ("n", "new flight"),
    ("e", "edit details"),
    ("a", "add a passenger"),
    ("d", "disembark"),
    ("l", "land"),
    ("x  Delete", "delete (asks y to confirm)"),
];

pub const PASSENGERS: &[Binding] = &[
    ("a", "add a passenger"),
    ("b  Enter", "board"),
    ("e", "rename"),
];

pub const AUDIT: &[Binding] = &[
    ("Enter", "details (full JSON)"),
    ("f", "pause / resume following"),
    ("t", "all / flights / passengers"),
];

pub const FORM: &[Binding] = &[
    ("Tab / Shift-Tab", "next / previous field"),
    ("Enter", "submit"),
    ("Esc", "cancel"),
];

/// The footer's short list for the focused pane.
pub fn footer(focus: Focus) -> &'static [Binding] {
    match focus {
        Focus::Flights => &[
            ("n", "new"),
            ("e", "edit"),
            ("a", "add passenger"),
            ("d", "disembark"),
            ("l", "land"),
            ("x", "delete"),
            ("/", "filter"),
            ("?", "help"),
            ("q", "quit"),
        ],
        Focus::Passengers => &[
            ("a", "add"),
            ("b", "board"),
            ("e", "rename"),
            ("/", "filter"),
            ("?", "help"),
            ("q", "quit"),
        ],
        Focus::Audit => &[
            ("Enter", "details"),
            ("f", "follow"),
            ("t", "type"),
            ("/", "filter"),
            ("?", "help"),
            ("q", "quit"),
        ],
    }
}
