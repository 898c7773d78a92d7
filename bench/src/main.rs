//! The benchmark: starts the backend as a child process (so its memory is its own), drives it
//! over HTTP with the tour's commands, and measures in the same run the baselines that give each
//! figure its meaning. Prints a table, then one JSON object as its last line.
//!
//! ```sh
//! cargo build --release -p flightdeck-tui             # the console, for its two figures
//! cargo run --release -p flightdeck-bench            # full, ~9 min
//! cargo run --release -p flightdeck-bench -- --quick # under 60 s
//! ```

mod baselines;
mod child;
mod console;
mod lag;
mod load;
mod rebuild;
mod report;
mod seed;
mod stores;

use clap::Parser;
use report::Figures;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "flightdeck-bench",
    about = "Benchmarks the Flightdeck backend against its baselines, on this machine, in one run."
)]
struct Cli {
    #[command(subcommand)]
    task: Option<Task>,
    /// A run under 60 s: shorter phases and no rebuild of a million events.
    #[arg(long)]
    quick: bool,
    /// Event store: `sqlite` (a fresh file in a temporary directory), `sqlite://DIR` or
    /// `sqlite://DIR/FILE` (fresh files in DIR, to measure another disk; FILE is never touched),
    /// or an EventStoreDB URL `esdb://HOST:2113?tls=false`.
    #[arg(long, default_value = "sqlite")]
    events: String,
    /// Read model: `sqlite` (a fresh file beside the event log's), or
    /// `postgres://USER@HOST:PORT/DB`
    /// (a fresh database is created on that server for the run and dropped afterwards).
    #[arg(long = "read-db", default_value = "sqlite")]
    read_db: String,
    /// Passengers per flight in the tour.
    #[arg(long, default_value_t = 3)]
    passengers: usize,
    /// Events in the log that the rebuild replays (full run only).
    #[arg(long, default_value_t = 1_000_000)]
    rebuild_events: u64,
    /// Serve the backend through the library on these stores and print its address (what the
    /// benchmark runs its own executable with).
    #[arg(long, hide = true)]
    serve_backend: bool,
    /// Serve the constant-answer baseline and print its address.
    #[arg(long, hide = true)]
    serve_hello: bool,
    #[arg(long, hide = true)]
    rebuild: bool,
    #[arg(long, hide = true)]
    data_dir: Option<PathBuf>,
}

#[derive(clap::Subcommand, Debug)]
enum Task {
    /// Write a realistic log (the benchmark's tours) and its read model into a new data
    /// directory, which `flightdeck-backend --data-dir DIR` then serves as it is.
    Seed {
        /// Where: events.db and read.db are written there; it must hold no event log yet.
        #[arg(long)]
        data_dir: PathBuf,
        /// How many events, at least (whole tours are written).
        #[arg(long, default_value_t = 10_000)]
        events: u64,
    },
    /// Start the release console against a data directory (a seeded one) and print its start
    /// time and memory, as the full run measures them on its own logs.
    Console {
        /// The data directory to serve, as `seed` leaves it.
        #[arg(long)]
        data_dir: PathBuf,
        /// Starts of the console; the median is reported.
        #[arg(long, default_value_t = console::RUNS)]
        runs: usize,
    },
}

/// How long each phase runs.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub quick: bool,
    pub warmup: Duration,
    pub phase: Duration,
    pub baseline: Duration,
    pub passengers: usize,
}

