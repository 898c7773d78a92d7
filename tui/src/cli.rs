//! The command line: where the backend is, how to reach it, and how often to poll one without
//! a live stream. A config file may give the same settings (see `config`); flags win.

use crate::client::Endpoints;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "flightdeck",
    version,
    about = "Flights, passengers and a live audit log, in the terminal.",
    long_about = "Flights, passengers and a live audit log, in the terminal.\n\n\
        With no backend flag, flightdeck runs its own backend in-process, with its data under \
        --data-dir. With --api it talks to a Flightdeck backend or an original gateway; with the \
        three service URLs it talks to the original services directly."
)]
pub struct Cli {
    /// A Flightdeck backend or an original gateway, e.g. http://localhost:5000/api
    #[arg(long, global = true, env = "FLIGHTDECK_API", value_name = "URL",
          conflicts_with_all = ["flights_url", "passengers_url", "auditlog_url"])]
    pub api: Option<String>,

    /// The original flights service, e.g. http://localhost:8040/flights
    #[arg(long, global = true, env = "FLIGHTDECK_FLIGHTS_URL", value_name = "URL",
          requires_all = ["passengers_url", "auditlog_url"])]
    pub flights_url: Option<String>,

    /// The original passengers service, e.g. http://localhost:8050/passengers
    #[arg(long, global = true, env = "FLIGHTDECK_PASSENGERS_URL", value_name = "URL",
          requires_all = ["flights_url", "auditlog_url"])]
    pub passengers_url: Option<String>,

    /// The original audit log service, e.g. http://localhost:8080/auditlog
    #[arg(long, global = true, env = "FLIGHTDECK_AUDITLOG_URL", value_name = "URL",
          requires_all = ["flights_url", "passengers_url"])]
    pub auditlog_url: Option<String>,

    /// Where the embedded backend keeps its data [default: the platform data directory/flightdeck]
    #[arg(long, global = true, env = "FLIGHTDECK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// How often to read a backend that has no live stream: 3, 3s, 1.5s or 500ms
    #[arg(long, global = true, env = "FLIGHTDECK_POLL_INTERVAL", value_name = "DURATION",
          default_value = "3s", value_parser = parse_interval)]
    pub poll_interval: Duration,

    /// Sent as `Authorization: Bearer TOKEN` on every request, the live stream's included
    #[arg(
        long,
        global = true,
        env = "FLIGHTDECK_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,

    /// Read the token from this file (a trailing newline is trimmed): unlike --token, it does
    /// not show in `ps`
    #[arg(
        long,
        global = true,
        env = "FLIGHTDECK_TOKEN_FILE",
        value_name = "FILE"
    )]
    pub token_file: Option<PathBuf>,

    /// Trust this certificate authority (PEM) for https://, besides the platform's roots
    #[arg(long, global = true, env = "FLIGHTDECK_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Read settings from this file [default: $XDG_CONFIG_HOME/flightdeck/config.toml]
    #[arg(long, global = true, env = "FLIGHTDECK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Sub>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Sub {
    /// Play the built-in tour (or a script) in the console, or headless with a transcript
    Demo(DemoArgs),
    /// Print the settings in force and where each came from (the token hidden)
    Config,
    /// Print a completion script for a shell, e.g. `flightdeck completions bash`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Pacing of the visible tour: 1 is readable, 2 twice as fast, 0.5 half as fast, 0 as fast
    /// as the backend allows. The headless run never waits on purpose.
    #[arg(long, default_value = "1", value_name = "FACTOR", value_parser = parse_speed)]
    pub speed: f64,

    /// Quit when the tour ends instead of leaving the console open
    #[arg(long)]
    pub exit: bool,

    /// No screen: one line per step on stdout, a summary last; exit status 0 only if every step held
    #[arg(long)]
    pub headless: bool,

    /// With --headless: one JSON object per step, and a summary object last
    #[arg(long, requires = "headless")]
    pub json: bool,

    /// Play this script (TOML) instead of the built-in tour
    #[arg(long, value_name = "FILE", conflicts_with_all = ["flights", "passengers", "concurrency"])]
    pub script: Option<PathBuf>,

    /// Load-shaped run (with --headless): this many flights, each through the whole tour
    #[arg(long, value_name = "N", requires = "headless",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub flights: Option<u32>,

    /// Load-shaped run: passengers per flight
    #[arg(long, value_name = "M", requires = "headless",
          value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub passengers: Option<u32>,

    /// Load-shaped run: operators working at once
    #[arg(long, value_name = "C", requires = "headless",
          value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub concurrency: Option<u32>,
}

