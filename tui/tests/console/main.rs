//! The console's integration tests, one binary: the real `flightdeck` binary in a real
//! pseudo-terminal against real backends (embedded, Flightdeck, original-style), the demo, and
//! the operator's comforts (HTTPS, the config file, the token file, completions, the status view).

mod comforts;
mod demo;
mod e2e;
mod history;
mod support;
mod window;
