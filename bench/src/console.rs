//! The console on a long log: the real `flightdeck` binary in a pseudo-terminal, against a
//! backend serving a seeded data directory, timed to the frame that draws the newest audit
//! entries and weighed once it has settled. The same figures at a short and a long log say
//! whether what the console costs grows with the log.

use crate::child::{self, Child};
use crate::stores::Stores;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Starts per log: the median is reported, the spread beside it.
pub const RUNS: usize = 5;
/// When the console's memory is read, after its start.
const SETTLED: Duration = Duration::from_secs(5);
/// How long a start may take before the run fails.
const START_WITHIN: Duration = Duration::from_secs(60);
/// The window the console is measured in; its first frame is a full one.
const ROWS: u16 = 50;
const COLS: u16 = 220;

/// One start of the console.
#[derive(Clone, Copy, Debug)]
pub struct Start {
    /// From the spawn to the first screen holding the Audit pane's title for the window read at
    /// start: that frame is the one that draws the newest entries.
    pub start_ms: f64,
    /// From the spawn to the first screen whose Flights pane title counts every flight: the
    /// whole list is read and drawn.
    pub flights_ms: f64,
    /// The console's resident memory (VmRSS) `SETTLED` after its spawn.
    pub rss_mb: f64,
}

/// The console's figures at one log size.
#[derive(Clone, Debug)]
pub struct Figures {
    /// The log's head position, which the pane's title names.
    pub events: u64,
    /// The flights the backend lists.
    pub flights: usize,
    pub starts: Vec<Start>,
}

impl Figures {
    pub fn start_ms(&self) -> f64 {
        median(self.starts.iter().map(|s| s.start_ms))
    }

    pub fn flights_ms(&self) -> f64 {
        median(self.starts.iter().map(|s| s.flights_ms))
    }

    pub fn flights_range(&self) -> (f64, f64) {
        range(self.starts.iter().map(|s| s.flights_ms))
    }

    pub fn rss_mb(&self) -> f64 {
        median(self.starts.iter().map(|s| s.rss_mb))
    }

    pub fn start_range(&self) -> (f64, f64) {
        range(self.starts.iter().map(|s| s.start_ms))
    }

