//! Flightdeck's terminal operator console: flights, passengers and a live audit log over the
//! original HTTP contract, on an embedded backend, a remote one, or the original services.
//!
//! The console is made of components: the three [`panes`] and the [`overlays`], each owning its
//! data, keys and drawing, under a root ([`console`]) that routes messages and owns what they
//! share. What they pass around ([`msg`], [`ask`], [`focus`], [`list`], [`keymap`]) and the
//! screen's arithmetic ([`layout`]) sit in modules that import no component.

pub mod ask;
pub mod cli;
pub mod client;
pub mod config;
pub mod console;
pub mod counts;
pub mod demo;
#[cfg(feature = "embedded")]
pub mod embedded;
#[cfg(test)]
mod fixtures;
pub mod focus;
pub mod footer;
pub mod history;
pub mod keymap;
pub mod layout;
pub mod list;
pub mod live;
pub mod memory;
pub mod msg;
pub mod overlays;
pub mod panes;
pub mod probe;
pub mod query;
pub mod rebind;
pub mod runtime;
pub mod sender;
pub mod settings;
pub mod status_bar;
pub mod status_watch;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod tls;
pub mod toast;
