//! `flightdeck`: starts the backend it needs (or finds the one named), sets the terminal up, runs
//! the console, and gives the terminal back as it was on quit, Ctrl-C, SIGTERM or a panic.

use clap::Parser;
use color_eyre::eyre::eyre;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use flightdeck_tui::api::{Api, Endpoints};
use flightdeck_tui::app::{App, Mode};
use flightdeck_tui::cli::{Cli, Target};
use flightdeck_tui::theme::Theme;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::io::{stdout, Stdout};

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let target = match cli.target() {
        Ok(target) => target,
        Err(message) => {
            eprintln!("flightdeck: {message}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(cli, target))
}

async fn run(cli: Cli, target: Target) -> color_eyre::Result<()> {
    #[cfg(feature = "embedded")]
    let mut embedded = None;
    let (endpoints, mode) = match target {
        Target::Remote(endpoints) => (endpoints, Mode::Remote),
        Target::Original(endpoints) => (endpoints, Mode::Original),
        #[cfg(feature = "embedded")]
        Target::Embedded(dir) => {
            let backend = flightdeck_tui::embedded::Embedded::start(&dir).await?;
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
    let api = Api::new(endpoints)?;
    let mut terminal = setup()?;
    let size = terminal.size()?;
    let app = App::new(
        Theme::from_env(),
        api.describe(),
        mode,
        Rect::new(0, 0, size.width, size.height),
    );
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    flightdeck_tui::runtime::spawn_input(tx.clone());
    flightdeck_tui::runtime::spawn_signals(tx.clone());
    let result =
        flightdeck_tui::runtime::run(&mut terminal, app, api, cli.poll_interval, tx, rx).await;
    restore();
    #[cfg(feature = "embedded")]
    if let Some(backend) = embedded {
        backend.shutdown().await;
    }
    result
}

fn setup() -> color_eyre::Result<Terminal<CrosstermBackend<Stdout>>> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // The report must land on the normal screen, in cooked mode, to be readable.
        restore();
        hook(info);
    }));
    enable_raw_mode()?;
    crossterm::execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )?;
    Ok(Terminal::new(CrosstermBackend::new(stdout()))?)
}

fn restore() {
    let _ = crossterm::execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}