impl DemoArgs {
    /// Whether the load-shaped run was asked for rather than the tour.
    pub fn is_load(&self) -> bool {
        self.flights.is_some() || self.passengers.is_some() || self.concurrency.is_some()
    }
}

pub fn parse_speed(raw: &str) -> Result<f64, String> {
    let value: f64 = raw
        .trim()
        .parse()
        .map_err(|_| format!("'{raw}' is not a number; use e.g. 1, 2, 0.5 or 0"))?;
    if !(0.0..=100.0).contains(&value) {
        return Err(format!("'{raw}' is out of range; use between 0 and 100"));
    }
    Ok(value)
}

/// Where the console connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Embedded(PathBuf),
    Remote(Endpoints),
    Original(Endpoints),
}

impl Cli {
    pub fn target(&self) -> Result<Target, String> {
        if let Some(api) = &self.api {
            return Endpoints::from_api(api).map(Target::Remote);
        }
        if let (Some(f), Some(p), Some(a)) =
            (&self.flights_url, &self.passengers_url, &self.auditlog_url)
        {
            return Endpoints::from_services(f, p, a).map(Target::Original);
        }
        let dir = match &self.data_dir {
            Some(dir) => dir.clone(),
            None => dirs::data_dir()
                .ok_or("no platform data directory is known here; pass --data-dir DIR")?
                .join("flightdeck"),
        };
        Ok(Target::Embedded(dir))
    }
}

pub fn parse_interval(raw: &str) -> Result<Duration, String> {
    let text = raw.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("'{raw}' is not a duration; use e.g. 3, 3s, 1.5s or 500ms"))?;
    let seconds = value * scale;
    if !(0.1..=3600.0).contains(&seconds) {
        return Err(format!(
            "'{raw}' is out of range; use between 100ms and 3600s"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("3").unwrap(), Duration::from_secs(3));
        assert_eq!(parse_interval("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_interval("1.5s").unwrap(), Duration::from_millis(1500));
        assert!(parse_interval("soon")
            .unwrap_err()
            .contains("not a duration"));
        assert!(parse_interval("0").unwrap_err().contains("out of range"));
    }

    #[test]
    fn targets() {
        let cli = Cli::try_parse_from(["flightdeck", "--data-dir", "/tmp/x"]).unwrap();
        assert_eq!(cli.target().unwrap(), Target::Embedded("/tmp/x".into()));
        let cli = Cli::try_parse_from(["flightdeck", "--api", "http://h:5000/api"]).unwrap();
        assert!(matches!(cli.target().unwrap(), Target::Remote(_)));
        let cli = Cli::try_parse_from([
            "flightdeck",
            "--flights-url",
            "http://h:8040/flights",
            "--passengers-url",
            "http://h:8050/passengers",
            "--auditlog-url",
            "http://h:8080/auditlog",
        ])
        .unwrap();
        let Target::Original(ep) = cli.target().unwrap() else {
            panic!()
        };
        assert_eq!(ep.stream(), "http://h:8080/auditlog/stream");
        assert!(Cli::try_parse_from(["flightdeck", "--flights-url", "http://h/flights"]).is_err());
    }

    #[test]
    fn demo_takes_the_console_flags_too() {
        let cli = Cli::try_parse_from([
            "flightdeck",
            "demo",
            "--api",
            "http://h:5000/api",
            "--token",
            "s3cret",
            "--speed",
            "0.5",
        ])
        .unwrap();
        assert!(matches!(cli.target().unwrap(), Target::Remote(_)));
        assert_eq!(cli.token.as_deref(), Some("s3cret"));
        let Some(Sub::Demo(demo)) = cli.command else {
            panic!("demo parsed")
        };
        assert_eq!(demo.speed, 0.5);
        assert!(!demo.is_load());
        assert!(Cli::try_parse_from(["flightdeck", "demo", "--speed", "-1"]).is_err());
        assert!(Cli::try_parse_from(["flightdeck", "demo", "--json"]).is_err());
        assert!(Cli::try_parse_from(["flightdeck", "demo", "--flights", "3"]).is_err());
        let cli = Cli::try_parse_from([
            "flightdeck",
            "demo",
            "--headless",
            "--flights",
            "4",
            "--passengers",
            "3",
        ])
        .unwrap();
        let Some(Sub::Demo(demo)) = cli.command else {
            panic!("demo parsed")
        };
        assert!(demo.is_load());
    }
}
