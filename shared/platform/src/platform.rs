use std::sync::{Arc, OnceLock};

use cs_auth::{SigningKey, Tokens};
use cs_aws::{DynamoConnections, DynamoRateLimiter, Realtime, S3Store, SqsQueue};
use cs_db::Pool;
use cs_events::Relay;
use cs_mail::SmtpMailer;

use crate::{KeySource, Settings};

/// The settings and clients every service shares, built once per process (a Lambda's cold
/// start, or the local gateway's start). Clients are cheap handles over one SDK config.
#[derive(Clone)]
pub struct Platform {
    pub settings: Settings,
    pub aws: aws_config::SdkConfig,
    queue: Arc<SqsQueue>,
    tokens: OnceLock<Tokens>,
}

impl Platform {
    pub async fn from_env() -> anyhow::Result<Self> {
        Ok(Self::new(Settings::from_env()?).await)
    }

    pub async fn new(settings: Settings) -> Self {
        let aws = cs_aws::sdk_config().await;
        let queue = Arc::new(SqsQueue::new(cs_aws::sqs(&aws), &settings.queue_prefix));
        Platform { settings, aws, queue, tokens: OnceLock::new() }
    }

    /// A pool whose connections act as `role` (a Postgres role per service): a service can
    /// write only its own tables and read only what others grant it (the read models).
    pub fn pool(&self, role: &str) -> anyhow::Result<Pool> {
        Ok(cs_db::connect_as(&self.settings.database_url, role, self.settings.pool_size)?)
    }

    /// The platform's queues (names prefixed by `QUEUE_PREFIX`).
    pub fn queue(&self) -> Arc<SqsQueue> {
        Arc::clone(&self.queue)
    }

    /// Publishes what `db`'s transactions wrote to the outbox.
    pub fn relay(&self, db: &Pool) -> Relay {
        let queue = match &self.settings.relay_sqs_endpoint {
            Some(endpoint) => {
                let config = aws_sdk_sqs::config::Builder::from(&self.aws).endpoint_url(endpoint).build();
                let client = cs_aws::Lazy::new(move || aws_sdk_sqs::Client::from_conf(config.clone()));
                Arc::new(SqsQueue::new(client, &self.settings.queue_prefix))
            }
            None => self.queue(),
        };
        Relay::new(db.clone(), queue)
    }

    /// Issues and checks access tokens; the key is read (or made, locally) once.
    pub fn tokens(&self) -> anyhow::Result<Tokens> {
        let s = &self.settings;
        let tokens = crate::get_or_try_init(&self.tokens, || {
            let key = match &s.jwt_key {
                KeySource::Pem(pem) => SigningKey::from_pem(pem)?,
                KeySource::File(path) => SigningKey::load_or_generate(path)?,
            };
            anyhow::Ok(Tokens::new(key, &s.jwt_issuer, &s.jwt_audience, s.access_token_ttl))
        })?;
        Ok(tokens.clone())
    }

    pub fn media_store(&self) -> S3Store {
        S3Store::new(&self.aws, &self.settings.media_bucket, self.settings.media_public_endpoint.as_deref())
    }

    /// The private bucket of files sold in the marketplace: presigned URLs only, never the
    /// CDN. Locally its URLs, like the media bucket's, go through the gateway's S3 proxy.
    pub fn item_files_store(&self) -> S3Store {
        S3Store::private(&self.aws, &self.settings.item_files_bucket, self.settings.media_public_endpoint.as_deref())
    }

    /// The WebSocket connections and the push to them, where a WebSocket API is configured.
    pub fn realtime(&self) -> Option<Realtime> {
        let endpoint = self.settings.websocket_endpoint.as_deref()?;
        Some(Realtime::new(&self.aws, &self.settings.connections_table, endpoint))
    }

    /// The table of WebSocket connections (`CONNECTIONS_TABLE`).
    pub fn connections(&self) -> DynamoConnections {
        DynamoConnections::new(cs_aws::dynamodb(&self.aws), &self.settings.connections_table)
    }

    pub fn rate_limiter(&self) -> DynamoRateLimiter {
        DynamoRateLimiter::new(
            cs_aws::dynamodb(&self.aws),
            &self.settings.rate_limit_table,
            &self.settings.rate_limit_prefix,
            self.settings.rate_limit_clock.clone(),
        )
    }

    pub fn mailer(&self) -> anyhow::Result<SmtpMailer> {
        SmtpMailer::new(&self.settings.smtp_url, &self.settings.mail_from)
    }
}
