//! The feed service: posts, comments and likes, and timelines: fanned out on write for
//! ordinary authors, merged on read for authors with very many followers.

mod domain;
mod error;
pub mod fanout;
pub mod handlers;
pub mod openapi;
pub mod repo;
pub mod wire;

use std::sync::Arc;

use cs_auth::Tokens;
use cs_aws::S3Store;
use cs_db::{Migration, Pool};
use cs_events::{BoxBatch, Relay, SqsEvent};
use cs_http::handler;
use cs_platform::{
    Function::{Http, Sqs},
    Functions, Platform, Service,
};

pub use error::FeedError;

pub const MIGRATIONS: &[Migration] = &[
    Migration { id: "feed/0001_feed", sql: include_str!("../migrations/0001_feed.sql") },
    Migration { id: "feed/0002_post_media", sql: include_str!("../migrations/0002_post_media.sql") },
    Migration { id: "feed/0003_celebrity_index", sql: include_str!("../migrations/0003_celebrity_index.sql") },
    Migration { id: "feed/0004_grants", sql: include_str!("../migrations/0004_grants.sql") },
    Migration { id: "feed/0005_search_documents", sql: include_str!("../migrations/0005_search_documents.sql") },
];

/// Authors with at least this many followers are merged into timelines on read.
pub const DEFAULT_CELEBRITY_FOLLOWERS: i64 = 10_000;

pub struct App {
    pub db: Pool,
    pub relay: Relay,
    /// Checks optional Bearer tokens on public routes.
    pub tokens: Tokens,
    pub celebrity_followers: i64,
    /// The media bucket, for the URLs of attached uploads.
    pub store: S3Store,
}

/// The feed service's own settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// `CELEBRITY_FOLLOWERS`: authors with at least this many followers are merged on read.
    pub celebrity_followers: i64,
}

impl Service for App {
    const CRATE: &'static str = "feed";
    type Config = Config;

    fn config_from_env() -> anyhow::Result<Config> {
        let celebrity_followers = std::env::var("CELEBRITY_FOLLOWERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_CELEBRITY_FOLLOWERS);
        Ok(Config { celebrity_followers })
    }

    fn new(platform: &Platform, config: Config) -> anyhow::Result<Self> {
        let db = platform.pool("cs_feed")?;
        Ok(App {
            store: platform.media_store(),
            relay: platform.relay(&db),
            db,
            tokens: platform.tokens()?,
            celebrity_followers: config.celebrity_followers,
        })
    }

    fn functions() -> Functions<App> {
        vec![
            ("feed-create-post", Http(handler!(App, handlers::create_post))),
            ("feed-get-post", Http(handler!(App, handlers::get_post))),
            ("feed-update-post", Http(handler!(App, handlers::update_post))),
            ("feed-delete-post", Http(handler!(App, handlers::delete_post))),
            ("feed-like", Http(handler!(App, handlers::like))),
            ("feed-unlike", Http(handler!(App, handlers::unlike))),
            ("feed-create-comment", Http(handler!(App, handlers::create_comment))),
            ("feed-list-comments", Http(handler!(App, handlers::list_comments))),
            ("feed-delete-comment", Http(handler!(App, handlers::delete_comment))),
            ("feed-home", Http(handler!(App, handlers::home))),
            ("feed-user-posts", Http(handler!(App, handlers::user_posts))),
            ("feed-public", Http(handler!(App, handlers::public))),
            ("feed-fanout", Sqs(fanout)),
        ]
    }
}

/// The `feed-fanout` function: a batch from the timeline queue.
pub fn fanout(app: Arc<App>, batch: SqsEvent) -> BoxBatch {
    Box::pin(async move { fanout::consume(&app, batch).await })
}
