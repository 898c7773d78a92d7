//! Which stores a phase runs on: fresh ones every time, so no phase measures another's leftovers.

use sqlx::{Connection, Executor, PgConnection};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// The stores of one phase, as the backend's `--events` and `--read-db` URLs.
pub struct Stores {
    pub events_url: String,
    pub read_url: String,
    /// The file of the event log, when it is SQLite.
    pub events_file: Option<PathBuf>,
    /// Set when the read model is a database this run created: (server URL, database name).
    postgres: Option<(String, String)>,
}

/// Where the temporary directory goes: `sqlite://DIR` chooses the disk; otherwise the system's.
pub fn temp_parent(events: &str) -> Result<PathBuf, String> {
    match sqlite_dir(events)? {
        Some(dir) => Ok(dir),
        None => Ok(std::env::temp_dir()),
    }
}

/// The directory a `sqlite://…` URL points into: the directory itself, or the one holding the
/// named file. The benchmark writes fresh files there and never touches the named file, so a
/// run never measures (or damages) an existing log.
fn sqlite_dir(url: &str) -> Result<Option<PathBuf>, String> {
    if url == "sqlite" {
        return Ok(None);
    }
    let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Ok(None);
    };
    let path = Path::new(path.split('?').next().unwrap_or(path));
    if path.is_dir() {
        return Ok(Some(path.to_owned()));
    }
    match path.parent() {
        Some(parent) if parent.is_dir() => Ok(Some(parent.to_owned())),
        _ => Err(format!(
            "'{}' is neither a directory nor a file in one; give sqlite://DIR",
            path.display()
        )),
    }
}

/// Checks the choices before anything is measured, so a typo fails in a second, not minutes in.
pub fn validate(events: &str, read_db: &str) -> Result<(), String> {
    let esdb = events.starts_with("esdb://") || events.starts_with("esdb+discover://");
    if !esdb {
        if !events.starts_with("sqlite") {
            return Err(format!(
                "--events: '{}' is not sqlite, sqlite://DIR or esdb://HOST:2113",
                redact(events)
            ));
        }
        sqlite_dir(events)?;
    }
    let postgres = read_db.starts_with("postgres://") || read_db.starts_with("postgresql://");
    if !postgres && read_db != "sqlite" {
        return Err(format!(
            "--read-db: '{}' is not sqlite or postgres://USER@HOST:PORT/DB",
            redact(read_db)
        ));
    }
    Ok(())
}

/// A store URL as it may be shown: without its password.
pub fn redact(url: &str) -> String {
    flightdeck_backend::read_model::redact(url)
}

impl Stores {
    pub async fn prepare(
        events: &str,
        read_db: &str,
        dir: &Path,
        phase: &str,
    ) -> Result<Self, String> {
        let (events_url, events_file) = if events.starts_with("sqlite") {
            let file = dir.join(format!("{phase}-events.db"));
            (format!("sqlite://{}", file.display()), Some(file))
        } else if events.starts_with("esdb://") || events.starts_with("esdb+discover://") {
            (events.to_owned(), None)
        } else {
            return Err(format!(
                "--events: '{}' is not sqlite, sqlite://DIR or esdb://HOST:2113",
                redact(events)
            ));
        };
        let (read_url, postgres) = if read_db == "sqlite" {
            let file = dir.join(format!("{phase}-read.db"));
            (format!("sqlite://{}", file.display()), None)
        } else if read_db.starts_with("postgres://") || read_db.starts_with("postgresql://") {
            let (url, name) = fresh_database(read_db).await?;
            (url, Some((read_db.to_owned(), name)))
        } else {
            return Err(format!(
                "--read-db: '{}' is not sqlite or postgres://USER@HOST:PORT/DB",
                redact(read_db)
            ));
        };
        Ok(Self {
            events_url,
            read_url,
            events_file,
            postgres,
        })
    }

    /// The stores of a data directory as `flightdeck-backend --data-dir DIR` serves it (its
    /// `events.db` and `read.db`), as `seed` leaves them.
    pub fn data_dir(dir: &Path) -> Self {
        let events_file = dir.join("events.db");
        Self {
            events_url: format!("sqlite://{}", events_file.display()),
            read_url: format!("sqlite://{}", dir.join("read.db").display()),
            events_file: Some(events_file),
            postgres: None,
        }
    }

    /// Drops the database this run created, if any.
    pub async fn clean_up(&self) {
        let Some((server, name)) = &self.postgres else {
            return;
        };
        let dropped = async {
            let mut conn = PgConnection::connect(server).await?;
            conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await
        };
        if let Err(e) = dropped.await {
            eprintln!("could not drop the benchmark database {name}: {e}; drop it by hand");
        }
    }
}

/// Creates an empty database on the server `url` names; returns its URL and name.
async fn fresh_database(url: &str) -> Result<(String, String), String> {
    let shown = redact(url);
    let mut conn = PgConnection::connect(url)
        .await
        .map_err(|e| format!("cannot connect to Postgres at {shown}: {e}"))?;
    let name = format!("flightdeck_bench_{}", Uuid::new_v4().simple());
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .map_err(|e| format!("cannot create database {name} at {shown}: {e}"))?;
    let (without_query, query) = match url.split_once('?') {
        Some((u, q)) => (u, Some(q)),
        None => (url, None),
    };
    let server = match without_query.rsplit_once('/') {
        // The last '/' after the authority separates the database name.
        Some((server, _)) if server.len() > "postgres://".len() => server,
        _ => without_query,
    };
    let fresh = match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    };
    Ok((fresh, name))
}
