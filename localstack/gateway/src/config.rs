//! What the local gateway runs with, read from the environment.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use cs_manifest::Manifest;
use cs_platform::{Service, Settings};

use crate::{runtime::RuntimeConfig, websocket};

/// What the local gateway runs with: the platform's shared settings and each service's own
/// (both read from the environment exactly as a Lambda reads them), and the gateway's own.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub platform: Settings,
    pub user: user::Config,
    pub media: media::Config,
    pub feed: feed::Config,
    pub market: market::Config,
    pub search: search::Config,
    pub frontend_dir: Option<PathBuf>,
    pub cors_origins: Vec<String>,
    /// Overrides every queue's visibility timeout (tests use seconds, not minutes).
    pub visibility_timeout: Option<u32>,
    /// Poll queues and run schedules (off for tools that only serve HTTP).
    pub background: bool,
    /// Batches of one queue consumed at once while it backs up (`QUEUE_POLLERS`, default 5:
    /// where Lambda's event source mapping starts); one while it is quiet. One at a time made
    /// every consumer a single file; five on every queue at all times slowed the emulator
    /// until the relay's sends missed their budget and waited for the minute's sweep.
    pub queue_pollers: usize,
    /// Replaces every function's manifest timeout (tests of the timeout itself).
    pub function_timeout: Option<Duration>,
    /// Where the WebSocket API listens (port 0: any free port).
    pub websocket_addr: SocketAddr,
    pub websocket_idle_timeout: Duration,
    pub websocket_hard_timeout: Duration,
    /// Runtime mode (`GATEWAY_MODE=runtime`): every function runs as its Lambda binary in
    /// processes of its own; `None` runs them in-process.
    pub runtime: Option<RuntimeConfig>,
}

/// Where cargo writes: `CARGO_TARGET_DIR`, else the repository's `target/`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_root().join("target"), PathBuf::from)
}

/// The repository root, for default paths under `.local/` and `frontend/`.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl GatewayConfig {
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |k: &str| std::env::var(k).ok();
        let mut platform = Settings::from_env()?;
        // Many requests at once here, where a Lambda serves one.
        platform.pool_size = var("DATABASE_POOL_SIZE").and_then(|v| v.parse().ok()).unwrap_or(16);
        Ok(GatewayConfig {
            platform,
            user: user::App::config_from_env()?,
            media: media::App::config_from_env()?,
            feed: feed::App::config_from_env()?,
            market: market::App::config_from_env()?,
            search: search::App::config_from_env()?,
            frontend_dir: Some(var("FRONTEND_DIST").map_or_else(|| repo_root().join("frontend/dist"), PathBuf::from)),
            cors_origins: var("CORS_ORIGINS")
                .unwrap_or_else(|| {
                    "http://localhost:5173,http://127.0.0.1:5173,http://localhost:3000,http://127.0.0.1:3000".into()
                })
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            visibility_timeout: None,
            background: true,
            queue_pollers: var("QUEUE_POLLERS").and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(5),
            function_timeout: None,
            websocket_addr: SocketAddr::from((
                [127, 0, 0, 1],
                var("WEBSOCKET_PORT").and_then(|p| p.parse().ok()).unwrap_or(Manifest::load()?.websocket.local_port),
            )),
            websocket_idle_timeout: websocket::IDLE_TIMEOUT,
            websocket_hard_timeout: websocket::HARD_TIMEOUT,
            runtime: match var("GATEWAY_MODE").as_deref() {
                None | Some("" | "in-process") => None,
                Some("runtime") => Some(RuntimeConfig {
                    // What `make build-lambdas` writes; `make lambdas-dev` points this at
                    // the dev profile's binaries.
                    binaries: var("LAMBDA_BINARIES").map_or_else(|| target_dir().join("lambda"), PathBuf::from),
                    idle_timeout: Duration::from_secs(
                        var("LAMBDA_IDLE_SECONDS").and_then(|s| s.parse().ok()).unwrap_or(300),
                    ),
                }),
                Some(other) => anyhow::bail!("GATEWAY_MODE={other}: use in-process (the default) or runtime"),
            },
        })
    }
}
