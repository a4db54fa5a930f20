//! The media service: presigned uploads straight to S3; the object-created event (S3 →
//! SQS) runs a consumer that checks the file is what was declared, records its size and
//! dimensions, makes a thumbnail, and marks it ready or rejected.

pub mod consumer;
pub mod domain;
pub mod handlers;
pub mod openapi;
pub mod repo;
pub mod wire;

use std::{sync::Arc, time::Duration};

use cs_auth::Tokens;
use cs_aws::S3Store;
use cs_db::{Migration, Pool};
use cs_events::{BoxBatch, SqsEvent};
use cs_http::handler;
use cs_platform::{
    Function::{Http, Sqs},
    Functions, Platform, Service,
};

pub use domain::Limits;
pub use wire::MediaView;

pub const MIGRATIONS: &[Migration] = &[
    Migration { id: "media/0001_media", sql: include_str!("../migrations/0001_media.sql") },
    Migration { id: "media/0002_read_model", sql: include_str!("../migrations/0002_read_model.sql") },
    Migration { id: "media/0003_purpose", sql: include_str!("../migrations/0003_purpose.sql") },
];

/// Where uploads go in the bucket; the bucket notifies the media queue for this prefix only.
pub const UPLOAD_PREFIX: &str = "uploads/";

/// How long presigned URLs work.
pub const URL_TTL: Duration = cs_readmodel::MEDIA_URL_TTL;

pub struct App {
    pub db: Pool,
    pub store: S3Store,
    /// The private bucket of `item_file` uploads (no CDN, presigned URLs only).
    pub item_files: S3Store,
    /// Checks optional Bearer tokens (`GET /media/{id}` of a private file).
    pub tokens: Tokens,
    pub limits: Limits,
}

/// The media service's own settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub limits: Limits,
}

impl Service for App {
    const CRATE: &'static str = "media";
    type Config = Config;

    fn config_from_env() -> anyhow::Result<Config> {
        Ok(Config { limits: Limits::from_env() })
    }

    fn new(platform: &Platform, config: Config) -> anyhow::Result<Self> {
        Ok(App {
            db: platform.pool("cs_media")?,
            store: platform.media_store(),
            item_files: platform.item_files_store(),
            tokens: platform.tokens()?,
            limits: config.limits,
        })
    }

    fn functions() -> Functions<App> {
        vec![
            ("media-create-upload", Http(handler!(App, handlers::create_upload))),
            ("media-get", Http(handler!(App, handlers::get_media))),
            ("media-process", Sqs(process)),
        ]
    }
}

/// The `media-process` function: S3 object-created events from the media queue.
pub fn process(app: Arc<App>, batch: SqsEvent) -> BoxBatch {
    Box::pin(async move { consumer::consume(&app, batch).await })
}
