//! The marketplace: sellers list digital goods (a private file, a price, optionally a limited
//! number of copies); buyers order them, pay through the payment provider, and download what
//! they bought through expiring links, a limited number of times. Orders are kept consistent
//! by a saga: the order and `market.order_created` commit together; a consumer creates the
//! payment; the provider's signed webhook moves the order; a fulfilment consumer grants the
//! download; a schedule cancels orders left unpaid; a payment for a cancelled order is
//! refunded (the compensation).

pub mod domain;
mod error;
pub mod handlers;
pub mod openapi;
pub mod provider;
pub mod repo;
pub mod saga;
pub mod signature;
pub mod webhook;
pub mod wire;

use std::{sync::Arc, time::Duration};

use cs_auth::Tokens;
use cs_aws::S3Store;
use cs_db::{Migration, Pool};
use cs_events::{BoxBatch, BoxJob, Relay, SqsEvent};
use cs_http::handler;
use cs_platform::{
    Function::{Http, Scheduled, Sqs},
    Functions, Platform, Service,
};

pub use error::MarketError;
pub use provider::{PaymentProvider, SandboxProvider};

pub const MIGRATIONS: &[Migration] = &[
    Migration { id: "market/0001_market", sql: include_str!("../migrations/0001_market.sql") },
    Migration { id: "market/0002_grants", sql: include_str!("../migrations/0002_grants.sql") },
    Migration { id: "market/0003_search_documents", sql: include_str!("../migrations/0003_search_documents.sql") },
];

pub struct App {
    pub db: Pool,
    pub relay: Relay,
    /// Checks optional Bearer tokens (`GET /items/{id}`).
    pub tokens: Tokens,
    /// The public media bucket, for previews.
    pub media: S3Store,
    /// The private item-files bucket, for downloads (presigned GETs only, never the CDN).
    pub files: S3Store,
    pub provider: Arc<dyn PaymentProvider>,
    pub config: Config,
    /// The web app, for the order page the checkout returns to.
    pub public_url: String,
}

/// The market service's own settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DOWNLOAD_URL_TTL` (seconds, default 600): how long a download link works.
    pub download_url_ttl: Duration,
    /// `DOWNLOAD_LIMIT` (default 5): downloads per order.
    pub download_limit: i32,
    /// `ORDER_PAYMENT_TTL` (seconds, default 1800): an unpaid order is cancelled after it.
    pub order_payment_ttl: Duration,
    /// `PAYMENTS_URL`: the payment provider's API (locally the sandbox, `make services`).
    pub payments_url: String,
    /// `PAYMENT_WEBHOOK_SECRET`: comma-separated; any of them signs a valid event (rotation).
    /// None configured: every event is refused.
    pub webhook_secrets: Vec<String>,
    /// `PAYMENT_WEBHOOK_URL`: where the provider posts events for our payments (unset: the
    /// endpoint configured at the provider).
    pub webhook_url: Option<String>,
    /// `MARKET_CURRENCIES` (comma-separated ISO 4217 codes; default EUR,USD,GBP).
    pub currencies: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            download_url_ttl: Duration::from_secs(600),
            download_limit: 5,
            order_payment_ttl: Duration::from_secs(1800),
            payments_url: "http://127.0.0.1:4010".into(),
            webhook_secrets: Vec::new(),
            webhook_url: None,
            currencies: vec!["EUR".into(), "USD".into(), "GBP".into()],
        }
    }
}

fn list(raw: &str) -> Vec<String> {
    raw.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

impl Service for App {
    const CRATE: &'static str = "market";
    type Config = Config;

    fn config_from_env() -> anyhow::Result<Config> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let secs = |k: &str, d: Duration| var(k).and_then(|v| v.parse().ok()).map(Duration::from_secs).unwrap_or(d);
        let d = Config::default();
        Ok(Config {
            download_url_ttl: secs("DOWNLOAD_URL_TTL", d.download_url_ttl),
            download_limit: var("DOWNLOAD_LIMIT").and_then(|v| v.parse().ok()).unwrap_or(d.download_limit),
            order_payment_ttl: secs("ORDER_PAYMENT_TTL", d.order_payment_ttl),
            payments_url: var("PAYMENTS_URL").unwrap_or(d.payments_url),
            webhook_secrets: var("PAYMENT_WEBHOOK_SECRET").map(|v| list(&v)).unwrap_or_default(),
            webhook_url: var("PAYMENT_WEBHOOK_URL"),
            currencies: var("MARKET_CURRENCIES").map(|v| list(&v)).unwrap_or(d.currencies),
        })
    }

    fn new(platform: &Platform, config: Config) -> anyhow::Result<Self> {
        let db = platform.pool("cs_market")?;
        if config.webhook_secrets.is_empty() {
            tracing::warn!("PAYMENT_WEBHOOK_SECRET is not set: every payment webhook will be refused");
        }
        Ok(App {
            relay: platform.relay(&db),
            db,
            tokens: platform.tokens()?,
            media: platform.media_store(),
            files: platform.item_files_store(),
            provider: Arc::new(SandboxProvider::new(&config.payments_url)?),
            public_url: platform.settings.public_url.trim_end_matches('/').to_string(),
            config,
        })
    }

    fn functions() -> Functions<App> {
        vec![
            ("market-create-item", Http(handler!(App, handlers::create_item))),
            ("market-list-items", Http(handler!(App, handlers::list_items))),
            ("market-get-item", Http(handler!(App, handlers::get_item))),
            ("market-update-item", Http(handler!(App, handlers::update_item))),
            ("market-archive-item", Http(handler!(App, handlers::archive_item))),
            ("market-create-order", Http(handler!(App, handlers::create_order))),
            ("market-get-order", Http(handler!(App, handlers::get_order))),
            ("market-list-orders", Http(handler!(App, handlers::list_orders))),
            ("market-cancel-order", Http(handler!(App, handlers::cancel_order))),
            ("market-refund-order", Http(handler!(App, handlers::refund_order))),
            ("market-download", Http(handler!(App, handlers::download))),
            ("market-webhook", Http(handler!(App, webhook::receive))),
            ("market-payments", Sqs(payments)),
            ("market-fulfil", Sqs(fulfil)),
            ("market-expire-orders", Scheduled(expire_orders)),
        ]
    }
}

/// The `market-payments` function: creates payments and asks for refunds at the provider.
pub fn payments(app: Arc<App>, batch: SqsEvent) -> BoxBatch {
    Box::pin(async move { saga::consume_payments(&app, batch).await })
}

/// The `market-fulfil` function: grants the download of paid orders.
pub fn fulfil(app: Arc<App>, batch: SqsEvent) -> BoxBatch {
    Box::pin(async move { saga::consume_fulfilment(&app, batch).await })
}

/// The `market-expire-orders` function: cancels orders left unpaid past their time.
pub fn expire_orders(app: Arc<App>) -> BoxJob {
    Box::pin(async move {
        let expired = saga::expire_orders(&app).await?;
        Ok(serde_json::json!({ "expired": expired }))
    })
}
