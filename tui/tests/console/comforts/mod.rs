//! The operator's comforts, through the real `flightdeck` binary: HTTPS against a local TLS
//! server with certificates made here, the config file and its key overrides, the token file,
//! shell completions, and the backend's status view, in a pseudo-terminal where the screen
//! matters.

mod completions;
mod config;
mod pki;
mod status;
mod tls;
mod token;

use std::process::{Command, Output};

/// The console's variables, which the tests' own environment must not leak into a run.
pub const VARIABLES: [&str; 9] = [
    "FLIGHTDECK_API",
    "FLIGHTDECK_DATA_DIR",
    "FLIGHTDECK_POLL_INTERVAL",
    "FLIGHTDECK_TOKEN",
    "FLIGHTDECK_TOKEN_FILE",
    "FLIGHTDECK_CA_CERT",
    "FLIGHTDECK_CONFIG",
    "NO_COLOR",
    "FLIGHTDECK_FLIGHTS_URL",
];

/// `flightdeck` without a terminal, its environment clean but for `env`, and no config file but
/// one a test names (the config directory is one that does not exist).
pub fn flightdeck(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .env("XDG_CONFIG_HOME", "/nonexistent/flightdeck-tests");
    for var in VARIABLES {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("run flightdeck")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A Flightdeck backend in this process, on SQLite in a temporary directory.
pub async fn backend(dir: &std::path::Path) -> flightdeck_backend::Server {
    flightdeck_backend::start(flightdeck_backend::Config::embedded(dir.to_owned()))
        .await
        .expect("backend starts")
}
