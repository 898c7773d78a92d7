//! `flightdeck-bench seed`: a data directory with a realistic log and the read model a live
//! projection would have left, for tests and measurements that need a long history. The log is
//! written straight into SQLite (as the rebuild benchmark writes it); the read model is built by
//! the backend itself, so it is exactly what serving that log produces.

use crate::rebuild::generate;
use flightdeck_backend::config::Config;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long the backend may take to project the seeded log.
const PROJECTED_WITHIN: Duration = Duration::from_secs(1800);

pub async fn seed(dir: &Path, events: u64) -> Result<(), String> {
    let config = Config::embedded(dir.to_owned());
    let log = dir.join("events.db");
    if log.exists() {
        return Err(format!(
            "{} holds an event log already; seed writes a new one into an empty directory",
            dir.display()
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let started = Instant::now();
    let written = generate(&log, events).await?;
    eprintln!(
        "seed: {written} events written in {:.1} s; building the read model ...",
        started.elapsed().as_secs_f64()
    );
    let projecting = Instant::now();
    let server = flightdeck_backend::start(config)
        .await
        .map_err(|e| format!("the backend did not start: {e}"))?;
    let base = format!("http://{}", server.addr());
    let built = crate::child::wait_ready(&reqwest::Client::new(), &base, PROJECTED_WITHIN).await;
    if let Err(e) = built {
        server.shutdown().await;
        return Err(format!("the read model was not built: {e}"));
    }
    server.shutdown().await;
    println!(
        "seeded {} with {written} events in {:.1} s (read model {:.1} s); serve it with: flightdeck-backend --data-dir {}",
        dir.display(),
        started.elapsed().as_secs_f64(),
        projecting.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flightdeck_backend::server::open_existing_stores;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_seeded_directory_is_a_log_and_the_read_model_it_makes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("seeded");
        seed(&data, 500).await.expect("seeded");
        let config = Config::embedded(data.clone());
        let (store, read_model) = open_existing_stores(&config)
            .await
            .expect("the stores are there");
        let report = flightdeck_backend::verify::verify(store.as_ref(), &read_model)
            .await
            .expect("verified");
        assert!(report.events >= 500, "{} events", report.events);
        assert_eq!(report.pending, 0, "the read model holds the whole log");
        assert!(report.differences.is_empty(), "{:?}", report.differences);
        let again = seed(&data, 10).await.expect_err("a second seed is refused");
        assert!(again.contains("holds an event log already"), "{again}");
    }
}
