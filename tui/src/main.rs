//! `flightdeck`: starts the backend it needs (or finds the one named), sets the terminal up, runs
//! the console, and gives the terminal back as it was on quit, Ctrl-C, SIGTERM or a panic.

use clap::{CommandFactory, FromArgMatches};
use color_eyre::eyre::eyre;
use flightdeck_tui::cli::{Cli, DemoArgs, Sub, Target};
use flightdeck_tui::client::{Client, Dialect, Endpoints};
use flightdeck_tui::console::Console;
use flightdeck_tui::demo::load::Shape;
use flightdeck_tui::demo::script::Script;
use flightdeck_tui::demo::visible::Director;
use flightdeck_tui::settings::{self, Settings};
use flightdeck_tui::status_bar::Mode;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::io::{stdout, IsTerminal, Stdout};

const NOT_A_TERMINAL: &str =
    "flightdeck: stdin or stdout is not a terminal, and the console needs \
one; without a screen, try `flightdeck demo --headless`";

fn main() {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Some(Sub::Completions { shell }) = &cli.command {
        clap_complete::generate(*shell, &mut Cli::command(), "flightdeck", &mut stdout());
        return;
    }
    // The config file, the token file and the CA certificate are all checked here: a problem
    // with any of them stops the start before a backend or a screen does.
    let settings = match settings::resolve(cli, &matches) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("flightdeck: {message}");
            std::process::exit(2);
        }
    };
    if let Some(Sub::Config) = &settings.cli.command {
        if let Err(e) = settings::print(&settings, &mut stdout()) {
            eprintln!("flightdeck: cannot print the settings: {e}");
            std::process::exit(1);
        }
        return;
    }
    for warning in &settings.warnings {
        eprintln!("flightdeck: {warning}");
    }
    if let Some(table) = settings.keys.clone() {
        flightdeck_tui::keymap::install(table);
    }
    let cli = settings.cli.clone();
    let target = match cli.target() {
        Ok(target) => target,
        Err(message) => {
            eprintln!("flightdeck: {message}");
            std::process::exit(2);
        }
    };
    let demo = match cli.command.clone() {
        Some(Sub::Demo(args)) => Some(args),
        _ => None,
    };
    // A broken script is refused before anything starts: no backend, no screen.
    let script = match &demo {
        Some(args) if !args.is_load() => {
            let parsed = match &args.script {
                Some(path) => flightdeck_tui::demo::parse::load(path),
                None => flightdeck_tui::demo::tour(),
            };
            match parsed {
                Ok(script) => Some(script),
                Err(e) => {
                    eprintln!("flightdeck: script refused: {e}");
                    std::process::exit(2);
                }
            }
        }
        _ => None,
    };
    // Raw mode on a pipe fails deep inside the terminal library with an OS error; say what is
    // wrong and what works without a screen, before any backend starts.
    let needs_screen = demo.as_ref().is_none_or(|args| !args.headless);
    if needs_screen && !(std::io::stdin().is_terminal() && stdout().is_terminal()) {
        eprintln!("{NOT_A_TERMINAL}");
        std::process::exit(2);
    }
    let result = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(color_eyre::Report::from)
        .and_then(|runtime| runtime.block_on(run(&settings, target, demo, script)));
    match result {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            // One plain line, as the backend prints for the same mistake: no colours, no
            // report, no backtrace hint, whatever the terminal or NO_COLOR say.
            eprintln!("flightdeck: {}", one_line(&e));
            std::process::exit(1);
        }
    }
}

/// An error and its causes in one line, each cause once.
fn one_line(error: &color_eyre::Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        // A wrapper often repeats its cause's text; say it once.
        if !parts.last().is_some_and(|last| last.ends_with(&text)) {
            parts.push(text);
        }
    }
    flightdeck_tui::text::one_line(&parts.join(": "))
}

