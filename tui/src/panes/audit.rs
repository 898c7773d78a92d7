//! The Audit log pane: every entry, newest first, following new ones as they arrive or paused to
//! be read, narrowed to flights or passengers. Enter opens the whole entry.

use super::audit_row::{flight_named, number, AuditRow};
use super::{block, column_widths, row_style, shared, visible, Input, Look, Shared};
use crate::ask::{Ask, Dialog};
use crate::focus::Focus;
use crate::keymap::{self, Action, Binding, Context};
use crate::list::{ListView, Needle};
use crate::text::{fit, one_line};
use flightdeck_core::contract::AuditEntry;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Row, Table, TableState};
use ratatui::Frame;
use std::collections::HashMap;
use uuid::Uuid;

/// Which entries the pane shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditKind {
    All,
    Flights,
    Passengers,
}

impl AuditKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Flights => "flights",
            Self::Passengers => "passengers",
        }
    }

    fn next(self) -> Self {
        match self {
            Self::All => Self::Flights,
            Self::Flights => Self::Passengers,
            Self::Passengers => Self::All,
        }
    }
}

#[derive(Clone, Debug)]
pub struct AuditPane {
    /// In the order they happened; shown the other way round.
    rows: Vec<AuditRow>,
    view: ListView,
    kind: AuditKind,
    following: bool,
    /// Entries that arrived while following was paused.
    unseen: usize,
    last_position: Option<u64>,
    /// Flight numbers as the log's own flight entries give them: a passenger's entry is named
    /// even when the flights have not been read yet, or the flight is gone.
    learned: HashMap<Uuid, String>,
    /// Rows whose passenger's flight no number was known for yet.
    unnamed: Vec<usize>,
}

impl Default for AuditPane {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            view: ListView::default(),
            kind: AuditKind::All,
            following: true,
            unseen: 0,
            last_position: None,
            learned: HashMap::new(),
            unnamed: Vec::new(),
        }
    }
}

