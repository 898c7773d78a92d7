//! The Flights pane: every flight with its route, status and passengers boarded of total; the
//! selected one is the flight the other panes and the keys act on. Its keys create, edit,
//! disembark, land and delete flights and add passengers, each checked with core's rules first.

use super::{block, column_widths, row_style, shared, visible, Input, Look, Shared};
use crate::ask::{Ask, Dialog, FormKind};
use crate::counts;
use crate::focus::Focus;
use crate::keymap::{self, Action, Binding, Context};
use crate::list::ListView;
use crate::msg::Command;
use crate::text::{fit, fit_pair, one_line};
use crate::theme::Tone;
use flightdeck_core::checks;
use flightdeck_core::contract::{Flight, Passenger};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Clone, Debug, Default)]
pub struct FlightsPane {
    flights: Vec<Flight>,
    loaded: bool,
    /// The last read found no backend; until one answers, the pane says so, not 'Loading'.
    unreachable: bool,
    view: ListView,
    /// A flight to select once a read shows it: the one just created.
    select_when_shown: Option<Uuid>,
    /// Where each flight is in `flights`, to name a flight by its id without a copy of every
    /// flight number (the list grows with the operation).
    index: HashMap<Uuid, usize>,
}

/// Flight numbers by id, read from the flights as the pane holds them.
#[derive(Clone, Copy)]
pub struct FlightNumbers<'a> {
    flights: &'a [Flight],
    index: &'a HashMap<Uuid, usize>,
}

impl<'a> FlightNumbers<'a> {
    pub fn get(&self, id: &Uuid) -> Option<&'a str> {
        let flights = self.flights;
        self.index
            .get(id)
            .and_then(|&i| flights.get(i))
            .map(|f| f.flight_number.as_str())
    }

    pub fn contains(&self, id: &Uuid) -> bool {
        self.index.contains_key(id)
    }
}

