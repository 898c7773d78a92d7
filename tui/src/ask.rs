//! What a component asks of the console's root: a dialog to open, a command to send, a word to
//! the operator. Components never reach into one another; the root carries out what they ask.

use crate::msg::{AuditPage, Command};
use crate::theme::Tone;
use flightdeck_core::contract::{AuditEntry, Flight, Passenger};
use flightdeck_core::DomainError;

#[derive(Clone, Debug, PartialEq)]
pub enum Ask {
    Open(Dialog),
    Run(Command),
    Say(String, Tone),
    /// A page of the audit log to read.
    ReadAudit(AuditPage),
}

impl Ask {
    /// A refusal by the rules, in their own words.
    pub fn refuse(why: DomainError) -> Self {
        Self::Say(why.to_string(), Tone::Bad)
    }
}

/// A dialog and what it is about.
#[derive(Clone, Debug, PartialEq)]
pub enum Dialog {
    Help,
    Details(Box<AuditEntry>),
    ConfirmDelete(Flight),
    Form(FormKind),
}

/// What a form edits, and so which fields it has and which command it sends.
#[derive(Clone, Debug, PartialEq)]
pub enum FormKind {
    NewFlight,
    EditFlight(Flight),
    AddPassenger(Flight),
    RenamePassenger(Passenger),
}