impl AuditPane {
    pub fn bindings() -> impl Iterator<Item = &'static Binding> {
        keymap::of(Context::Audit)
    }

    pub fn rows(&self) -> &[AuditRow] {
        &self.rows
    }

    pub fn view(&self) -> &ListView {
        &self.view
    }

    pub fn kind(&self) -> AuditKind {
        self.kind
    }

    pub fn following(&self) -> bool {
        self.following
    }

    pub fn unseen(&self) -> usize {
        self.unseen
    }

    pub fn selected(&self) -> Option<&AuditRow> {
        self.view.selected_row().and_then(|i| self.rows.get(i))
    }

    pub fn clamp(&mut self, height: usize) {
        self.view.clamp(height);
    }

    /// The whole log as just read. `flights`: flight numbers by id, for the summaries.
    pub fn snapshot(
        &mut self,
        entries: Vec<AuditEntry>,
        flights: &HashMap<Uuid, String>,
        height: usize,
    ) {
        let unchanged = entries.len() == self.rows.len()
            && entries.last().map(|e| e.event_id) == self.rows.last().map(|r| r.entry.event_id);
        if unchanged {
            return;
        }
        let before = self.selected().map(|r| r.entry.event_id);
        let grown = entries.len().saturating_sub(self.rows.len());
        self.last_position = entries.iter().filter_map(|e| e.position).max();
        self.learned.clear();
        self.unnamed.clear();
        self.rows = Vec::with_capacity(entries.len());
        for entry in entries {
            self.add(entry, flights);
        }
        self.refilter(height);
        if self.following {
            self.view.select_first(height);
        } else {
            self.unseen += grown;
            let place = before.and_then(|id| {
                self.view
                    .rows()
                    .iter()
                    .position(|&i| self.rows[i].entry.event_id == id)
            });
            self.view.select(place.unwrap_or(0), height);
        }
    }

    /// Forgets every entry: the log they came from is gone, and the new one follows.
    pub fn reset(&mut self) {
        self.rows.clear();
        self.view.clear();
        self.unseen = 0;
        self.last_position = None;
        self.learned.clear();
        self.unnamed.clear();
    }

    /// An entry from the live stream; says whether it is new (a reconnect replays from the
    /// last entry seen).
    pub fn push(&mut self, entry: AuditEntry, flights: &HashMap<Uuid, String>) -> bool {
        if let (Some(p), Some(last)) = (entry.position, self.last_position) {
            if p <= last {
                return false;
            }
        }
        if entry.position.is_some() {
            self.last_position = entry.position;
        }
        let index = self.add(entry, flights);
        let shown = self.admits(&self.rows[index], &self.view.needle());
        if shown {
            self.view.push_front(index, self.following);
            if !self.following {
                self.unseen += 1;
            }
        }
        true
    }

    /// Adds a row at the end, named with what is known now; says where it went.
    fn add(&mut self, entry: AuditEntry, flights: &HashMap<Uuid, String>) -> usize {
        if let Some((id, number)) = flight_named(&entry.data) {
            self.learned.insert(id, number);
        }
        let learned = &self.learned;
        let row = AuditRow::new(entry, &|id| flights.get(&id).or(learned.get(&id)).cloned());
        let index = self.rows.len();
        if row.unnamed_flight.is_some() {
            self.unnamed.push(index);
        }
        self.rows.push(row);
        index
    }

    /// The flights as just read: rows that could not name their passenger's flight are
    /// completed, and the filter sees their new summaries.
    pub fn name_flights(&mut self, flights: &HashMap<Uuid, String>, height: usize) {
        let known = |id: &Uuid| flights.contains_key(id) || self.learned.contains_key(id);
        let named: Vec<usize> = self
            .unnamed
            .iter()
            .copied()
            .filter(|&i| {
                self.rows
                    .get(i)
                    .and_then(|r| r.unnamed_flight)
                    .is_some_and(|id| known(&id))
            })
            .collect();
        if named.is_empty() {
            return;
        }
        let learned = &self.learned;
        let lookup = |id| flights.get(&id).or(learned.get(&id)).cloned();
        for &i in &named {
            if let Some(row) = self.rows.get_mut(i) {
                row.summarize(&lookup);
            }
        }
        self.unnamed.retain(|i| !named.contains(i));
        if !self.view.needle().is_empty() {
            let keep = self.selected().map(|r| r.entry.event_id);
            self.refilter(height);
            let place = keep.and_then(|id| {
                self.view
                    .rows()
                    .iter()
                    .position(|&i| self.rows[i].entry.event_id == id)
            });
            if let Some(place) = place {
                self.view.select(place, height);
            }
        }
    }

    fn admits(&self, row: &AuditRow, needle: &Needle) -> bool {
        let kind = match self.kind {
            AuditKind::All => true,
            AuditKind::Flights => !row.about_passenger,
            AuditKind::Passengers => row.about_passenger,
        };
        kind && needle.admits_folded(&row.search)
    }

    /// Newest first.
    fn refilter(&mut self, height: usize) {
        let needle = self.view.needle();
        let rows: Vec<usize> = (0..self.rows.len())
            .rev()
            .filter(|&i| self.admits(&self.rows[i], &needle))
            .collect();
        self.view.show(rows, None, height);
    }

    /// Carries out input meant for this pane; `None` when it has nothing to do with it.
    pub fn handle(&mut self, input: Input, height: usize) -> Option<Vec<Ask>> {
        match shared(&mut self.view, &input, height) {
            Shared::Done => return Some(vec![]),
            Shared::Refilter => {
                self.refilter(height);
                return Some(vec![]);
            }
            Shared::NotShared => {}
        }
        let Input::Action(action) = input else {
            return None;
        };
        match action {
            Action::Details => Some(
                self.selected()
                    .map(|r| Ask::Open(Dialog::Details(Box::new(r.entry.clone()))))
                    .into_iter()
                    .collect(),
            ),
            Action::Follow => {
                self.following = !self.following;
                if self.following {
                    self.unseen = 0;
                    self.view.select_first(height);
                }
                Some(vec![])
            }
            Action::CycleKind => {
                self.kind = self.kind.next();
                self.refilter(height);
                Some(vec![])
            }
            _ => None,
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, look: Look) {
        let mut extra = String::new();
        if self.kind != AuditKind::All {
            extra.push_str(&format!(" {}", self.kind.label()));
        }
        if !self.following {
            extra.push_str(" · paused");
            if self.unseen > 0 {
                extra.push_str(&format!(", {} new", self.unseen));
            }
        }
        let block = block(
            look,
            Focus::Audit,
            "Audit log",
            &self.view,
            self.rows.len(),
            extra,
        );
        if self.rows.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled("No events yet.", look.theme.dim())).block(block),
                area,
            );
            return;
        }
        let (slice, selected) = visible(&self.view, area);
        let columns = [
            // Room for a position in a long log: the whole log counts, not one stream.
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Length(22),
            Constraint::Fill(1),
        ];
        let widths = column_widths(area, &columns);
        let width = |i: usize| widths.get(i).copied().unwrap_or(0);
        let rows = slice.iter().filter_map(|&i| self.rows.get(i)).map(|r| {
            Row::new(vec![
                fit(&number(&r.entry), width(0)),
                r.time.clone(),
                fit(&one_line(&r.entry.meta_data.event_name), width(2)),
                fit(&r.summary, width(3)),
            ])
        });
        let header = Row::new(vec!["#", "Time", "Event", "Summary"]).style(look.theme.header());
        let table = Table::new(rows, columns)
            .header(header)
            .block(block)
            .row_highlight_style(row_style(look));
        let mut state = TableState::default().with_selected(selected);
        frame.render_stateful_widget(table, area, &mut state);
    }
}

#[cfg(test)]
mod tests;
