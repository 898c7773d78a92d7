//! The root's part in the history view: opening it on the flight or audit entry selected, and
//! handing it its reads and the live entries of its flight.

use super::Console;
use crate::client::ClientError;
use crate::focus::Focus;
use crate::history::{timeline, HistoryView};
use crate::msg::{Effect, Story};
use crate::overlays::Overlay;
use crate::theme::Tone;
use flightdeck_core::contract::AuditEntry;
use uuid::Uuid;

impl Console {
    /// Opens the history of the selected flight, or of the selected audit entry's flight
    /// (starting at that entry).
    pub(super) fn open_history(&mut self) -> Vec<Effect> {
        let (flight, anchor) = match self.focus {
            Focus::Audit => match self.audit.selected() {
                Some(row) => (timeline::flight_of(&row.entry), Some(row.entry.clone())),
                None => (None, None),
            },
            _ => (self.flights.selected_id(), None),
        };
        let Some(flight) = flight else {
            let text = "Select a flight, or an audit entry about one, to see its history";
            return vec![self.toasts.show(text.to_owned(), Tone::Info)];
        };
        let label = self
            .flights
            .numbers()
            .get(&flight)
            .map(str::to_owned)
            .unwrap_or_default();
        let mut view = HistoryView::new(flight, label, anchor);
        view.fit(self.size);
        let effects = view.reload();
        self.overlay = Some(Overlay::History(Box::new(view)));
        effects
    }

    pub(super) fn on_history(
        &mut self,
        flight: Uuid,
        result: Result<Story, ClientError>,
    ) -> Vec<Effect> {
        match &mut self.overlay {
            Some(Overlay::History(view)) if view.flight() == flight => view.loaded(result),
            // An answer for a view since closed.
            _ => vec![],
        }
    }

    /// A live audit entry: the open history reads itself again if the entry is of its flight.
    pub(super) fn history_grows(&mut self, entry: &AuditEntry) -> Vec<Effect> {
        match &mut self.overlay {
            Some(Overlay::History(view)) if view.is_about(entry) => view.reload(),
            _ => vec![],
        }
    }
}
