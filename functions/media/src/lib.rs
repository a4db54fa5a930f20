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

use cs_aws::S3Store;
use cs_db::{Migration, Pool};
use cs_events::{BoxBatch, SqsEvent, SqsHandler};
use cs_http::{handler, Handler};

pub use domain::Limits;
pub use wire::MediaView;

pub const MIGRATIONS: &[Migration] =
    &[Migration { id: "media/0001_media", sql: include_str!("../migrations/0001_media.sql") }];

/// Where uploads go in the bucket; the bucket notifies the media queue for this prefix only.
pub const UPLOAD_PREFIX: &str = "uploads/";

/// How long presigned URLs work.
pub const URL_TTL: Duration = Duration::from_secs(15 * 60);

pub struct App {
    pub db: Pool,
    pub store: S3Store,
    pub limits: Limits,
}

impl App {
    /// `MEDIA_BUCKET`, `MEDIA_PUBLIC_ENDPOINT` (where browsers reach S3, if not S3 itself),
    /// and the limits.
    pub async fn from_env() -> anyhow::Result<Self> {
        let aws = cs_aws::sdk_config().await;
        let bucket = std::env::var("MEDIA_BUCKET").unwrap_or_else(|_| "connectsphere-media".into());
        let public = std::env::var("MEDIA_PUBLIC_ENDPOINT").ok();
        Ok(App {
            db: cs_db::pool_from_env()?,
            store: S3Store::new(&aws, bucket, public.as_deref()),
            limits: Limits::from_env(),
        })
    }
}

/// The view of a media row, with its URLs (CDN or presigned) once it is ready.
pub async fn view(store: &S3Store, m: repo::MediaRow) -> anyhow::Result<MediaView> {
    let ready = m.status == "ready";
    let url = if ready { Some(store.read_url(&m.object_key, URL_TTL).await?) } else { None };
    let thumbnail_url = match (&m.thumbnail_key, ready) {
        (Some(key), true) => Some(store.read_url(key, URL_TTL).await?),
        _ => None,
    };
    Ok(MediaView {
        id: m.id,
        status: m.status,
        content_type: m.content_type,
        size: m.size.unwrap_or(m.declared_size),
        width: m.width,
        height: m.height,
        url,
        thumbnail_url,
        reason: m.reason,
    })
}

pub fn functions() -> Vec<(&'static str, Handler<App>)> {
    vec![
        ("media-create-upload", handler!(App, handlers::create_upload)),
        ("media-get", handler!(App, handlers::get_media)),
    ]
}

/// The `media-process` function: S3 object-created events from the media queue.
pub fn process(app: Arc<App>, batch: SqsEvent) -> BoxBatch {
    Box::pin(async move { consumer::consume(&app, batch).await })
}

pub fn consumers() -> Vec<(&'static str, SqsHandler<App>)> {
    vec![("media-process", process)]
}
