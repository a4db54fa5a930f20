use std::{path::PathBuf, time::Duration};

use anyhow::Context;

/// Where the JWT signing key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `JWT_PRIVATE_KEY`: the PEM itself (in AWS, from a secret).
    Pem(String),
    /// `JWT_PRIVATE_KEY_FILE`: a file, generated on first use (local development).
    File(PathBuf),
}

/// Every setting the services share, each with its one default. Service-specific settings
/// live in each service's `Config`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    /// Connections per pool: Lambda serves one request at a time, so 2 is plenty there.
    pub pool_size: usize,
    /// Prefixed to queue names: stages (and tests) share an account, not queues.
    pub queue_prefix: String,
    /// Where the relay publishes, when not where the other SQS calls go (tests point it at
    /// a closed port to see events wait in the outbox).
    pub relay_sqs_endpoint: Option<String>,
    pub rate_limit_table: String,
    /// Prefixed to rate-limit keys: tests share the table, not the counters.
    pub rate_limit_prefix: String,
    /// What rate-limit windows are measured by (tests fix it, away from a window's edge).
    pub rate_limit_clock: cs_aws::Clock,
    pub media_bucket: String,
    /// Private files sold in the marketplace: never public, never on the CDN.
    pub item_files_bucket: String,
    /// Where browsers send presigned S3 requests (`None`: S3 itself).
    pub media_public_endpoint: Option<String>,
    pub connections_table: String,
    /// The WebSocket API's management endpoint; `None` where nothing pushes.
    pub websocket_endpoint: Option<String>,
    pub smtp_url: String,
    pub mail_from: String,
    /// The web app's address, for links in emails.
    pub public_url: String,
    pub jwt_key: KeySource,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
}

fn var(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

fn var_or(key: &str, default: &str) -> String {
    var(key).unwrap_or_else(|| default.to_string())
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        let manifest = cs_manifest::Manifest::load()?;
        Ok(Settings {
            database_url: var("DATABASE_URL").context("DATABASE_URL is not set (locally: run `make services`)")?,
            pool_size: var("DATABASE_POOL_SIZE").and_then(|v| v.parse().ok()).unwrap_or(2),
            queue_prefix: var_or("QUEUE_PREFIX", ""),
            relay_sqs_endpoint: None,
            rate_limit_table: var_or("RATE_LIMIT_TABLE", "connectsphere-rate-limits"),
            rate_limit_prefix: String::new(),
            rate_limit_clock: cs_aws::Clock::default(),
            media_bucket: var_or("MEDIA_BUCKET", "connectsphere-media"),
            item_files_bucket: var_or("ITEM_FILES_BUCKET", "connectsphere-item-files"),
            media_public_endpoint: var("MEDIA_PUBLIC_ENDPOINT"),
            connections_table: var_or("CONNECTIONS_TABLE", cs_aws::DEFAULT_CONNECTIONS_TABLE),
            websocket_endpoint: var("WEBSOCKET_API_ENDPOINT"),
            smtp_url: var_or("SMTP_URL", "smtp://127.0.0.1:1025"),
            mail_from: var_or("MAIL_FROM", "ConnectSphere <no-reply@connectsphere.dev>"),
            public_url: var_or("PUBLIC_URL", "http://127.0.0.1:3000"),
            jwt_key: match var("JWT_PRIVATE_KEY") {
                Some(pem) => KeySource::Pem(pem),
                None => KeySource::File(var_or("JWT_PRIVATE_KEY_FILE", ".local/jwt-private.pem").into()),
            },
            jwt_issuer: var("JWT_ISSUER").unwrap_or(manifest.http.jwt_issuer),
            jwt_audience: var("JWT_AUDIENCE").unwrap_or(manifest.http.jwt_audience),
            access_token_ttl: Duration::from_secs(
                var("ACCESS_TOKEN_TTL_SECONDS").and_then(|v| v.parse().ok()).unwrap_or(900),
            ),
        })
    }
}
