//! Colours, or none: `NO_COLOR` (any non-empty value) turns every colour off and leaves only
//! bold, reverse and underline, so the console stays readable on any terminal.

use flightdeck_core::{FlightStatus, PassengerStatus};
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Info,
}

impl Theme {
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self { color: !no_color }
    }

    pub fn colored() -> Self {
        Self { color: true }
    }

    pub fn plain() -> Self {
        Self { color: false }
    }

    pub fn has_color(&self) -> bool {
        self.color
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn flight_status(&self, status: FlightStatus) -> Style {
        match status {
            FlightStatus::WaitingForBoarding => self.fg(Color::Yellow),
            FlightStatus::AllBoarded => self.fg(Color::Cyan),
            FlightStatus::Disembarked => self.fg(Color::Magenta),
            FlightStatus::Arrived => self.fg(Color::Green),
            FlightStatus::None => self.fg(Color::DarkGray),
        }
    }

    pub fn passenger_status(&self, status: PassengerStatus) -> Style {
        match status {
            PassengerStatus::CheckedIn => self.fg(Color::Yellow),
            PassengerStatus::Boarded => self.fg(Color::Cyan),
            PassengerStatus::Arrived => self.fg(Color::Green),
            PassengerStatus::None => self.fg(Color::DarkGray),
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::LightBlue).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    pub fn header(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// The selected row: reverse video works without colour too.
    pub fn selected(&self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::LightBlue).add_modifier(Modifier::BOLD)
    }

    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Good => self.fg(Color::Green),
            Tone::Bad => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Tone::Info => self.fg(Color::Yellow),
        }
    }

    pub fn error_text(&self) -> Style {
        self.fg(Color::Red)
    }

    pub fn status_bar(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Blue).fg(Color::White)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
}
