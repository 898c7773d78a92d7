//! Colours, or none: `NO_COLOR` (any non-empty value) turns every colour off and leaves only
//! bold, reverse and underline, so the console stays readable on any terminal. A config file's
//! `theme` may change the colours of the statuses and the borders (a [`Palette`]).

use flightdeck_core::{FlightStatus, PassengerStatus};
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    color: bool,
    palette: Palette,
}

/// The colours an operator may choose, by the names a config file gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    pub waiting_for_boarding: Color,
    pub all_boarded: Color,
    pub disembarked: Color,
    /// Flights and passengers alike.
    pub arrived: Color,
    pub checked_in: Color,
    pub boarded: Color,
    pub border: Color,
    pub focused_border: Color,
}

impl Default for Palette {
    fn default() -> Self {
        Self {
            waiting_for_boarding: Color::Yellow,
            all_boarded: Color::Cyan,
            disembarked: Color::Magenta,
            arrived: Color::Green,
            checked_in: Color::Yellow,
            boarded: Color::Cyan,
            border: Color::DarkGray,
            focused_border: Color::LightBlue,
        }
    }
}

impl Palette {
    /// The names a config file's `[theme]` may set.
    pub const NAMES: [&'static str; 8] = [
        "waiting_for_boarding",
        "all_boarded",
        "disembarked",
        "arrived",
        "checked_in",
        "boarded",
        "border",
        "focused_border",
    ];

    /// Sets the colour of that name; false when no colour has that name.
    pub fn set(&mut self, name: &str, color: Color) -> bool {
        let slot = match name {
            "waiting_for_boarding" => &mut self.waiting_for_boarding,
            "all_boarded" => &mut self.all_boarded,
            "disembarked" => &mut self.disembarked,
            "arrived" => &mut self.arrived,
            "checked_in" => &mut self.checked_in,
            "boarded" => &mut self.boarded,
            "border" => &mut self.border,
            "focused_border" => &mut self.focused_border,
            _ => return false,
        };
        *slot = color;
        true
    }
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
        Self {
            color: !no_color,
            palette: Palette::default(),
        }
    }

    pub fn colored() -> Self {
        Self::with_palette(Palette::default())
    }

    pub fn with_palette(palette: Palette) -> Self {
        Self {
            color: true,
            palette,
        }
    }

    pub fn plain() -> Self {
        Self {
            color: false,
            palette: Palette::default(),
        }
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
        let p = &self.palette;
        match status {
            FlightStatus::WaitingForBoarding => self.fg(p.waiting_for_boarding),
            FlightStatus::AllBoarded => self.fg(p.all_boarded),
            FlightStatus::Disembarked => self.fg(p.disembarked),
            FlightStatus::Arrived => self.fg(p.arrived),
            FlightStatus::None => self.fg(Color::DarkGray),
        }
    }

    pub fn passenger_status(&self, status: PassengerStatus) -> Style {
        let p = &self.palette;
        match status {
            PassengerStatus::CheckedIn => self.fg(p.checked_in),
            PassengerStatus::Boarded => self.fg(p.boarded),
            PassengerStatus::Arrived => self.fg(p.arrived),
            PassengerStatus::None => self.fg(Color::DarkGray),
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(self.palette.focused_border)
                .add_modifier(Modifier::BOLD)
        } else {
            self.fg(self.palette.border)
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
