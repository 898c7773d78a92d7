//! How the backend is configured: flags with environment fallbacks.

use crate::read_model::{redact, ReadDb};
use clap::Parser;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "flightdeck-backend",
    version,
    about = "Flightdeck's event-sourced backend: the original flights, passengers and audit-log HTTP contract, plus a live audit stream."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Task>,
    /// Address to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    // The store flags are global so that `verify` and `park` take them after their name too.
    /// Directory for the embedded stores [default: the platform data directory]/flightdeck.
    #[arg(long, env = "FLIGHTDECK_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Event store: sqlite://PATH, or EventStoreDB as esdb://USER:PASS@HOST:2113?tls=false
    /// (esdb+discover://… for a cluster) [default: events.db in the data directory].
    #[arg(long, env = "EVENTSTORE_URL", global = true)]
    pub events: Option<String>,
    /// Read model: sqlite://PATH or postgres://... [default: read.db in the data directory].
    #[arg(long = "read-db", env = "DATABASE_URL", global = true)]
    pub read_db: Option<String>,
    /// Drop the read model, recreate its tables and rebuild it from the event log, then serve.
    #[arg(long)]
    pub rebuild: bool,
    /// Require `Authorization: Bearer TOKEN` on every /api route (health stays open).
    #[arg(long, env = "FLIGHTDECK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Seconds a request may take to be read and answered before it gets a 408 (a command
    /// whose events are written is always answered); also how long a connection may take to
    /// send a request's headers, or stay idle between requests, at most 10 s.
    #[arg(long, env = "FLIGHTDECK_REQUEST_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
    /// Most live audit streams served at once; more are answered 503.
    #[arg(long, env = "FLIGHTDECK_MAX_STREAMS", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_streams: u32,
    /// Most connections open at once; past it, new ones wait to be accepted. Kept below the
    /// process's open-file limit whatever is asked.
    #[arg(long, env = "FLIGHTDECK_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
}

#[derive(clap::Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Task {
    /// Replay the event log, compare it with the read model, and list every difference (exit
    /// status 1 when there is one).
    Verify,
    /// Let the projection go past the event at POSITION, which it cannot read and has stopped
    /// at: the event is recorded as parked, shown in the audit log and by `verify`, and the
    /// projection continues after it. Nothing is ever skipped without this.
    Park {
        /// The position the projection stopped at, as /health/ready and the log name it.
        position: u64,
        /// Why it is parked, kept with it (for whoever reads the audit log later).
        #[arg(long, default_value = "parked by an operator")]
        reason: String,
    },
}

/// A bearer token. Its Debug form never shows it, so no log line can.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// Compares in constant time, so an attacker learns nothing from how long a refusal takes.
    pub fn matches(&self, offered: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(offered.as_bytes()).into()
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Where the events are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventsDb {
    Sqlite(PathBuf),
    /// A connection string for the official client: `esdb://…` or `esdb+discover://…`.
    EventStoreDb(String),
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bind: SocketAddr,
    pub events: EventsDb,
    pub read_db: ReadDb,
    pub rebuild: bool,
    /// How long a command waits for the read model to show its effect before answering.
    pub read_your_writes: Duration,
    /// When set, /api requires it as a bearer token.
    pub token: Option<Token>,
    pub max_streams: usize,
    pub max_connections: usize,
    pub request_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--events: '{0}' is not an event store this build can use; give sqlite://PATH or esdb://HOST:2113")]
    UnsupportedEvents(String),
    #[error("--read-db: '{0}' is not a read database this build can use; give sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedReadDb(String),
    #[error("no platform data directory is known here; give --data-dir or FLIGHTDECK_DATA_DIR")]
    NoDataDir,
    #[error("--token is empty: give a token, or leave the flag out to serve without one")]
    EmptyToken,
    #[error("--token starts or ends with whitespace, which no client can send back; remove it")]
    PaddedToken,
}

impl Config {
    /// Everything embedded under `data_dir`, listening on a free loopback port: what the
    /// console starts in-process.
    pub fn embedded(data_dir: PathBuf) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            events: EventsDb::Sqlite(data_dir.join("events.db")),
            read_db: ReadDb::Sqlite(data_dir.join("read.db")),
            rebuild: false,
            read_your_writes: Duration::from_secs(5),
            token: None,
            max_streams: 256,
            max_connections: 1024,
            request_timeout: Duration::from_secs(30),
        }
    }

    /// The directories the embedded stores need.
    pub fn directories(&self) -> Vec<&Path> {
        let mut dirs = Vec::new();
        if let EventsDb::Sqlite(events) = &self.events {
            dirs.extend(events.parent());
        }
        if let ReadDb::Sqlite(read) = &self.read_db {
            dirs.extend(read.parent());
        }
        dirs.retain(|d| !d.as_os_str().is_empty());
        dirs
    }
}

pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("flightdeck"))
}

impl Args {
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let data_dir = match self.data_dir {
            Some(dir) => Some(dir),
            None => default_data_dir(),
        };
        let in_data_dir = |file: &str| {
            data_dir
                .as_ref()
                .map(|d| d.join(file))
                .ok_or(ConfigError::NoDataDir)
        };
        let events = match self.events {
            None => EventsDb::Sqlite(in_data_dir("events.db")?),
            Some(url) if url.starts_with("esdb://") || url.starts_with("esdb+discover://") => {
                EventsDb::EventStoreDb(url)
            }
            Some(url) => match sqlite_path(&url) {
                Some(path) => EventsDb::Sqlite(path),
                None => return Err(ConfigError::UnsupportedEvents(redact(&url))),
            },
        };
        let read_db = match self.read_db {
            None => ReadDb::Sqlite(in_data_dir("read.db")?),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                ReadDb::Postgres(url)
            }
            Some(url) => match sqlite_path(&url) {
                Some(path) => ReadDb::Sqlite(path),
                None => return Err(ConfigError::UnsupportedReadDb(redact(&url))),
            },
        };
        Ok(Config {
            bind: self.bind,
            events,
            read_db,
            rebuild: self.rebuild,
            read_your_writes: Duration::from_secs(5),
            token: self.token.map(checked_token).transpose()?,
            max_streams: self.max_streams as usize,
            max_connections: self.max_connections as usize,
            request_timeout: Duration::from_secs(self.request_timeout),
        })
    }
}

