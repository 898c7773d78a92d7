//! Flightdeck's terminal operator console: flights, passengers and a live audit log over the
//! original HTTP contract, on an embedded backend, a remote one, or the original services.

pub mod app;
pub mod cli;
pub mod client;
pub mod counts;
pub mod demo;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod form;
pub mod keys;
pub mod live;
pub mod panes;
pub mod runtime;
pub mod sender;
pub mod theme;
pub mod ui;
