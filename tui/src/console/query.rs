//! The console as a scripted operator reads it.

use super::Console;
use crate::focus::Focus;
use crate::keymap::Context;
use crate::query::Query;
use crate::theme::Theme;
use crate::toast::Toast;
use flightdeck_core::contract::{AuditEntry, Flight, Passenger};
use uuid::Uuid;

impl Query for Console {
    fn focus(&self) -> Focus {
        self.focus
    }

    fn history(&self) -> Option<&crate::history::HistoryView> {
        match &self.overlay {
            Some(crate::overlays::Overlay::History(view)) => Some(view),
            _ => None,
        }
    }

    fn dialog(&self) -> Option<Context> {
        self.overlay.as_ref().map(|o| o.context())
    }

    fn shown_flights(&self) -> impl Iterator<Item = &Flight> {
        self.flights.shown()
    }

    fn selected_flight(&self) -> Option<&Flight> {
        self.flights.selected()
    }

    fn shown_passengers(&self) -> impl Iterator<Item = &Passenger> {
        self.passengers.shown()
    }

    fn selected_passenger(&self) -> Option<&Passenger> {
        self.passengers.selected()
    }

    fn flight(&self, id: Uuid) -> Option<&Flight> {
        self.flights.all().iter().find(|f| f.id == id)
    }

    fn passenger(&self, id: Uuid) -> Option<&Passenger> {
        self.passengers.all().iter().find(|p| p.id == id)
    }

    fn audit_entries(&self) -> impl Iterator<Item = &AuditEntry> {
        self.audit.rows().iter().map(|r| &r.entry)
    }

    fn toast(&self) -> Option<&Toast> {
        self.toasts.shown()
    }

    fn toast_seq(&self) -> u64 {
        self.toasts.seq()
    }

    fn running(&self) -> Option<&str> {
        self.running.as_deref()
    }

    fn created_flight(&self) -> Option<Uuid> {
        self.created.flight
    }

    fn created_passenger(&self) -> Option<Uuid> {
        self.created.passenger
    }

    fn theme(&self) -> &Theme {
        &self.theme
    }
}