/// A token must be something a client can send back as it is.
fn checked_token(token: String) -> Result<Token, ConfigError> {
    if token.is_empty() {
        Err(ConfigError::EmptyToken)
    } else if token.trim() != token {
        Err(ConfigError::PaddedToken)
    } else {
        Ok(Token::new(token))
    }
}

/// The file of a `sqlite://PATH` (or `sqlite:PATH`) URL.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty()).then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Result<Config, ConfigError> {
        Args::try_parse_from(std::iter::once("flightdeck-backend").chain(args.iter().copied()))
            .expect("flags parse")
            .into_config()
    }

    #[test]
    fn defaults_live_in_the_data_dir() {
        // Built directly: parsing would take EVENTSTORE_URL or DATABASE_URL from the environment.
        let args = Args {
            command: None,
            bind: "127.0.0.1:8080".parse().unwrap(),
            data_dir: Some("/srv/fd".into()),
            events: None,
            read_db: None,
            rebuild: false,
            token: None,
            max_streams: 256,
            max_connections: 1024,
            request_timeout: 30,
        };
        let c = args.into_config().unwrap();
        assert_eq!(c.events, EventsDb::Sqlite("/srv/fd/events.db".into()));
        assert_eq!(c.read_db, ReadDb::Sqlite("/srv/fd/read.db".into()));
    }

    #[test]
    fn tokens_compare_whole_and_never_print() {
        let token = Token::new("s3cret-token");
        assert!(token.matches("s3cret-token"));
        assert!(!token.matches("s3cret-toke"));
        assert!(!token.matches("s3cret-token!"));
        assert!(!token.matches(""));
        assert_eq!(format!("{token:?}"), "Token(***)");
        let c = config(&[
            "--events",
            "sqlite:///e.db",
            "--read-db",
            "sqlite:///r.db",
            "--token",
            "abc",
        ])
        .unwrap();
        assert!(!format!("{c:?}").contains("abc"));
    }

    #[test]
    fn tokens_no_client_can_send_are_refused_at_start() {
        let with = |token: &str| {
            config(&[
                "--events",
                "sqlite:///e.db",
                "--read-db",
                "sqlite:///r.db",
                "--token",
                token,
            ])
            .map(|c| c.token)
            .map_err(|e| e.to_string())
        };
        assert_eq!(
            with("").unwrap_err(),
            "--token is empty: give a token, or leave the flag out to serve without one"
        );
        assert!(with(" padded ").unwrap_err().contains("whitespace"));
        assert!(with("inner\tspace").is_ok());
        assert_eq!(with("s3cret").unwrap(), Some(Token::new("s3cret")));
    }

    #[test]
    fn numbers_out_of_range_are_flag_errors() {
        for (flag, value) in [
            ("--max-streams", "18446744073709551615"),
            ("--max-streams", "0"),
            ("--request-timeout", "0"),
            ("--max-connections", "0"),
            ("--request-timeout", "99999999999999999999"),
        ] {
            let err = Args::try_parse_from(["flightdeck-backend", flag, value]).unwrap_err();
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::ValueValidation,
                "{flag} {value}"
            );
            assert!(err.to_string().contains(flag), "{err}");
        }
    }

    #[test]
    fn store_flags_work_after_a_subcommand() {
        let args = Args::try_parse_from(["flightdeck-backend", "verify", "--data-dir", "/srv/fd"])
            .unwrap();
        assert_eq!(args.command, Some(Task::Verify));
        assert_eq!(args.data_dir, Some("/srv/fd".into()));
        let args =
            Args::try_parse_from(["flightdeck-backend", "park", "42", "--data-dir", "/d"]).unwrap();
        assert!(matches!(
            args.command,
            Some(Task::Park { position: 42, .. })
        ));
    }

    #[test]
    fn urls_choose_the_stores() {
        let c = config(&[
            "--events",
            "sqlite:///var/ev.db",
            "--read-db",
            "postgres://postgres@127.0.0.1/test",
            "--bind",
            "0.0.0.0:9000",
        ])
        .unwrap();
        assert_eq!(c.events, EventsDb::Sqlite("/var/ev.db".into()));
        assert_eq!(
            c.read_db,
            ReadDb::Postgres("postgres://postgres@127.0.0.1/test".into())
        );
        let c = config(&[
            "--events",
            "esdb+discover://admin:changeit@cluster:2113",
            "--read-db",
            "sqlite:///r.db",
        ])
        .unwrap();
        assert_eq!(
            c.events,
            EventsDb::EventStoreDb("esdb+discover://admin:changeit@cluster:2113".into())
        );
    }

    #[test]
    fn unknown_stores_are_named_without_their_password() {
        let err = config(&[
            "--events",
            "kafka://admin:changeit@localhost:9092",
            "--read-db",
            "sqlite:///x/r.db",
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--events: 'kafka://admin:***@localhost:9092' is not an event store this build can use; give sqlite://PATH or esdb://HOST:2113"
        );
        let err = config(&[
            "--events",
            "sqlite:///x/e.db",
            "--read-db",
            "mysql://root:pw@db/x",
        ])
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--read-db: 'mysql://root:***@db/x'"),
            "{err}"
        );
    }
}
