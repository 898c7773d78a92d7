use clap::Parser;
use flightdeck_backend::{start, Args};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = match Args::parse().into_config() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("flightdeck-backend: {e}");
            return ExitCode::from(2);
        }
    };
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
