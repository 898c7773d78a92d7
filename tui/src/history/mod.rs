//! The history view: one flight's events as a timeline, beside the flight and its manifest as
//! they stood after the selected event, with what that event changed marked. It takes the whole
//! window over the panes; the console opens it on `h` and closes it on Esc. The history comes
//! from the backend's history route, or is rebuilt from the audit log where there is none (an
//! original deployment), and is read again when a live audit entry of the flight arrives.

mod draw;
#[cfg(test)]
mod tests;
pub mod timeline;

use crate::client::{Client, ClientError};
use crate::list::Step;
use crate::msg::{Effect, Story};
use flightdeck_core::contract::{AuditEntry, HistoryEntry};
use ratatui::layout::Rect;
use timeline::Changes;
use uuid::Uuid;

/// Reads a flight's history: the backend's route, else the audit log folded (see
/// [`timeline::from_audit`]). Runs on the runtime, off the UI task.
pub async fn load(client: &Client, flight: Uuid) -> Result<Story, ClientError> {
    match client.history(flight).await {
        Ok(Some(entries)) => {
            return Ok(Story {
                entries,
                from_audit: false,
            })
        }
        // No such route: an original deployment (its services may answer 405 to the path).
        Ok(None) | Err(ClientError::Status { status: 405, .. }) => {}
        Err(err) => return Err(err),
    }
    let log = client.audit_all().await?;
    Ok(Story {
        entries: timeline::from_audit(flight, &log),
        from_audit: true,
    })
}

#[derive(Clone, Debug)]
pub struct HistoryView {
    flight: Uuid,
    /// The flight's number as the console knew it, for the title until the history is read.
    label: String,
    /// The audit entry it was opened from: the view starts there once the history is read.
    anchor: Option<AuditEntry>,
    entries: Vec<HistoryEntry>,
    changes: Vec<Changes>,
    summaries: Vec<String>,
    from_audit: bool,
    selected: usize,
    /// Whether anything was read yet.
    read: bool,
    error: Option<String>,
    /// A read is in flight, and whether another was asked for meanwhile.
    loading: bool,
    again: bool,
    /// Timeline rows the window shows, for paging.
    page: usize,
}

impl HistoryView {
    pub fn new(flight: Uuid, label: String, anchor: Option<AuditEntry>) -> Self {
        Self {
            flight,
            label,
            anchor,
            entries: vec![],
            changes: vec![],
            summaries: vec![],
            from_audit: false,
            selected: 0,
            read: false,
            error: None,
            loading: false,
            again: false,
            page: 10,
        }
    }

    pub fn flight(&self) -> Uuid {
        self.flight
    }

    pub fn entries(&self) -> &[HistoryEntry] {
        &self.entries
    }

    pub fn selected(&self) -> Option<&HistoryEntry> {
        self.entries.get(self.selected)
    }

    pub fn selected_index(&self) -> usize {
        self.selected
    }

    /// What the selected entry changed since the one before.
    pub fn selected_changes(&self) -> Option<&Changes> {
        self.changes.get(self.selected)
    }

    /// Whether a read has answered yet.
    pub fn is_read(&self) -> bool {
        self.read
    }

    pub fn from_audit(&self) -> bool {
        self.from_audit
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The title: the flight's number and where the history came from.
    pub fn title(&self) -> String {
        let number = self
            .entries
            .iter()
            .rev()
            .find_map(|e| e.flight.as_ref())
            .map_or(self.label.as_str(), |f| f.flight_number.as_str());
        let source = if self.from_audit {
            " — from the audit log"
        } else {
            ""
        };
        format!("History of {}{source}", crate::text::one_line(number))
    }

    /// Reads the history, or once more after the read in flight.
    pub fn reload(&mut self) -> Vec<Effect> {
        if self.loading {
            self.again = true;
            return vec![];
        }
        self.loading = true;
        vec![Effect::LoadHistory(self.flight)]
    }

    /// Whether a live audit entry is about this flight (so the history has grown).
    pub fn is_about(&self, entry: &AuditEntry) -> bool {
        timeline::flight_of(entry) == Some(self.flight)
    }

    /// A read answered. The first answer starts at the audit entry the view was opened from,
    /// else at the newest event; later ones keep the newest in view if it was, so that live
    /// events show as they come, and otherwise keep the event looked at.
    pub fn loaded(&mut self, result: Result<Story, ClientError>) -> Vec<Effect> {
        self.loading = false;
        match result {
            Err(err) => self.error = Some(err.to_string()),
            Ok(story) => {
                self.error = None;
                let at_end = !self.read || self.selected + 1 >= self.entries.len();
                let first = !self.read;
                self.read = true;
                self.from_audit = story.from_audit;
                self.entries = story.entries;
                let mut before = None;
                self.changes = self
                    .entries
                    .iter()
                    .map(|e| timeline::changes(before.replace(e), e))
                    .collect();
                self.summaries = self
                    .entries
                    .iter()
                    .zip(&self.changes)
                    .map(|(e, c)| timeline::summary(e, c))
                    .collect();
                let last = self.entries.len().saturating_sub(1);
                let anchored = first
                    .then_some(self.anchor.as_ref())
                    .flatten()
                    .and_then(|a| self.entries.iter().position(|e| timeline::is_event(e, a)));
                self.selected = match anchored {
                    Some(index) => index,
                    None if at_end => last,
                    None => self.selected.min(last),
                };
            }
        }
        if std::mem::take(&mut self.again) {
            return self.reload();
        }
        vec![]
    }

    /// Moves through time.
    pub fn step(&mut self, step: Step) {
        let last = self.entries.len().saturating_sub(1);
        let page = self.page.max(1);
        self.selected = match step {
            Step::Up => self.selected.saturating_sub(1),
            Step::Down => (self.selected + 1).min(last),
            Step::PageUp => self.selected.saturating_sub(page),
            Step::PageDown => (self.selected + page).min(last),
            Step::First => 0,
            Step::Last => last,
        };
    }

    /// Lays the view out at the window's size: a page is the timeline's height.
    pub fn fit(&mut self, size: Rect) {
        self.page = usize::from(draw::timeline_height(size));
    }
}
