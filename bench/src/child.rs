//! The processes the benchmark measures: the backend, and the constant-answer baseline, each
//! this same executable started with a hidden flag. A separate process has its own peak RSS
//! (VmHWM), and both sides of every comparison pay the same process and socket costs.
//!
//! A child lives while its stdin is open: when the benchmark ends, even by a kill, the pipe
//! closes and the child shuts down instead of lingering.

use crate::stores::Stores;
use axum::routing::get;
use axum::Router;
use flightdeck_backend::{start, Args};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tracing_subscriber::EnvFilter;

/// Variables the backend would read in place of the flags this benchmark gives it.
const BACKEND_ENV: &[&str] = &[
    "BIND_ADDR",
    "FLIGHTDECK_DATA_DIR",
    "EVENTSTORE_URL",
    "DATABASE_URL",
    "FLIGHTDECK_TOKEN",
    "FLIGHTDECK_REQUEST_TIMEOUT",
    "FLIGHTDECK_MAX_STREAMS",
];

pub struct Child {
    process: std::process::Child,
    stdin: Option<ChildStdin>,
    address: Option<oneshot::Receiver<Result<String, String>>>,
    what: &'static str,
}

impl Child {
    pub fn spawn_backend(stores: &Stores, data_dir: &Path, rebuild: bool) -> Result<Self, String> {
        let mut args = vec![
            "--serve-backend".to_owned(),
            "--events".to_owned(),
            stores.events_url.clone(),
            "--read-db".to_owned(),
            stores.read_url.clone(),
            "--data-dir".to_owned(),
            data_dir.display().to_string(),
        ];
        if rebuild {
            args.push("--rebuild".to_owned());
        }
        Self::spawn(&args, "backend")
    }

    pub fn spawn_hello() -> Result<Self, String> {
        Self::spawn(&["--serve-hello".to_owned()], "constant-answer server")
    }

    fn spawn(args: &[String], what: &'static str) -> Result<Self, String> {
        let exe = std::env::current_exe()
            .map_err(|e| format!("cannot find this executable to start the {what}: {e}"))?;
        let mut command = Command::new(exe);
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            );
        for name in BACKEND_ENV {
            command.env_remove(name);
        }
        let mut process = command
            .spawn()
            .map_err(|e| format!("cannot start the {what}: {e}"))?;
        let stdin = process.stdin.take();
        let stdout = process
            .stdout
            .take()
            .ok_or_else(|| format!("the {what} has no stdout"))?;
        let (tx, address) = oneshot::channel();
        // A blocking read on a thread of its own: the first line is the address.
        std::thread::spawn(move || {
            let mut line = String::new();
            let read = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(match read {
                Ok(0) => Err(format!("the {what} exited before printing its address")),
                Ok(_) => Ok(format!("http://{}", line.trim())),
                Err(e) => Err(format!("cannot read the {what}'s address: {e}")),
            });
        });
        Ok(Self {
            process,
            stdin,
            address: Some(address),
            what,
        })
    }

    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// The most memory the child has held at once so far (VmHWM), in MiB.
    pub fn peak_rss_mb(&self) -> Option<f64> {
        memory_mb(&self.pid().to_string(), Memory::Peak)
    }

    /// The CPU time the child has used so far, user and system, all threads
    /// (`/proc/PID/stat`'s utime + stime).
    pub fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        // After the command name, which is in parentheses and may hold spaces, the fields run
        // from the third (state); utime and stime are the 14th and 15th.
        let fields: Vec<&str> = stat
            .get(stat.rfind(')')? + 1..)?
            .split_whitespace()
            .collect();
        let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // SAFETY: sysconf reads a constant of the system and touches no memory of ours.
        let per_s = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        (per_s > 0).then(|| Duration::from_secs_f64(ticks as f64 / per_s as f64))
    }

    /// Closes its stdin so it shuts down; kills it if it has not after a few seconds.
    pub async fn stop(mut self) {
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.process.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        eprintln!("the {} did not stop within 10 s; killing it", self.what);
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A figure of `/proc/PID/status`.
#[derive(Clone, Copy, Debug)]
pub enum Memory {
    /// What the process holds now (VmRSS).
    Resident,
    /// The most it has held at once (VmHWM).
    Peak,
}

/// A memory figure of the process `pid` (a number, or `self`), in MiB.
pub fn memory_mb(pid: &str, which: Memory) -> Option<f64> {
    let field = match which {
        Memory::Resident => "VmRSS:",
        Memory::Peak => "VmHWM:",
    };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

impl Child {
    /// The child's base URL, once it listens; read once.
    pub async fn wait_address(&mut self) -> Result<String, String> {
        let timeout = Duration::from_secs(120);
        let receiver = self
            .address
            .take()
            .ok_or_else(|| format!("the {}'s address was read already", self.what))?;
        match tokio::time::timeout(timeout, receiver).await {
            Ok(Ok(address)) => address,
            Ok(Err(_)) => Err(format!("the {} went away before listening", self.what)),
            Err(_) => Err(format!(
                "the {} did not listen within {} s",
                self.what,
                timeout.as_secs()
            )),
        }
    }
}

/// Waits until the backend at `base` says it is ready, having applied the whole log; returns
/// the log's head position as that answer gives it (`None` for an empty log).
pub async fn wait_ready(
    client: &reqwest::Client,
    base: &str,
    within: Duration,
) -> Result<Option<u64>, String> {
    let ready = format!("{base}/health/ready");
    let deadline = Instant::now() + within;
    loop {
        if let Ok(response) = client.get(&ready).send().await {
            if response.status().is_success() {
                let answer: serde_json::Value =
                    response.json().await.map_err(|e| format!("{ready}: {e}"))?;
                return Ok(answer.get("position").and_then(serde_json::Value::as_u64));
            }
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{ready} was not ready within {} s",
                within.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let Ok(None) = self.process.try_wait() {
            let _ = self.process.kill();
            let _ = self.process.wait();
        }
    }
}

/// Resolves when the parent closes our stdin (or dies).
fn parent_gone() -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let _ = tx.send(());
    });
    rx
}

