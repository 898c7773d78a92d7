//! The statuses of the original system, with its integer codes: clients of the original send and
//! read these numbers, so they are part of the contract and never renumbered.

use serde_repr::{Deserialize_repr, Serialize_repr};
use std::fmt;

/// Where a flight is in its life. `None` exists only because the original reserves code 0; no
/// flight is ever in it.
#[derive(
    Serialize_repr, Deserialize_repr, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[repr(u8)]
pub enum FlightStatus {
    None = 0,
    WaitingForBoarding = 1,
    AllBoarded = 2,
    Disembarked = 3,
    Arrived = 4,
}

/// Where a passenger is. `None` (0) is reserved as for flights.
#[derive(
    Serialize_repr, Deserialize_repr, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[repr(u8)]
pub enum PassengerStatus {
    None = 0,
    CheckedIn = 1,
    Boarded = 2,
    Arrived = 3,
}

/// The original audit log's coarse classification of an event.
#[derive(Serialize_repr, Deserialize_repr, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventTypeOperation {
    None = 0,
    Create = 1,
    Update = 2,
    Query = 3,
    Delete = 4,
}

impl FlightStatus {
    /// The status a client asked for by its code, or `None` when the code names no status a
    /// flight can be in (0 is reserved, anything past 4 is unknown).
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(Self::WaitingForBoarding),
            2 => Some(Self::AllBoarded),
            3 => Some(Self::Disembarked),
            4 => Some(Self::Arrived),
            _ => None,
        }
    }

    pub fn code(self) -> i64 {
        self as i64
    }

    /// The words an operator reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::WaitingForBoarding => "Waiting for boarding",
            Self::AllBoarded => "All boarded",
            Self::Disembarked => "Disembarked",
            Self::Arrived => "Arrived",
        }
    }
}

impl PassengerStatus {
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(Self::CheckedIn),
            2 => Some(Self::Boarded),
            3 => Some(Self::Arrived),
            _ => None,
        }
    }

    pub fn code(self) -> i64 {
        self as i64
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::CheckedIn => "Checked in",
            Self::Boarded => "Boarded",
            Self::Arrived => "Arrived",
        }
    }
}

impl EventTypeOperation {
    pub fn from_code(code: i64) -> Self {
        match code {
            1 => Self::Create,
            2 => Self::Update,
            3 => Self::Query,
            4 => Self::Delete,
            _ => Self::None,
        }
    }

    pub fn code(self) -> i64 {
        self as i64
    }
}

impl fmt::Display for FlightStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl fmt::Display for PassengerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_originals() {
        assert_eq!(
            serde_json::to_string(&FlightStatus::Disembarked).unwrap(),
            "3"
        );
        assert_eq!(
            serde_json::to_string(&PassengerStatus::Boarded).unwrap(),
            "2"
        );
        assert_eq!(FlightStatus::from_code(0), None);
        assert_eq!(FlightStatus::from_code(5), None);
        assert_eq!(FlightStatus::from_code(4), Some(FlightStatus::Arrived));
        assert_eq!(
            PassengerStatus::from_code(3),
            Some(PassengerStatus::Arrived)
        );
        assert_eq!(EventTypeOperation::from_code(4), EventTypeOperation::Delete);
    }
}
