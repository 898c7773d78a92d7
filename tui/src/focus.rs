//! Which of the three panes has the keys, and their order on the screen.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Flights,
    Passengers,
    Audit,
}

impl Focus {
    pub const ALL: [Focus; 3] = [Focus::Flights, Focus::Passengers, Focus::Audit];

    pub fn next(self) -> Self {
        match self {
            Self::Flights => Self::Passengers,
            Self::Passengers => Self::Audit,
            Self::Audit => Self::Flights,
        }
    }

    pub fn previous(self) -> Self {
        self.next().next()
    }

    /// The number a pane's title shows, and the key that focuses it.
    pub fn number(self) -> u8 {
        match self {
            Self::Flights => 1,
            Self::Passengers => 2,
            Self::Audit => 3,
        }
    }
}
