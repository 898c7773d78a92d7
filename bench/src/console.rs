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
    /// From the spawn to the first output holding the Audit pane's title for the window read at
    /// start: that frame is the one that draws the newest entries.
    pub start_ms: f64,
    /// The console's resident memory (VmRSS) `SETTLED` after its spawn.
    pub rss_mb: f64,
}

/// The console's figures at one log size.
#[derive(Clone, Debug)]
pub struct Figures {
    /// The log's head position, which the pane's title names.
    pub events: u64,
    pub starts: Vec<Start>,
}

impl Figures {
    pub fn start_ms(&self) -> f64 {
        median(self.starts.iter().map(|s| s.start_ms))
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

/// Serves the log in `stores` (with its read model in `data_dir`) and measures the console
/// against it.
pub async fn on_log(
    client: &reqwest::Client,
    stores: &Stores,
    data_dir: &Path,
    console: &Path,
) -> Result<Figures, String> {
    let mut backend = Child::spawn_backend(stores, data_dir, false)?;
    let measured = async {
        let base = backend.wait_address().await?;
        let head = child::wait_ready(client, &base, READY_WITHIN)
            .await?
            .ok_or("console: the log is empty")?;
        let api = format!("{base}/api");
        let console = console.to_owned();
        tokio::task::spawn_blocking(move || measure(&console, &api, head))
            .await
            .map_err(|e| format!("console: {e}"))?
    }
    .await;
    backend.stop().await;
    measured
}

/// Starts the console `RUNS` times against the API at `api`, whose log's head is `head`.
/// Blocking: run it off the async runtime.
pub fn measure(console: &Path, api: &str, head: u64) -> Result<Figures, String> {
    let marker = format!("of ~{}", thousands(head));
    let starts = (0..RUNS)
        .map(|_| start(console, api, marker.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Figures {
        events: head,
        starts,
    })
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

fn start(console: &Path, api: &str, marker: &[u8]) -> Result<Start, String> {
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
    let marker = marker.to_vec();
    // The output is read all along, so the console never blocks on a full terminal.
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        let mut tail: Vec<u8> = Vec::new();
        let mut found = false;
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            if found {
                continue;
            }
            tail.extend_from_slice(&buf[..n]);
            if tail.windows(marker.len()).any(|w| w == marker.as_slice()) {
                found = true;
                let _ = seen_tx.send(Instant::now());
                continue;
            }
            // Keep only what could still hold the start of a marker split between reads.
            let keep = tail.len().saturating_sub(marker.len());
            tail.drain(..keep);
        }
    });
    let outcome = (|| {
        let shown = seen
            .recv_timeout(START_WITHIN)
            .map_err(|_| "console: the audit window never showed within 60 s".to_owned())?;
        let start_ms = shown.duration_since(spawned).as_secs_f64() * 1000.0;
        if let Some(rest) = SETTLED.checked_sub(spawned.elapsed()) {
            std::thread::sleep(rest);
        }
        let pid = pid.ok_or("console: no process id")?;
        let rss_mb = rss_mb(pid).ok_or("console: its memory could not be read")?;
        Ok(Start { start_ms, rss_mb })
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

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
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
            starts: [3.0, 1.0, 2.0, 10.0]
                .iter()
                .map(|&v| Start {
                    start_ms: v,
                    rss_mb: v,
                })
                .collect(),
        };
        assert_eq!(figures.start_ms(), 2.5);
        assert_eq!(figures.rss_range(), (1.0, 10.0));
    }
}
