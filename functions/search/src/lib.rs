//! Search across people, posts and items. The index sits behind the [`SearchIndex`] port;
//! its Postgres adapter ([`PgIndex`]) owns the `search_*` tables, and its OpenSearch adapter
//! ([`opensearch::OpenSearchIndex`]) serves when `OPENSEARCH_URL` is set. An indexer consumer keeps
//! the index in step with the events of the user, feed and market services: it re-reads
//! each document through the read model and writes it with its version, so a stale event
//! never wins; blocks are applied at query time (no lag). `search-reindex` rebuilds it all.

pub mod handlers;
pub mod index;
pub mod indexer;
pub mod openapi;
pub mod opensearch;
pub mod postgres;
pub mod wire;

mod error;

use std::sync::Arc;

use cs_auth::Tokens;
use cs_aws::S3Store;
use cs_db::{Migration, Pool};
use cs_events::{BoxBatch, BoxJob, SqsEvent};
use cs_http::handler;
use cs_platform::{
    Function::{Http, Scheduled, Sqs},
    Functions, Platform, Service,
};

pub use error::SearchError;
pub use index::SearchIndex;
pub use postgres::PgIndex;

pub const MIGRATIONS: &[Migration] = &[
    Migration { id: "search/0001_search", sql: include_str!("../migrations/0001_search.sql") },
    Migration { id: "search/0002_bounded_search", sql: include_str!("../migrations/0002_bounded_search.sql") },
];

pub struct App {
    pub db: Pool,
    pub index: Arc<dyn SearchIndex>,
    /// Checks optional Bearer tokens (a searcher's blocks hide people both ways).
    pub tokens: Tokens,
    /// The public media bucket: posts' media and items' previews in results.
    pub media: S3Store,
    pub config: Config,
    /// For `search-setup` (aws-sdk-opensearch) and SigV4.
    pub aws: aws_config::SdkConfig,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `MARKET_CURRENCIES` (as the marketplace; default EUR,USD,GBP): what `currency` may be.
    pub currencies: Vec<String>,
    /// `OPENSEARCH_*`: with a URL the index is OpenSearch; without, Postgres.
    pub opensearch: opensearch::OpenSearchConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            currencies: vec!["EUR".into(), "USD".into(), "GBP".into()],
            opensearch: opensearch::OpenSearchConfig { service: "es".into(), ..Default::default() },
        }
    }
}

impl Service for App {
    const CRATE: &'static str = "search";
    type Config = Config;

    fn config_from_env() -> anyhow::Result<Config> {
        let currencies = std::env::var("MARKET_CURRENCIES")
            .ok()
            .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>())
            .filter(|v| !v.is_empty());
        Ok(Config {
            currencies: currencies.unwrap_or_else(|| Config::default().currencies),
            opensearch: opensearch::OpenSearchConfig::from_env(),
        })
    }

    fn new(platform: &Platform, config: Config) -> anyhow::Result<Self> {
        let db = platform.pool("cs_search")?;
        let index: Arc<dyn SearchIndex> = match &config.opensearch.url {
            Some(url) => Arc::new(config.opensearch.index(url, &platform.aws)?),
            None => Arc::new(PgIndex::new(db.clone())),
        };
        Ok(App {
            index,
            aws: platform.aws.clone(),
            db,
            tokens: platform.tokens()?,
            media: platform.media_store(),
            config,
        })
    }

    fn functions() -> Functions<App> {
        vec![
            ("search-query", Http(handler!(App, handlers::search))),
            ("search-suggest-users", Http(handler!(App, handlers::suggest_users))),
            ("search-index", Sqs(index_events)),
            ("search-reindex", Scheduled(reindex)),
            ("search-setup", Scheduled(setup)),
        ]
    }
}

/// The `search-index` function: applies the events of the `search` queue to the index.
pub fn index_events(app: Arc<App>, batch: SqsEvent) -> BoxBatch {
    Box::pin(async move { indexer::consume(&app, batch).await })
}

/// The `search-reindex` function (`make reindex`): rebuilds the index from the read model.
pub fn reindex(app: Arc<App>) -> BoxJob {
    Box::pin(async move {
        let report = indexer::reindex(&app).await?;
        Ok(serde_json::to_value(report)?)
    })
}

/// The `search-setup` function (deploy time): the OpenSearch domain's endpoint and state,
/// then its index template and indices. Without OpenSearch configured it does nothing.
pub fn setup(app: Arc<App>) -> BoxJob {
    Box::pin(async move { opensearch::setup(&app.config.opensearch, &app.aws).await })
}
