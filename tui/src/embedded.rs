//! The embedded default: the backend library in this process, on a loopback port, with its
//! SQLite files under the data directory. The console then talks to it over HTTP like any other.

use color_eyre::eyre::{eyre, WrapErr};
use std::path::Path;

pub struct Embedded {
    server: flightdeck_backend::Server,
}

impl Embedded {
    /// A token, when given, is required by the backend as well: the same flag then works for
    /// the embedded backend and a remote one. Loopback-only, it needs none.
    pub async fn start(data_dir: &Path, token: Option<&str>) -> color_eyre::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .wrap_err_with(|| format!("cannot create the data directory {}", data_dir.display()))?;
        let mut config = flightdeck_backend::Config::embedded(data_dir.to_path_buf());
        config.token = token
            .filter(|t| !t.is_empty())
            .map(|t| flightdeck_backend::config::Token::new(t.to_owned()));
        let server = flightdeck_backend::start(config)
            .await
            .map_err(|e| eyre!(e))
            .wrap_err_with(|| {
                format!(
                    "cannot start the embedded backend in {}",
                    data_dir.display()
                )
            })?;
        Ok(Self { server })
    }

    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.server.addr())
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
