//! Shared by the end-to-end tests: the console in a pseudo-terminal, and an original-style server.

pub mod original;
pub mod pty;
