//! The command line: where the backend is, and how often to poll one without a live stream.

use crate::api::Endpoints;
use clap::Parser;
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
    #[arg(long, env = "FLIGHTDECK_API", value_name = "URL",
          conflicts_with_all = ["flights_url", "passengers_url", "auditlog_url"])]
    pub api: Option<String>,

    /// The original flights service, e.g. http://localhost:8040/flights
    #[arg(long, env = "FLIGHTDECK_FLIGHTS_URL", value_name = "URL",
          requires_all = ["passengers_url", "auditlog_url"])]
    pub flights_url: Option<String>,

    /// The original passengers service, e.g. http://localhost:8050/passengers
    #[arg(long, env = "FLIGHTDECK_PASSENGERS_URL", value_name = "URL",
          requires_all = ["flights_url", "auditlog_url"])]
    pub passengers_url: Option<String>,

    /// The original audit log service, e.g. http://localhost:8080/auditlog
    #[arg(long, env = "FLIGHTDECK_AUDITLOG_URL", value_name = "URL",
          requires_all = ["flights_url", "passengers_url"])]
    pub auditlog_url: Option<String>,

    /// Where the embedded backend keeps its data [default: the platform data directory/flightdeck]
    #[arg(long, env = "FLIGHTDECK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// How often to read a backend that has no live stream: 3, 3s, 1.5s or 500ms
    #[arg(long, env = "FLIGHTDECK_POLL_INTERVAL", value_name = "DURATION",
          default_value = "3s", value_parser = parse_interval)]
    pub poll_interval: Duration,
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
}
