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

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_vars(|key| std::env::var(key).ok())
    }

    /// From variables looked up by `lookup` (an empty value counts as unset).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = |key: &str| lookup(key).filter(|v| !v.is_empty());
        let var_or = |key: &str, default: &str| var(key).unwrap_or_else(|| default.to_string());
        let manifest = cs_manifest::Manifest::load()?;
        Ok(Settings {
            database_url: var("DATABASE_URL").context("DATABASE_URL is not set (locally: run `make services`)")?,
            pool_size: var("DATABASE_POOL_SIZE").and_then(|v| v.parse().ok()).unwrap_or(2),
            queue_prefix: var_or("QUEUE_PREFIX", ""),
            relay_sqs_endpoint: var("RELAY_SQS_ENDPOINT"),
            rate_limit_table: var_or("RATE_LIMIT_TABLE", "connectsphere-rate-limits"),
            rate_limit_prefix: var_or("RATE_LIMIT_PREFIX", ""),
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

    /// The variables [`Settings::from_env`] reads back into these settings: what the local
    /// gateway's runtime mode gives each function's process, so that a Lambda binary runs
    /// with exactly the settings the in-process functions have. The rate-limit clock is the
    /// one setting with no variable (tests that fix it run in-process).
    pub fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("DATABASE_URL", self.database_url.clone()),
            ("DATABASE_POOL_SIZE", self.pool_size.to_string()),
            ("QUEUE_PREFIX", self.queue_prefix.clone()),
            ("RATE_LIMIT_TABLE", self.rate_limit_table.clone()),
            ("RATE_LIMIT_PREFIX", self.rate_limit_prefix.clone()),
            ("MEDIA_BUCKET", self.media_bucket.clone()),
            ("CONNECTIONS_TABLE", self.connections_table.clone()),
            ("SMTP_URL", self.smtp_url.clone()),
            ("MAIL_FROM", self.mail_from.clone()),
            ("PUBLIC_URL", self.public_url.clone()),
            ("JWT_ISSUER", self.jwt_issuer.clone()),
            ("JWT_AUDIENCE", self.jwt_audience.clone()),
            ("ACCESS_TOKEN_TTL_SECONDS", self.access_token_ttl.as_secs().to_string()),
            ("RELAY_SQS_ENDPOINT", self.relay_sqs_endpoint.clone().unwrap_or_default()),
            ("MEDIA_PUBLIC_ENDPOINT", self.media_public_endpoint.clone().unwrap_or_default()),
            ("WEBSOCKET_API_ENDPOINT", self.websocket_endpoint.clone().unwrap_or_default()),
        ];
        match &self.jwt_key {
            KeySource::Pem(pem) => env.push(("JWT_PRIVATE_KEY", pem.clone())),
            KeySource::File(path) => {
                env.push(("JWT_PRIVATE_KEY", String::new()));
                env.push(("JWT_PRIVATE_KEY_FILE", path.display().to_string()));
            }
        }
        env
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn settings_survive_the_trip_through_variables() {
        let vars: HashMap<&str, &str> = [
            ("DATABASE_URL", "postgres://x@127.0.0.1:5432/db"),
            ("DATABASE_POOL_SIZE", "7"),
            ("QUEUE_PREFIX", "t1-"),
            ("RATE_LIMIT_PREFIX", "abc:"),
            ("RELAY_SQS_ENDPOINT", "http://127.0.0.1:1"),
            ("WEBSOCKET_API_ENDPOINT", "http://127.0.0.1:3001"),
            ("JWT_PRIVATE_KEY_FILE", "/tmp/key.pem"),
            ("ACCESS_TOKEN_TTL_SECONDS", "60"),
        ]
        .into();
        let settings = Settings::from_vars(|k| vars.get(k).map(|v| v.to_string())).unwrap_or_else(|e| panic!("{e}"));
        let env: HashMap<&str, String> = settings.to_env().into_iter().collect();
        let again = Settings::from_vars(|k| env.get(k).cloned()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{settings:?}"), format!("{again:?}"));
        assert_eq!(again.pool_size, 7);
        assert_eq!(again.relay_sqs_endpoint.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(again.rate_limit_prefix, "abc:");
        assert!(again.media_public_endpoint.is_none());
    }
}