/// Connects, runs what was asked, and says whether it all held (always true for the console).
async fn run(
    settings: &Settings,
    target: Target,
    demo: Option<DemoArgs>,
    script: Option<Script>,
) -> color_eyre::Result<bool> {
    let cli = &settings.cli;
    #[cfg(feature = "embedded")]
    let mut embedded = None;
    let (endpoints, mode) = match target {
        Target::Remote(endpoints) => (endpoints, Mode::Remote),
        Target::Original(endpoints) => (endpoints, Mode::Original),
        #[cfg(feature = "embedded")]
        Target::Embedded(dir) => {
            let backend =
                flightdeck_tui::embedded::Embedded::start(&dir, cli.token.as_deref()).await?;
            let endpoints = Endpoints::from_api(&backend.api_url()).map_err(|e| eyre!(e))?;
            embedded = Some(backend);
            (endpoints, Mode::Embedded)
        }
        #[cfg(not(feature = "embedded"))]
        Target::Embedded(_) => {
            let _ = Endpoints::from_api;
            return Err(eyre!(
                "this build has no embedded backend; pass --api URL or the three service URLs"
            ));
        }
    };
    let client = Client::with_trust(endpoints, cli.token.as_deref(), &settings.ca_certs)?;
    // How a backend reached by --api keeps its PUTs is learned from what it answers.
    let client = match mode {
        Mode::Embedded => client.knowing(Dialect::Flightdeck),
        Mode::Original => client.knowing(Dialect::Original),
        Mode::Remote => client,
    };
    let verdict = client.clone();
    let result = match (&demo, script) {
        (Some(args), _) if args.is_load() => {
            let shape = Shape {
                flights: args.flights.unwrap_or(10),
                passengers: args.passengers.unwrap_or(3),
                concurrency: args.concurrency.unwrap_or(4),
            };
            Ok(flightdeck_tui::demo::load::run(&client, shape, args.json, &mut stdout()).await)
        }
        (Some(args), Some(script)) if args.headless => {
            Ok(
                flightdeck_tui::demo::headless::run(&client, &script, args.json, &mut stdout())
                    .await,
            )
        }
        (Some(args), Some(script)) => {
            let mut director = Director::new(script, args.speed, args.exit);
            let result = console(settings, client, mode, Some(&mut director)).await;
            // The screen that showed the failure is gone (with --exit it went at once): say
            // it where it stays, now that the terminal is back.
            if let Some(failure) = director.failure() {
                eprintln!(
                    "flightdeck demo: {}",
                    flightdeck_tui::text::one_line(&failure)
                );
            }
            result.map(|()| !director.failed())
        }
        _ => console(settings, client, mode, None).await.map(|()| true),
    };
    // A refused certificate fails the run. The headless transcript has said why already; after
    // the console, the terminal is the operator's again, and the sentence stays in view there.
    let result = match verdict.tls_refusal() {
        Some(refusal) => {
            if demo.as_ref().is_none_or(|args| !args.headless) {
                eprintln!("flightdeck: {refusal}");
            }
            result.map(|_| false)
        }
        None => result,
    };
    #[cfg(feature = "embedded")]
    if let Some(backend) = embedded {
        backend.shutdown().await;
    }
    result
}

async fn console(
    settings: &Settings,
    client: Client,
    mode: Mode,
    director: Option<&mut Director>,
) -> color_eyre::Result<()> {
    let mut terminal = setup()?;
    let size = terminal.size()?;
    let state = Console::new(
        settings.theme,
        client.describe(),
        mode,
        Rect::new(0, 0, size.width, size.height),
    );
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    flightdeck_tui::runtime::spawn_input(tx.clone());
    flightdeck_tui::runtime::spawn_signals(tx.clone());
    let result = flightdeck_tui::runtime::run_directed(
        &mut terminal,
        state,
        client,
        settings.cli.poll_interval,
        tx,
        rx,
        director,
    )
    .await;
    restore();
    result
}

fn setup() -> color_eyre::Result<Terminal<CrosstermBackend<Stdout>>> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // The report must land on the normal screen, in cooked mode, to be readable.
        restore();
        hook(info);
    }));
    flightdeck_tui::terminal::enter()?;
    Ok(Terminal::new(CrosstermBackend::new(stdout()))?)
}

fn restore() {
    flightdeck_tui::terminal::leave();
}
