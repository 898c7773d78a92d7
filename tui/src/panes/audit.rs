//! The Audit log pane: every entry, newest first, following new ones as they arrive or paused to
//! be read, narrowed to flights or passengers. Enter opens the whole entry. It holds a window of
//! the log (see `window`), reads older pages as the selection reaches the oldest held, and `/`
//! searches the whole log on the server.

use super::audit_row::{flight_named, number, AuditRow};
use super::flights::FlightNumbers;
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
use window::{AuditPage, NEWEST};
use window::{Older, Window};
pub use window::{MOST, PAGE};

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
    window: Window,
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
            window: Window::default(),
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

    /// The newest page of the log as just read, or the last page of the whole log where the
    /// backend has no paging. `flights`: flight numbers by id, for the summaries.
    pub fn snapshot(
        &mut self,
        entries: Vec<AuditEntry>,
        flights: FlightNumbers<'_>,
        height: usize,
    ) {
        self.window.head = entries.iter().filter_map(|e| e.position).max();
        let oldest = entries.first().and_then(|e| e.position).unwrap_or(1);
        self.window.older = if self.window.paged && entries.len() >= PAGE && oldest > 1 {
            Older::Maybe
        } else {
            Older::None
        };
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

    /// The backend has no paging (an original deployment): its whole log is polled, and only
    /// its last page is held.
    pub fn polling(&mut self) {
        self.window.paged = false;
        self.window.older = Older::None;
    }

    /// Forgets every entry: the log they came from is gone, and the new one follows.
    pub fn reset(&mut self) {
        self.window = Window {
            paged: self.window.paged,
            ..Window::default()
        };
        self.view.clear_filter();
        self.rows.clear();
        self.view.clear();
        self.unseen = 0;
        self.last_position = None;
        self.learned.clear();
        self.unnamed.clear();
    }

    /// An entry from the live stream; says whether it is new (a reconnect replays from the
    /// last entry seen).
    pub fn push(&mut self, entry: AuditEntry, flights: FlightNumbers<'_>) -> bool {
        if let (Some(p), Some(last)) = (entry.position, self.last_position) {
            if p <= last {
                return false;
            }
        }
        if entry.position.is_some() {
            self.last_position = entry.position;
            self.window.head = entry.position;
        }
        if self.window.detached {
            // What is held is not the tail: the entry shows when the tail is read again.
            self.unseen += 1;
            return true;
        }
        let index = self.add(entry, flights);
        let shown = self.admits(&self.rows[index], &self.view.needle());
        if shown {
            self.view.push_front(index, self.following);
            if !self.following {
                self.unseen += 1;
            }
        }
        if self.rows.len() > MOST && self.following {
            // The oldest rows are far from the view of a pane that follows: dropped.
            self.drop_oldest(self.rows.len() - MOST);
            self.window.older = Older::Maybe;
        }
        true
    }

    /// Forgets the `n` oldest rows; the view is rebuilt on what is left.
    fn drop_oldest(&mut self, n: usize) {
        let keep = self.selected().map(|r| r.entry.event_id);
        self.rows.drain(..n);
        self.unnamed.retain(|&i| i >= n);
        for i in &mut self.unnamed {
            *i -= n;
        }
        self.refilter_keeping(keep, 0);
    }

    /// Forgets the `n` newest rows: the tail must be read again to follow.
    fn drop_newest(&mut self, n: usize) {
        let len = self.rows.len() - n;
        self.rows.truncate(len);
        self.unnamed.retain(|&i| i < len);
        self.window.detached = true;
        self.following = false;
    }

    /// Rebuilds the view and keeps the selection on the row with this id, if still shown.
    fn refilter_keeping(&mut self, keep: Option<Uuid>, height: usize) {
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

    /// A page this pane asked for, as read: the tail again, the first page of a search, or the
    /// page before the oldest held. Says what to read next, if anything.
    pub fn page(
        &mut self,
        page: AuditPage,
        result: Result<Vec<AuditEntry>, String>,
        flights: FlightNumbers<'_>,
        height: usize,
    ) -> Option<Ask> {
        if page.q != self.window.search {
            return None; // a search since left or replaced
        }
        let entries = match result {
            Ok(entries) => entries,
            Err(why) => {
                self.window.searching = false;
                if page.before != NEWEST {
                    self.window.older = Older::Maybe;
                }
                return Some(Ask::Say(
                    format!("Reading the audit log failed: {why}"),
                    crate::theme::Tone::Bad,
                ));
            }
        };
        if entries.len() > PAGE {
            // No paging after all: the whole log came back; the poller keeps it.
            self.window.paged = false;
            self.window.searching = false;
            return None;
        }
        let full = entries.len() >= PAGE;
        if page.before == NEWEST {
            self.window.searching = false;
            self.window.detached = page.q.is_some();
            self.rows.clear();
            self.learned.clear();
            self.unnamed.clear();
            self.unseen = 0;
            if page.q.is_none() {
                self.last_position = entries.iter().filter_map(|e| e.position).max();
                self.window.head = self.last_position.max(self.window.head);
                self.following = true;
            }
            for entry in entries {
                self.add(entry, flights);
            }
            self.window.older = if full { Older::Maybe } else { Older::None };
            self.refilter(height);
            self.view.select_first(height);
            return None;
        }
        // Older rows go in front; the view's indices move with them.
        let keep = self.selected().map(|r| r.entry.event_id);
        let older: Vec<AuditEntry> = entries
            .into_iter()
            .filter(|e| e.position.is_some_and(|p| p < page.before))
            .collect();
        let count = older.len();
        let held = std::mem::take(&mut self.rows);
        let unnamed = std::mem::take(&mut self.unnamed);
        for entry in older {
            self.add(entry, flights);
        }
        self.rows.extend(held);
        self.unnamed.extend(unnamed.into_iter().map(|i| i + count));
        if self.rows.len() > MOST {
            self.drop_newest(self.rows.len() - MOST);
        }
        self.window.older = if full { Older::Maybe } else { Older::None };
        self.refilter_keeping(keep, height);
        None
    }

    /// The position of the oldest row held.
    fn oldest(&self) -> Option<u64> {
        self.rows.first().and_then(|r| r.entry.position)
    }

    /// What this pane shows of the log, for the title.
    pub fn window_text(&self) -> String {
        self.window.describe(self.rows.len())
    }

    /// Adds a row at the end, named with what is known now; says where it went.
    fn add(&mut self, entry: AuditEntry, flights: FlightNumbers<'_>) -> usize {
        if let Some((id, number)) = flight_named(&entry.data) {
            self.learned.insert(id, number);
        }
        let learned = &self.learned;
        let row = AuditRow::new(entry, &|id| name(flights, learned, id));
        let index = self.rows.len();
        if row.unnamed_flight.is_some() {
            self.unnamed.push(index);
        }
        self.rows.push(row);
        index
    }

    /// The flights as just read: rows that could not name their passenger's flight are
    /// completed, and the filter sees their new summaries.
    pub fn name_flights(&mut self, flights: FlightNumbers<'_>, height: usize) {
        let known = |id: &Uuid| flights.contains(id) || self.learned.contains_key(id);
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
        let lookup = |id| name(flights, learned, id);
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
        // A search's rows are the server's matches, whose reasons the row may not show.
        kind && (self.window.search.is_some() || needle.admits_folded(&row.search))
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
        if let Some(asks) = self.search_input(&input, height) {
            return Some(asks);
        }
        match shared(&mut self.view, &input, height) {
            Shared::Done => {
                // Reaching the oldest row held reads the page before it.
                let last = self.view.rows().len().saturating_sub(1);
                let at_end = self.view.selected() >= last;
                let page = if at_end {
                    let oldest = self.oldest();
                    self.window.older_page(oldest)
                } else {
                    None
                };
                return Some(page.map(Ask::ReadAudit).into_iter().collect());
            }
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
                if self.following && self.window.detached && self.window.search.is_none() {
                    return Some(vec![Ask::ReadAudit(AuditPage::tail())]);
                }
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

    /// `/` on a backend with paging: the filter typed narrows what is held at once, and Enter
    /// searches the whole log; Esc leaves the search and reads the tail again.
    fn search_input(&mut self, input: &Input, height: usize) -> Option<Vec<Ask>> {
        if !self.window.paged {
            return None;
        }
        match input {
            Input::Action(Action::KeepFilter) => {
                self.view.stop_filter();
                let q = self.view.filter().trim().to_owned();
                if q.is_empty() || self.window.search.as_deref() == Some(q.as_str()) {
                    return Some(vec![]);
                }
                self.window.search = Some(q.clone());
                self.window.searching = true;
                self.window.older = Older::Maybe;
                self.following = false;
                Some(vec![Ask::ReadAudit(AuditPage {
                    before: NEWEST,
                    q: Some(q),
                })])
            }
            Input::Action(Action::ClearFilter) if self.window.search.is_some() => {
                self.view.stop_filter();
                self.view.clear_filter();
                self.window.search = None;
                self.window.searching = false;
                self.following = true;
                self.refilter(height);
                Some(vec![Ask::ReadAudit(AuditPage::tail())])
            }
            _ => None,
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, look: Look) {
        let mut extra = self.window_text();
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
        // Room for a position in a long log: the whole log counts, not one stream. The newest
        // row has the largest, and a million-event log needs a seventh digit.
        let digits = self
            .rows
            .last()
            .map_or(0, |r| number(&r.entry).len())
            .max(6);
        let columns = [
            Constraint::Length(digits as u16),
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

/// A flight's number as the flights list gives it, or else as the log's own entries did.
fn name(flights: FlightNumbers<'_>, learned: &HashMap<Uuid, String>, id: Uuid) -> Option<String> {
    flights
        .get(&id)
        .map(str::to_owned)
        .or_else(|| learned.get(&id).cloned())
}

mod window;

#[cfg(test)]
mod tests;
