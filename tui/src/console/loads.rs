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
}

impl Loads {
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
