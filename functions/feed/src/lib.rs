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
use cs_aws::{S3Store, SqsQueue};
use cs_db::{Migration, Pool};
use cs_events::{BoxBatch, Relay, SqsEvent, SqsHandler};
use cs_http::{handler, Handler};

pub use error::FeedError;

pub const MIGRATIONS: &[Migration] = &[
    Migration { id: "feed/0001_feed", sql: include_str!("../migrations/0001_feed.sql") },
    Migration { id: "feed/0002_post_media", sql: include_str!("../migrations/0002_post_media.sql") },
    Migration { id: "feed/0003_celebrity_index", sql: include_str!("../migrations/0003_celebrity_index.sql") },
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

impl App {
    /// From the environment; `CELEBRITY_FOLLOWERS` sets the fan-out threshold.
    pub async fn from_env() -> anyhow::Result<Self> {
        let aws = cs_aws::sdk_config().await;
        let db = cs_db::pool_from_env()?;
        let queue = SqsQueue::new(cs_aws::sqs(&aws), std::env::var("QUEUE_PREFIX").unwrap_or_default());
        let bucket = std::env::var("MEDIA_BUCKET").unwrap_or_else(|_| "connectsphere-media".into());
        let public = std::env::var("MEDIA_PUBLIC_ENDPOINT").ok();
        Ok(App {
            store: S3Store::new(&aws, bucket, public.as_deref()),
            relay: Relay::new(db.clone(), Arc::new(queue)),
            db,
            tokens: Tokens::from_env()?,
            celebrity_followers: std::env::var("CELEBRITY_FOLLOWERS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_CELEBRITY_FOLLOWERS),
        })
    }
}

pub fn functions() -> Vec<(&'static str, Handler<App>)> {
    vec![
        ("feed-create-post", handler!(App, handlers::create_post)),
        ("feed-get-post", handler!(App, handlers::get_post)),
        ("feed-update-post", handler!(App, handlers::update_post)),
        ("feed-delete-post", handler!(App, handlers::delete_post)),
        ("feed-like", handler!(App, handlers::like)),
        ("feed-unlike", handler!(App, handlers::unlike)),
        ("feed-create-comment", handler!(App, handlers::create_comment)),
        ("feed-list-comments", handler!(App, handlers::list_comments)),
        ("feed-delete-comment", handler!(App, handlers::delete_comment)),
        ("feed-home", handler!(App, handlers::home)),
        ("feed-user-posts", handler!(App, handlers::user_posts)),
        ("feed-public", handler!(App, handlers::public)),
    ]
}

/// The `feed-fanout` function: a batch from the timeline queue.
pub fn fanout(app: Arc<App>, batch: SqsEvent) -> BoxBatch {
    Box::pin(async move { fanout::consume(&app, batch).await })
}

pub fn consumers() -> Vec<(&'static str, SqsHandler<App>)> {
    vec![("feed-fanout", fanout)]
}
