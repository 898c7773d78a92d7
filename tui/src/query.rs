//! What a scripted operator may read of the console: enough to know where it stands and what its
//! last key did, nothing to change it with. The demo drives the console through its keys and this.

use crate::focus::Focus;
use crate::keymap::Context;
use crate::theme::Theme;
use crate::toast::Toast;
use flightdeck_core::contract::{AuditEntry, Flight, Passenger};
use uuid::Uuid;

pub trait Query {
    fn focus(&self) -> Focus;
    /// The context of the open dialog, if one is open.
    fn dialog(&self) -> Option<Context>;
    /// The flights the pane shows, in order.
    fn shown_flights(&self) -> impl Iterator<Item = &Flight>;
    fn selected_flight(&self) -> Option<&Flight>;
    /// The passengers the pane shows, in order.
    fn shown_passengers(&self) -> impl Iterator<Item = &Passenger>;
    fn selected_passenger(&self) -> Option<&Passenger>;
    /// A flight as last read, shown or not.
    fn flight(&self, id: Uuid) -> Option<&Flight>;
    /// A passenger of the flight whose passengers are read.
    fn passenger(&self, id: Uuid) -> Option<&Passenger>;
    fn audit_entries(&self) -> impl Iterator<Item = &AuditEntry>;
    fn toast(&self) -> Option<&Toast>;
    /// The history view, while it is open.
    fn history(&self) -> Option<&crate::history::HistoryView>;
    /// The number of the latest toast, shown or expired: it changes when a command answers.
    fn toast_seq(&self) -> u64;
    /// The command being carried out, in words.
    fn running(&self) -> Option<&str>;
    /// The id the last successful create of a flight made.
    fn created_flight(&self) -> Option<Uuid>;
    fn created_passenger(&self) -> Option<Uuid>;
    fn theme(&self) -> &Theme;
}
