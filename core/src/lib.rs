//! Flightdeck's domain: flights and their passenger manifests, decided and evolved without I/O.
//!
//! - [`flight`]: the aggregate as a decider (`decide`, `evolve`).
//! - [`event`]: the recorded facts and their stable JSON form.
//! - [`contract`]: the HTTP request and answer types of the original system.
//! - [`checks`]: the rules a client can check from what it sees, shared with `decide`.
//! - [`backend_status`]: what `GET /api/status` answers.

pub mod backend_status;
pub mod checks;
pub mod contract;
pub mod error;
pub mod event;
pub mod flight;
pub mod status;
pub mod text;

pub use checks::PassengerCounts;
pub use error::DomainError;
pub use event::Event;
pub use flight::{decide, evolve, replay, Action, Command, FlightState};
pub use status::{EventTypeOperation, FlightStatus, PassengerStatus};
