//! The Passengers pane: the passengers of the selected flight, with their statuses. Its keys add,
//! board and rename passengers, each checked with core's rules first.

use super::flights::{add_passenger, NoFlight};
use super::{block, column_widths, row_style, shared, visible, Input, Look, Shared};
use crate::ask::{Ask, Dialog, FormKind};
use crate::focus::Focus;
use crate::keymap::{self, Action, Binding, Context};
use crate::list::ListView;
use crate::msg::Command;
use crate::text::{fit, one_line};
use crate::theme::Tone;
use flightdeck_core::checks;
use flightdeck_core::contract::{Flight, Passenger};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use uuid::Uuid;

#[derive(Clone, Debug, Default)]
pub struct PassengersPane {
    /// Whose passengers `passengers` holds.
    of: Option<Uuid>,
    passengers: Vec<Passenger>,
    view: ListView,
    /// A passenger to select once a read shows them: the one just added.
    select_when_shown: Option<Uuid>,
}

impl PassengersPane {
    pub fn bindings() -> impl Iterator<Item = &'static Binding> {
        keymap::of(Context::Passengers)
    }

    /// The flight whose passengers the pane holds.
    pub fn of(&self) -> Option<Uuid> {
        self.of
    }

    pub fn all(&self) -> &[Passenger] {
        &self.passengers
    }

    pub fn view(&self) -> &ListView {
        &self.view
    }

    pub fn selected(&self) -> Option<&Passenger> {
        self.view
            .selected_row()
            .and_then(|i| self.passengers.get(i))
    }

    /// The passengers shown, in order.
    pub fn shown(&self) -> impl Iterator<Item = &Passenger> {
        self.view
            .rows()
            .iter()
            .filter_map(|&i| self.passengers.get(i))
    }

    /// Starts showing another flight's passengers: the old list goes at once, so no passenger
    /// is ever shown under the wrong flight.
    pub fn show_for(&mut self, flight: Option<Uuid>) {
        if self.of != flight {
            self.passengers.clear();
            self.view.clear();
            self.of = None;
        }
    }

    /// A flight's passengers as just read. The selection stays on its passenger, or moves to the
    /// one just added once they show.
    pub fn replace(&mut self, flight: Uuid, passengers: Vec<Passenger>, height: usize) {
        let before = self
            .selected()
            .filter(|_| self.of == Some(flight))
            .map(|p| p.id);
        self.passengers = passengers;
        self.of = Some(flight);
        self.refilter(self.select_when_shown.or(before), height);
        if self.select_when_shown.is_some()
            && self.select_when_shown == self.selected().map(|p| p.id)
        {
            self.select_when_shown = None;
        }
    }

    pub fn select_when_shown(&mut self, passenger: Uuid) {
        self.select_when_shown = Some(passenger);
    }

    /// A passenger as the read that confirmed a command saw them.
    pub fn confirmed(&mut self, seen: Passenger) {
        if let Some(p) = self.passengers.iter_mut().find(|p| p.id == seen.id) {
            *p = seen;
        }
    }

    pub fn clamp(&mut self, height: usize) {
        self.view.clamp(height);
    }

    fn refilter(&mut self, keep: Option<Uuid>, height: usize) {
        let needle = self.view.needle();
        let rows = self
            .passengers
            .iter()
            .enumerate()
            .filter(|(_, p)| needle.admits(&format!("{} {}", p.name, p.status.label())))
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        let place = keep.and_then(|id| rows.iter().position(|&i| self.passengers[i].id == id));
        self.view.show(rows, place, height);
    }

    /// Carries out input meant for this pane; `None` when it has nothing to do with it.
    /// `flight` is the flight selected in the Flights pane, or why there is none.
    pub fn handle(
        &mut self,
        input: Input,
        flight: Result<&Flight, NoFlight>,
        height: usize,
    ) -> Option<Vec<Ask>> {
        match shared(&mut self.view, &input, height) {
            Shared::Done => return Some(vec![]),
            Shared::Refilter => {
                self.refilter(self.selected().map(|p| p.id), height);
                return Some(vec![]);
            }
            Shared::NotShared => {}
        }
        let Input::Action(action) = input else {
            return None;
        };
        let passenger = self.selected().cloned();
        let ask = match (action, passenger) {
            (Action::AddPassenger, _) => match flight {
                Ok(f) => add_passenger(f.clone()),
                Err(why) => why.hint(Focus::Passengers),
            },
            (Action::Board | Action::Rename, None) => self.no_passenger(flight),
            (Action::Board, Some(p)) => match checks::board(&p.name, p.status) {
                Err(why) => Ask::refuse(why),
                Ok(()) => {
                    // The flight is named only when the list is that flight's.
                    let flight = flight
                        .ok()
                        .filter(|f| self.of == Some(f.id))
                        .map(|f| f.flight_number.to_string())
                        .unwrap_or_default();
                    Ask::Run(Command::Board {
                        passenger: p,
                        flight,
                    })
                }
            },
            (Action::Rename, Some(p)) => match checks::rename(&p.name, p.status) {
                Err(why) => Ask::refuse(why),
                Ok(()) => Ask::Open(Dialog::Form(FormKind::RenamePassenger(p))),
            },
            _ => return None,
        };
        Some(vec![ask])
    }

    /// What a key that needs a passenger says when none is selected.
    fn no_passenger(&self, flight: Result<&Flight, NoFlight>) -> Ask {
        let flight = match flight {
            Err(why) => return why.hint(Focus::Passengers),
            Ok(f) => f,
        };
        let text = if self.of != Some(flight.id) {
            format!(
                "The passengers of {} are still being read",
                flight.flight_number
            )
        } else if self.passengers.is_empty() {
            format!(
                "No passengers on {} yet: add one with a",
                flight.flight_number
            )
        } else {
            "The filter hides every passenger: Esc clears it".to_owned()
        };
        Ask::Say(text, Tone::Info)
    }

    /// `flight`: the flight selected in the Flights pane.
    pub fn draw(&self, frame: &mut Frame, area: Rect, flight: Option<&Flight>, look: Look) {
        let on = flight
            .map(|f| format!(" on {}", f.flight_number))
            .unwrap_or_default();
        let block = block(
            look,
            Focus::Passengers,
            "Passengers",
            &self.view,
            self.passengers.len(),
            on,
        );
        let empty = match flight {
            None => Some("Select a flight to see its passengers."),
            Some(f) if self.of != Some(f.id) => Some("Loading passengers…"),
            Some(_) if self.passengers.is_empty() => Some("No passengers yet. Press a to add one."),
            Some(_) => None,
        };
        if let Some(text) = empty {
            frame.render_widget(
                Paragraph::new(Span::styled(text, look.theme.dim())).block(block),
                area,
            );
            return;
        }
        let (slice, selected) = visible(&self.view, area);
        let columns = [Constraint::Fill(1), Constraint::Length(12)];
        let name_width = column_widths(area, &columns).first().copied().unwrap_or(0);
        let rows = slice
            .iter()
            .filter_map(|&i| self.passengers.get(i))
            .map(|p| {
                Row::new(vec![
                    Cell::from(fit(&one_line(&p.name), name_width)),
                    Cell::from(Span::styled(
                        p.status.label(),
                        look.theme.passenger_status(p.status),
                    )),
                ])
            });
        let header = Row::new(vec!["Name", "Status"]).style(look.theme.header());
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