    pub fn rss_range(&self) -> (f64, f64) {
        range(self.starts.iter().map(|s| s.rss_mb))
    }
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// The console binary beside this one, where `cargo build --release -p flightdeck-tui` puts it.
pub fn binary() -> Result<PathBuf, String> {
    let this = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let console = this.with_file_name("flightdeck");
    if console.is_file() {
        Ok(console)
    } else {
        Err(format!(
            "no console binary at {}; build it with `cargo build --release -p flightdeck-tui`",
            console.display()
        ))
    }
}

/// How long the backend may take to apply a log it serves before the console starts.
const READY_WITHIN: Duration = Duration::from_secs(1800);

/// Serves the log in `stores` (with its read model in `data_dir`) and measures `runs` starts of
/// the console against it.
pub async fn on_log(
    client: &reqwest::Client,
    stores: &Stores,
    data_dir: &Path,
    console: &Path,
    runs: usize,
) -> Result<Figures, String> {
    let mut backend = Child::spawn_backend(stores, data_dir, false)?;
    let measured = async {
        let base = backend.wait_address().await?;
        let head = child::wait_ready(client, &base, READY_WITHIN)
            .await?
            .ok_or("console: the log is empty")?;
        let api = format!("{base}/api");
        let flights = count_flights(client, &api).await?;
        let console = console.to_owned();
        tokio::task::spawn_blocking(move || measure(&console, &api, head, flights, runs))
            .await
            .map_err(|e| format!("console: {e}"))?
    }
    .await;
    backend.stop().await;
    measured
}

async fn count_flights(client: &reqwest::Client, api: &str) -> Result<usize, String> {
    let flights: Vec<serde_json::Value> = client
        .get(format!("{api}/flights"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("console: cannot list the flights: {e}"))?
        .json()
        .await
        .map_err(|e| format!("console: the flights list: {e}"))?;
    Ok(flights.len())
}

/// What a start waits to see on the screen.
struct Markers {
    /// The Audit pane's title for the window read at start.
    window: String,
    /// The Flights pane's title with every flight counted.
    flights: String,
}

/// Starts the console `runs` times against the API at `api`, whose log's head is `head` and
/// which lists `flights` flights. Blocking: run it off the async runtime.
pub fn measure(
    console: &Path,
    api: &str,
    head: u64,
    flights: usize,
    runs: usize,
) -> Result<Figures, String> {
    let markers = Markers {
        window: format!("of ~{}", thousands(head)),
        flights: format!("Flights ({flights})"),
    };
    let starts = (0..runs)
        .map(|_| start(console, api, &markers))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Figures {
        events: head,
        flights,
        starts,
    })
}

/// `flightdeck-bench console`: the console's figures on a data directory `seed` wrote, each
/// start on a line of its own and the medians as the last line (JSON).
pub async fn on_data_dir(dir: &Path, runs: usize) -> Result<(), String> {
    if runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    if !dir.join("events.db").is_file() {
        return Err(format!(
            "{} holds no event log (events.db); write one with `flightdeck-bench seed --data-dir {}`",
            dir.display(),
            dir.display()
        ));
    }
    let console = binary()?;
    let stores = Stores::data_dir(dir);
    let figures = on_log(&reqwest::Client::new(), &stores, dir, &console, runs).await?;
    for (n, start) in figures.starts.iter().enumerate() {
        eprintln!(
            "start {}: window {:.1} ms, flights {:.1} ms, {:.1} MiB",
            n + 1,
            start.start_ms,
            start.flights_ms,
            start.rss_mb
        );
    }
    let (start_min, start_max) = figures.start_range();
    let (flights_min, flights_max) = figures.flights_range();
    let (rss_min, rss_max) = figures.rss_range();
    println!(
        "{}",
        serde_json::json!({
            "events": figures.events,
            "flights": figures.flights,
            "runs": runs,
            "console_start_ms": {"median": figures.start_ms(), "min": start_min, "max": start_max},
            "console_flights_ms": {"median": figures.flights_ms(), "min": flights_min, "max": flights_max},
            "console_rss_mb": {"median": figures.rss_mb(), "min": rss_min, "max": rss_max},
        })
    );
    Ok(())
}

/// `1234567` as the console writes it: `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn start(console: &Path, api: &str, markers: &Markers) -> Result<Start, String> {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(|e| format!("console: cannot open a pseudo-terminal: {e}"))?;
    let mut cmd = CommandBuilder::new(console);
    cmd.args(["--api", api]);
    cmd.env("TERM", "xterm-256color");
    // Nothing of this machine's own setup: no config file, no token, no other backend.
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/flightdeck-bench");
    for var in [
        "FLIGHTDECK_API",
        "FLIGHTDECK_DATA_DIR",
        "FLIGHTDECK_TOKEN",
        "FLIGHTDECK_TOKEN_FILE",
        "FLIGHTDECK_CA_CERT",
        "FLIGHTDECK_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    let mut reader = pair
        .master
        .try_clone_reader()
        .map_err(|e| format!("console: pty reader: {e}"))?;
    let mut writer = pair
        .master
        .take_writer()
        .map_err(|e| format!("console: pty writer: {e}"))?;
    let spawned = Instant::now();
    let mut child = pair
        .slave
        .spawn_command(cmd)
        .map_err(|e| format!("console: cannot start {}: {e}", console.display()))?;
    drop(pair.slave);
    let pid = child.process_id();
    let (seen_tx, seen) = mpsc::channel();
    let (window, flights) = (markers.window.clone(), markers.flights.clone());
    // The output is read all along, so the console never blocks on a full terminal. It is read
    // into a screen, as a terminal shows it: a frame writes only the cells that changed, so a
    // title may never appear whole in the bytes.
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        let mut screen = vt100::Parser::new(ROWS, COLS, 0);
        let (mut window_seen, mut flights_seen) = (false, false);
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            if window_seen && flights_seen {
                continue;
            }
            screen.process(&buf[..n]);
            let text = screen.screen().contents();
            let now = Instant::now();
            if !window_seen && text.contains(&window) {
                window_seen = true;
                let _ = seen_tx.send(Seen::Window(now));
            }
            if !flights_seen && text.contains(&flights) {
                flights_seen = true;
                let _ = seen_tx.send(Seen::Flights(now));
            }
        }
    });
    let outcome = (|| {
        let (mut window_at, mut flights_at) = (None, None);
        while window_at.is_none() || flights_at.is_none() {
            let left = START_WITHIN.saturating_sub(spawned.elapsed());
            match seen.recv_timeout(left) {
                Ok(Seen::Window(at)) => window_at = Some(at),
                Ok(Seen::Flights(at)) => flights_at = Some(at),
                Err(_) if window_at.is_none() => {
                    return Err("console: the audit window never showed within 60 s".to_owned())
                }
                Err(_) => return Err("console: the flights never showed within 60 s".to_owned()),
            }
        }
        let ms = |at: Option<Instant>| {
            at.map(|at| at.duration_since(spawned).as_secs_f64() * 1000.0)
                .ok_or("console: a screen was seen without its time")
        };
        let (start_ms, flights_ms) = (ms(window_at)?, ms(flights_at)?);
        if let Some(rest) = SETTLED.checked_sub(spawned.elapsed()) {
            std::thread::sleep(rest);
        }
        let pid = pid.ok_or("console: no process id")?;
        let rss_mb = child::memory_mb(&pid.to_string(), child::Memory::Resident)
            .ok_or("console: its memory could not be read")?;
        Ok(Start {
            start_ms,
            flights_ms,
            rss_mb,
        })
    })();
    let _ = writer.write_all(b"q");
    let _ = writer.flush();
    let quit_by = Instant::now() + Duration::from_secs(10);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < quit_by => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
        }
    }
    outcome
}

enum Seen {
    Window(Instant),
    Flights(Instant),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_written_as_the_console_writes_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_000_006), "1,000,006");
    }

    #[test]
    fn the_median_and_range_of_starts() {
        let figures = Figures {
            events: 1,
            flights: 1,
            starts: [3.0, 1.0, 2.0, 10.0]
                .iter()
                .map(|&v| Start {
                    start_ms: v,
                    flights_ms: v,
                    rss_mb: v,
                })
                .collect(),
        };
        assert_eq!(figures.start_ms(), 2.5);
        assert_eq!(figures.rss_range(), (1.0, 10.0));
    }
}
