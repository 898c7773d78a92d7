//! Flightdeck's backend: commands decided by `flightdeck-core`, appended to an event store,
//! projected into a read model, served over the original HTTP contract plus a live audit stream.
//!
//! - [`event_store`]: the port and its SQLite adapter.
//! - [`projection`]: follows the log into the [`read_model`], exactly once in effect.
//! - [`command`]: load, decide, append with the expected revision, retry, read your writes.
//! - [`api`]: the HTTP routes; [`error`] turns every failure into its HTTP answer.

pub mod api;
pub mod command;
pub mod config;
pub mod connections;
pub mod error;
pub mod event_store;
pub mod history;
pub mod park;
pub mod projection;
pub mod read_model;
pub mod server;
pub mod verify;
pub mod wal;

pub use config::{Args, Config};
pub use server::{start, Server, StartError};
