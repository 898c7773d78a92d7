//! Starting and stopping the backend: open the stores, start the projection, serve HTTP.

use crate::api::{self, ApiState};
use crate::command::Commands;
use crate::config::{Config, EventsDb};
use crate::connections;
use crate::event_store::esdb::EsdbEventStore;
use crate::event_store::sqlite::SqliteEventStore;
use crate::event_store::{EventStore, StoreError};
use crate::projection::Projection;
use crate::read_model::{ReadDb, ReadModel, ReadModelError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

/// Whole audit lists written at once; more wait their turn.
const WHOLE_READS: usize = 4;
/// How long requests in flight get to finish at shutdown.
const DRAIN: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    EventStore(#[from] StoreError),
    #[error(transparent)]
    ReadModel(#[from] ReadModelError),
    #[error("there is no event log at {0}: check --data-dir or --events (nothing was created)")]
    NoEventLog(PathBuf),
    #[error("there is no read model at {0}: check --data-dir or --read-db (nothing was created)")]
    NoReadModel(PathBuf),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A running backend.
pub struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    serving: JoinHandle<()>,
    projection: JoinHandle<()>,
}

pub async fn start(config: Config) -> Result<Server, StartError> {
    let (store, read_model) = open_stores(&config).await?;
    if config.rebuild {
        tracing::info!("emptying the read model; it is rebuilt from the event log");
        read_model.reset().await?;
    }
    let (projection, projection_task) = Projection::spawn(store.clone(), read_model.clone());
    let (closing_tx, closing) = watch::channel(false);
    let closing_rx = closing.clone();
    if config.token.is_none() && !config.bind.ip().is_loopback() {
        tracing::warn!(bind = %config.bind, "listening beyond this machine without a token: anyone who can reach it can change flights; set --token or FLIGHTDECK_TOKEN");
    }
    let app = Arc::new(ApiState {
        closing,
        token: config.token.clone(),
        streams: Arc::new(tokio::sync::Semaphore::new(config.max_streams)),
        whole_reads: Arc::new(tokio::sync::Semaphore::new(WHOLE_READS)),
        request_timeout: config.request_timeout,
        about: api::About::new(&config),
        commands: Commands::new(
            store.clone(),
            read_model.clone(),
            projection.clone(),
            config.read_your_writes,
        ),
        read_model,
        projection,
        store,
    });
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.bind,
        source,
    })?;
    let (stop, stopped) = oneshot::channel::<()>();
    let router = api::router(app);
    let max_connections = connections::connection_cap(config.max_connections);
    let header_wait = config.request_timeout.min(connections::MAX_HEADER_WAIT);
    let serving = tokio::spawn(async move {
        let serve = connections::serve(listener, router, max_connections, header_wait, closing_rx);
        tokio::pin!(serve);
        tokio::select! {
            _ = &mut serve => {}
            _ = stopped => {
                closing_tx.send_replace(true);
                serve.await;
            }
        }
    });
    tracing::info!(%addr, "serving the Flightdeck API under /api");
    Ok(Server {
        addr,
        stop,
        serving,
        projection: projection_task,
    })
}

/// Opens the event store and the read model the configuration names, which must exist: what an
/// operator's one-off task (`verify`, `park`) needs, so that a mistyped directory is an error
/// instead of a new, empty store.
pub async fn open_existing_stores(
    config: &Config,
) -> Result<(Arc<dyn EventStore>, ReadModel), StartError> {
    if let EventsDb::Sqlite(path) = &config.events {
        if !path.is_file() {
            return Err(StartError::NoEventLog(path.clone()));
        }
    }
    if let ReadDb::Sqlite(path) = &config.read_db {
        if !path.is_file() {
            return Err(StartError::NoReadModel(path.clone()));
        }
    }
    open_stores(config).await
}

/// Opens the event store and the read model the configuration names, creating what is missing.
pub async fn open_stores(config: &Config) -> Result<(Arc<dyn EventStore>, ReadModel), StartError> {
    for dir in config.directories() {
        std::fs::create_dir_all(dir).map_err(|source| StartError::DataDir {
            path: dir.to_owned(),
            source,
        })?;
    }
    let store: Arc<dyn EventStore> = match &config.events {
        EventsDb::Sqlite(path) => Arc::new(SqliteEventStore::open(path).await?),
        EventsDb::EventStoreDb(url) => Arc::new(EsdbEventStore::connect(url).await?),
    };
    let read_model = ReadModel::open(&config.read_db).await?;
    Ok((store, read_model))
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting requests, ends live streams, lets requests in flight finish for a moment,
    /// and stops the projection.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(());
        if tokio::time::timeout(DRAIN, &mut self.serving)
            .await
            .is_err()
        {
            self.serving.abort();
        }
        self.projection.abort();
        let _ = self.projection.await;
    }
}