impl FlightsPane {
    pub fn bindings() -> impl Iterator<Item = &'static Binding> {
        keymap::of(Context::Flights)
    }

    /// Every flight, in the backend's order, whether or not it passes the filter.
    pub fn all(&self) -> &[Flight] {
        &self.flights
    }

    pub fn view(&self) -> &ListView {
        &self.view
    }

    pub fn selected(&self) -> Option<&Flight> {
        self.view.selected_row().and_then(|i| self.flights.get(i))
    }

    pub fn selected_id(&self) -> Option<Uuid> {
        self.selected().map(|f| f.id)
    }

    /// The selected flight, or why there is none.
    pub fn selection(&self) -> Result<&Flight, NoFlight> {
        match self.selected() {
            Some(flight) => Ok(flight),
            None if !self.loaded => Err(NoFlight::Loading),
            None if self.flights.is_empty() => Err(NoFlight::Empty),
            None => Err(NoFlight::Filtered),
        }
    }

    /// The flights shown, in order.
    pub fn shown(&self) -> impl Iterator<Item = &Flight> {
        self.view.rows().iter().filter_map(|&i| self.flights.get(i))
    }

    /// Flight numbers by id, to name a passenger's flight.
    pub fn numbers(&self) -> FlightNumbers<'_> {
        FlightNumbers {
            flights: &self.flights,
            index: &self.index,
        }
    }

    /// The flights as just read. The selection stays on its flight, or moves to the one just
    /// created once it shows.
    pub fn replace(&mut self, mut flights: Vec<Flight>, height: usize) {
        let before = self.selected_id();
        // Decoded by doubling, the list may hold room for nearly as many flights again; it is
        // kept until the next read, and it grows with the operation.
        flights.shrink_to_fit();
        self.flights = flights;
        self.loaded = true;
        self.unreachable = false;
        self.index = self
            .flights
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i))
            .collect();
        self.refilter(self.select_when_shown.or(before), height);
        if self.select_when_shown.is_some() && self.select_when_shown == self.selected_id() {
            self.select_when_shown = None;
        }
    }

    /// A read of the flights failed; `connection` when no backend answered at all.
    pub fn read_failed(&mut self, connection: bool) {
        self.unreachable = connection;
    }

    pub fn select_when_shown(&mut self, flight: Uuid) {
        self.select_when_shown = Some(flight);
    }

    /// A flight's passengers as just read, which are newer than its counts.
    pub fn count(&mut self, flight: Uuid, passengers: &[Passenger]) {
        if let Some(f) = self.flights.iter_mut().find(|f| f.id == flight) {
            counts::fill(f, passengers);
        }
    }

    /// A flight as the read that confirmed a command saw it; its counts stay if it has none.
    pub fn confirmed(&mut self, seen: Flight) {
        if let Some(f) = self.flights.iter_mut().find(|f| f.id == seen.id) {
            let (total, boarded) = (f.passenger_count, f.boarded_count);
            *f = seen;
            f.passenger_count = f.passenger_count.or(total);
            f.boarded_count = f.boarded_count.or(boarded);
        }
    }

    pub fn clamp(&mut self, height: usize) {
        self.view.clamp(height);
    }

    fn refilter(&mut self, keep: Option<Uuid>, height: usize) {
        let needle = self.view.needle();
        let rows = self
            .flights
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                needle.admits(&format!(
                    "{} {} {} {}",
                    f.flight_number,
                    f.origin,
                    f.destination,
                    f.status.label()
                ))
            })
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        let place = keep.and_then(|id| rows.iter().position(|&i| self.flights[i].id == id));
        self.view.show(rows, place, height);
    }

    /// Carries out input meant for this pane; `None` when it has nothing to do with it.
    pub fn handle(&mut self, input: Input, height: usize) -> Option<Vec<Ask>> {
        match shared(&mut self.view, &input, height) {
            Shared::Done => return Some(vec![]),
            Shared::Refilter => {
                self.refilter(self.selected_id(), height);
                return Some(vec![]);
            }
            Shared::NotShared => {}
        }
        let Input::Action(action) = input else {
            return None;
        };
        if action == Action::NewFlight {
            return Some(vec![Ask::Open(Dialog::Form(FormKind::NewFlight))]);
        }
        let flight = self.selection().cloned();
        let ask = match (action, flight) {
            (
                Action::EditFlight
                | Action::AddPassenger
                | Action::Disembark
                | Action::Land
                | Action::Delete,
                Err(why),
            ) => why.hint(Focus::Flights),
            (Action::EditFlight, Ok(f)) => {
                match checks::change_details(&f.flight_number, f.status) {
                    Err(why) => Ask::refuse(why),
                    Ok(()) => Ask::Open(Dialog::Form(FormKind::EditFlight(f))),
                }
            }
            (Action::AddPassenger, Ok(f)) => add_passenger(f),
            (Action::Disembark, Ok(f)) => {
                match checks::disembark(&f.flight_number, f.status, counts::reported(&f)) {
                    Err(why) => Ask::refuse(why),
                    Ok(()) => Ask::Run(Command::Disembark(f)),
                }
            }
            (Action::Land, Ok(f)) => match checks::land(&f.flight_number, f.status) {
                Err(why) => Ask::refuse(why),
                Ok(()) => Ask::Run(Command::Land(f)),
            },
            (Action::Delete, Ok(f)) => Ask::Open(Dialog::ConfirmDelete(f)),
            _ => return None,
        };
        Some(vec![ask])
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, look: Look) {
        let block = block(
            look,
            Focus::Flights,
            "Flights",
            &self.view,
            self.flights.len(),
            String::new(),
        );
        if self.flights.is_empty() {
            let text = if self.loaded {
                "No flights yet. Press n to create one."
            } else if self.unreachable {
                "The backend does not answer yet; the console keeps trying."
            } else {
                "Loading flights…"
            };
            frame.render_widget(
                Paragraph::new(Span::styled(text, look.theme.dim())).block(block),
                area,
            );
            return;
        }
        let (slice, selected) = visible(&self.view, area);
        let columns = [
            Constraint::Length(10),
            Constraint::Fill(1),
            Constraint::Length(20),
            Constraint::Length(9),
        ];
        let widths = column_widths(area, &columns);
        let width = |i: usize| widths.get(i).copied().unwrap_or(0);
        let rows = slice.iter().filter_map(|&i| self.flights.get(i)).map(|f| {
            let boarded = match (f.boarded_count, f.passenger_count) {
                (Some(b), Some(t)) => format!("{b}/{t}"),
                _ => "…".to_owned(),
            };
            // Both ends of a route stay in view, however long either name.
            let route = fit_pair(
                &one_line(&f.origin),
                " → ",
                &one_line(&f.destination),
                width(1),
            );
            Row::new(vec![
                Cell::from(fit(&one_line(&f.flight_number), width(0))),
                Cell::from(route),
                Cell::from(Span::styled(
                    f.status.label(),
                    look.theme.flight_status(f.status),
                )),
                Cell::from(Line::from(boarded).right_aligned()),
            ])
        });
        let header =
            Row::new(vec!["Flight", "Route", "Status", "Boarded"]).style(look.theme.header());
        let table = Table::new(rows, columns)
            .header(header)
            .block(block)
            .row_highlight_style(row_style(look));
        let mut state = TableState::default().with_selected(selected);
        frame.render_stateful_widget(table, area, &mut state);
    }
}

/// Why no flight is selected, so that a key that needs one can say what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoFlight {
    /// The flights have not been read yet.
    Loading,
    /// There are none.
    Empty,
    /// The filter hides every one.
    Filtered,
}

impl NoFlight {
    /// What a key that needs a flight says, in the pane it was pressed in.
    pub fn hint(self, focus: Focus) -> Ask {
        let text = match (self, focus) {
            (Self::Loading, _) => "The flights have not been read yet; try again in a moment",
            (Self::Empty, Focus::Flights) => "No flights yet: create one with n",
            (Self::Empty, _) => "No flights yet: press 1, then n creates one",
            (Self::Filtered, Focus::Flights) => "The filter hides every flight: Esc clears it",
            (Self::Filtered, _) => {
                "The Flights filter hides every flight: press 1, then Esc clears it"
            }
        };
        Ask::Say(text.to_owned(), Tone::Info)
    }
}

/// Opens the form for a passenger on `flight`, if the flight still takes passengers.
pub fn add_passenger(flight: Flight) -> Ask {
    match checks::add_passenger(&flight.flight_number, flight.status) {
        Err(why) => Ask::refuse(why),
        Ok(()) => Ask::Open(Dialog::Form(FormKind::AddPassenger(flight))),
    }
}

#[cfg(test)]
mod tests;
