use clap::Parser;
use flightdeck_backend::config::{Config, Task};
use flightdeck_backend::server::open_existing_stores;
use flightdeck_backend::{start, Args, StartError};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs on stderr; stdout carries only what a script may read (the address, verify's report).
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();
    let task = args.command.clone();
    let config = match args.into_config() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("flightdeck-backend: {e}");
            return ExitCode::from(2);
        }
    };
    match task {
        Some(Task::Verify) => return verify(&config).await,
        Some(Task::Park { position, reason }) => return park(&config, position, &reason).await,
        None => {}
    }
    let server = match start(config).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("flightdeck-backend: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "flightdeck-backend listening on http://{}/api",
        server.addr()
    );
    stopped().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

async fn park(config: &Config, position: u64, reason: &str) -> ExitCode {
    let (store, read_model) = match open_existing_stores(config).await {
        Ok(stores) => stores,
        Err(e) => {
            eprintln!("flightdeck-backend park: {e}");
            return ExitCode::FAILURE;
        }
    };
    match flightdeck_backend::park::park(store.as_ref(), &read_model, position, reason).await {
        Ok(parked) => {
            println!(
                "parked position {position} ({} in {}): the projection goes on after it",
                parked.event_type, parked.stream
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("flightdeck-backend park: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn verify(config: &Config) -> ExitCode {
    let report = match open_existing_stores(config).await {
        Ok((store, read_model)) => {
            flightdeck_backend::verify::verify(store.as_ref(), &read_model).await
        }
        Err(e @ StartError::NoReadModel(_)) => {
            // The log is there and what it describes is not: that is the difference.
            println!("DIFFERENCE: {e}");
            println!("1 differences");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("flightdeck-backend verify: {e}");
            return ExitCode::FAILURE;
        }
    };
    match report {
        Ok(report) => {
            println!(
                "replayed {} events up to position {:?}; {} newer events not applied yet",
                report.events, report.checkpoint, report.pending
            );
            for parked in &report.parked {
                println!("PARKED: {parked}");
            }
            for difference in &report.differences {
                println!("DIFFERENCE: {difference}");
            }
            if report.differences.is_empty() {
                println!("no differences: the read model matches the log");
                ExitCode::SUCCESS
            } else {
                println!("{} differences", report.differences.len());
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("flightdeck-backend verify: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (how containers are stopped).
async fn stopped() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}