fn print_address(address: std::net::SocketAddr) {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{address}");
    let _ = out.flush();
}

/// The backend, started through the library exactly as `flightdeck-backend` starts it.
pub async fn serve_backend(
    events: &str,
    read_db: &str,
    data_dir: Option<PathBuf>,
    rebuild: bool,
) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut flags = vec![
        "flightdeck-backend".to_owned(),
        "--bind".to_owned(),
        "127.0.0.1:0".to_owned(),
        "--events".to_owned(),
        events.to_owned(),
        "--read-db".to_owned(),
        read_db.to_owned(),
    ];
    if let Some(dir) = data_dir {
        flags.push("--data-dir".to_owned());
        flags.push(dir.display().to_string());
    }
    if rebuild {
        flags.push("--rebuild".to_owned());
    }
    let config = match config_from_flags(&flags) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("flightdeck-bench backend: {e}");
            return ExitCode::from(2);
        }
    };
    let server = match start(config).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("flightdeck-bench backend: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_address(server.addr());
    let _ = parent_gone().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// What `http_hello_rps` measures: axum, one route, a constant answer; no stores, no JSON.
pub async fn serve_hello() -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", 0)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("flightdeck-bench hello: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let address = match listener.local_addr() {
        Ok(address) => address,
        Err(e) => {
            eprintln!("flightdeck-bench hello: {e}");
            return ExitCode::FAILURE;
        }
    };
    let router = Router::new().route("/hello", get(|| async { "hello" }));
    print_address(address);
    let gone = parent_gone();
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = gone.await;
        })
        .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flightdeck-bench hello: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The backend's own flag parsing, so the child is configured exactly as `flightdeck-backend`.
fn config_from_flags(flags: &[String]) -> Result<flightdeck_backend::Config, String> {
    use clap::Parser;
    let args = Args::try_parse_from(flags).map_err(|e| e.to_string())?;
    args.into_config().map_err(|e| e.to_string())
}
