//! Reads of the lists in flight, so that a burst of events costs one request at a time plus one
//! more for whatever arrived meanwhile.

use crate::msg::Effect;
use uuid::Uuid;

#[derive(Clone, Debug, Default)]
pub struct Loads {
    flights: bool,
    flights_again: bool,
    passengers: Option<Uuid>,
    passengers_again: bool,
    /// The first read of the flights waits for the audit feed's first answer: the feed reads a
    /// window of fixed size, the flights list grows with the operation, and on a long log the
    /// two would otherwise share the machine while the first frame waits for the window.
    started: bool,
    /// The feed went down: what happened meanwhile is read again once it is back.
    missed: bool,
}

impl Loads {
    /// The audit feed read its window, or found the backend down: the flights are read now if
    /// they have not been yet. Any change after the window's newest entry comes through the
    /// feed and reads them again, so nothing between the two reads is missed.
    pub fn feed_answered(&mut self, down: bool) -> Vec<Effect> {
        self.missed |= down;
        if std::mem::replace(&mut self.started, true) {
            return vec![];
        }
        self.flights()
    }

    /// The feed is live again; says whether the lists must be read again for what it missed
    /// while down. Its first connection missed nothing: the window was read just before it.
    pub fn feed_back(&mut self) -> bool {
        std::mem::take(&mut self.missed)
    }

    /// Reads the flights, or once more after the read that is running.
    pub fn flights(&mut self) -> Vec<Effect> {
        if self.flights {
            self.flights_again = true;
            return vec![];
        }
        self.flights = true;
        vec![Effect::LoadFlights]
    }

    /// Reads a flight's passengers, or once more after the read that is running.
    pub fn passengers(&mut self, flight: Uuid) -> Vec<Effect> {
        if self.passengers.is_some() {
            self.passengers_again = true;
            return vec![];
        }
        self.passengers = Some(flight);
        vec![Effect::LoadPassengers(flight)]
    }

    /// The flights read answered; says whether another was asked for meanwhile.
    pub fn flights_answered(&mut self) -> bool {
        self.flights = false;
        std::mem::take(&mut self.flights_again)
    }

    /// A passengers read answered; says whether another was asked for meanwhile.
    pub fn passengers_answered(&mut self) -> bool {
        self.passengers = None;
        std::mem::take(&mut self.passengers_again)
    }
}
