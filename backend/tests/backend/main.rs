//! The backend's integration tests, one binary with a module per concern: each spawns the real
//! server (or the real binary) against real stores. One binary links the dependencies once.

#[macro_use]
mod support;
mod access;
mod audit_search;
mod bad_input;
mod cluster;
mod compose;
mod concurrency;
mod crash;
mod event_store;
mod faults;
mod hardening;
mod history;
mod hostile;
mod instances;
mod live_stream;
mod outages;
mod rebuild;
mod restart;
mod scenarios;
mod status;