impl Plan {
    fn new(quick: bool, passengers: usize) -> Self {
        let secs =
            |quick_s: u64, full_s: u64| Duration::from_secs(if quick { quick_s } else { full_s });
        Self {
            quick,
            warmup: secs(1, 3),
            phase: secs(4, 15),
            baseline: secs(3, 10),
            passengers,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.serve_backend {
        return child::serve_backend(&cli.events, &cli.read_db, cli.data_dir, cli.rebuild).await;
    }
    if cli.serve_hello {
        return child::serve_hello().await;
    }
    let task = match &cli.task {
        Some(Task::Seed { data_dir, events }) => {
            Some(("seed", seed::seed(data_dir, *events).await))
        }
        Some(Task::Console { data_dir, runs }) => {
            Some(("console", console::on_data_dir(data_dir, *runs).await))
        }
        None => None,
    };
    if let Some((name, outcome)) = task {
        return match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("flightdeck-bench {name}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match run(&cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flightdeck-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: &Cli) -> Result<(), String> {
    let plan = Plan::new(cli.quick, cli.passengers.max(1));
    stores::validate(&cli.events, &cli.read_db)?;
    let shown = (stores::redact(&cli.events), stores::redact(&cli.read_db));
    let load_start = report::load_average();
    eprintln!(
        "flightdeck-bench: {} run, events {}, read model {}, load average {load_start}",
        if plan.quick { "quick" } else { "full" },
        shown.0,
        shown.1
    );
    let dir = tempfile::Builder::new()
        .prefix("flightdeck-bench-")
        .tempdir_in(stores::temp_parent(&cli.events)?)
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let client = load::client()?;
    let mut figures = Figures::default();

    eprintln!("baseline: axum handler answering a constant, c32 ...");
    let mut hello = child::Child::spawn_hello()?;
    let hello_addr = hello.wait_address().await?;
    figures.hello = Some(load::hello(&client, &hello_addr, plan).await?);
    figures.hello_rss_mb = hello.peak_rss_mb();
    hello.stop().await;

    // Measured before and after the command phases: this disk's fsync rate drifts with what
    // else runs on the machine, and the ratio should hold the commands to the disk they had.
    let baseline_file = dir.path().join("baseline.db");
    eprintln!("baseline: bare SQLite append, one event per transaction ...");
    let before = baselines::sqlite_single_insert(&baseline_file, plan.baseline).await?;

    let main_stores =
        stores::Stores::prepare(&cli.events, &cli.read_db, dir.path(), "main").await?;
    let outcome = measure_backend(&client, &main_stores, dir.path(), plan, &mut figures).await;
    main_stores.clean_up().await;
    outcome?;

    eprintln!("baseline: bare SQLite append again, after the command phases ...");
    let after = baselines::sqlite_single_insert(&baseline_file, plan.baseline).await?;
    figures.sqlite_tx_per_s = Some((before + after) / 2.0);
    figures.sqlite_tx_per_s_runs = (before, after);

    eprintln!("projection lag: appends through the library's event store ...");
    let lag_stores = stores::Stores::prepare(&cli.events, &cli.read_db, dir.path(), "lag").await?;
    let outcome = lag::projection_lag(&lag_stores, dir.path(), plan).await;
    lag_stores.clean_up().await;
    figures.projection_lag = Some(outcome?);

    if plan.quick {
        figures.rebuild_skipped = Some("quick run".into());
        figures.console_skipped = Some("quick run".into());
    } else if !cli.events.starts_with("sqlite") {
        let why = "the log is generated as an SQLite file; run with --events sqlite";
        figures.rebuild_skipped = Some(why.into());
        figures.console_skipped = Some(why.into());
    } else {
        let console = match console::binary() {
            Ok(console) => Some(console),
            Err(why) => {
                eprintln!("console: skipped: {why}");
                figures.console_skipped = Some(why);
                None
            }
        };
        if let Some(console) = &console {
            eprintln!("console: on a log of {SHORT_LOG} events ...");
            let stores =
                stores::Stores::prepare(&cli.events, &cli.read_db, dir.path(), "console").await?;
            let outcome = console_on_short_log(&client, &stores, dir.path(), console).await;
            stores.clean_up().await;
            figures.console.push(outcome?);
        }
        eprintln!(
            "rebuild: generating a log of {} events ...",
            cli.rebuild_events
        );
        let rebuild_stores =
            stores::Stores::prepare(&cli.events, &cli.read_db, dir.path(), "rebuild").await?;
        let mut outcome =
            rebuild::rebuild(&client, &rebuild_stores, dir.path(), cli.rebuild_events).await;
        if let (Ok(_), Some(console)) = (&outcome, &console) {
            eprintln!("console: on the rebuilt log ...");
            let data = dir.path().join("rebuild-data");
            match console::on_log(&client, &rebuild_stores, &data, console, console::RUNS).await {
                Ok(long) => figures.console.push(long),
                Err(e) => outcome = Err(e),
            }
        }
        rebuild_stores.clean_up().await;
        figures.rebuild = Some(outcome?);
    }

    figures.load_average = (load_start, report::load_average());
    figures.quick = plan.quick;
    figures.stores = shown;
    figures.passengers = plan.passengers;
    report::print(&figures);
    Ok(())
}

/// The short log the console is measured on first, to hold its figures on the long log to.
const SHORT_LOG: u64 = 10_000;

async fn console_on_short_log(
    client: &reqwest::Client,
    stores: &stores::Stores,
    dir: &std::path::Path,
    console: &std::path::Path,
) -> Result<console::Figures, String> {
    let file = stores
        .events_file
        .as_ref()
        .ok_or("console: the log is generated as an SQLite file")?;
    rebuild::generate(file, SHORT_LOG).await?;
    console::on_log(
        client,
        stores,
        &dir.join("console-data"),
        console,
        console::RUNS,
    )
    .await
}

/// The phases against one running backend: the tour at 1, 8 and 32 operators, then the live
/// audit stream under load from 8.
async fn measure_backend(
    client: &reqwest::Client,
    stores: &stores::Stores,
    dir: &std::path::Path,
    plan: Plan,
    figures: &mut Figures,
) -> Result<(), String> {
    let mut backend = child::Child::spawn_backend(stores, &dir.join("main-data"), false)?;
    let base = backend.wait_address().await?;
    eprintln!("backend at {base} (pid {})", backend.pid());
    eprintln!("warm-up, 8 operators ...");
    load::tours(client, &base, 8, plan.warmup, plan.passengers).await?;
    for operators in [1usize, 8, 32] {
        eprintln!("tour: {operators} operators ...");
        let cpu_before = backend.cpu_time();
        let run = load::tours(client, &base, operators, plan.phase, plan.passengers).await?;
        if let (32, Some(before), Some(after)) = (operators, cpu_before, backend.cpu_time()) {
            if run.count > 0 {
                let used = after.saturating_sub(before).as_secs_f64();
                figures.backend_cpu_us_per_command = Some(used * 1e6 / run.count as f64);
            }
        }
        figures.tours.push((operators, run));
    }
    figures.backend_rss_mb = backend.peak_rss_mb();
    eprintln!("live audit stream: 8 operators in the background ...");
    let live = lag::live_audit(client, &base, plan).await?;
    figures.live_audit = Some(live.delivery);
    figures.live_audit_answer = Some(live.answer);
    figures.backend_rss_mb = backend.peak_rss_mb().or(figures.backend_rss_mb);
    figures.events_written = load::head_position(client, &base).await.ok().flatten();
    backend.stop().await;
    Ok(())
}
