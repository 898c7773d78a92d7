//! The domain's tests, one binary: every rule through decide and evolve, the properties that
//! hold for any command sequence, and the client-side checks agreeing with decide.

mod checks;
mod properties;
mod rules;
