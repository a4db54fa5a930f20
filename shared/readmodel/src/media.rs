use std::time::Duration;

use chrono::{DateTime, Utc};
use cs_aws::S3Store;
use cs_db::{GenericClient, Row};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// How long a presigned media URL lives.
pub const MEDIA_URL_TTL: Duration = Duration::from_secs(15 * 60);

/// An upload, as `media_files` shows it.
#[derive(Debug, Clone)]
pub struct MediaFile {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub object_key: String,
    pub content_type: String,
    pub declared_size: i64,
    pub size: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub thumbnail_key: Option<String>,
    /// pending | ready | rejected
    pub status: String,
    pub reason: Option<String>,
    /// post | avatar | item_file | item_preview; an `item_file` lives in the private
    /// item-files bucket and only its uploader (and the marketplace, for buyers) reads it.
    pub purpose: String,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT id, owner_id, object_key, content_type, declared_size, size, width, height, \
                      thumbnail_key, status, reason, purpose, created_at FROM media_files";

impl TryFrom<&Row> for MediaFile {
    type Error = tokio_postgres::Error;

    fn try_from(r: &Row) -> Result<Self, Self::Error> {
        Ok(MediaFile {
            id: r.try_get("id")?,
            owner_id: r.try_get("owner_id")?,
            object_key: r.try_get("object_key")?,
            content_type: r.try_get("content_type")?,
            declared_size: r.try_get("declared_size")?,
            size: r.try_get("size")?,
            width: r.try_get("width")?,
            height: r.try_get("height")?,
            thumbnail_key: r.try_get("thumbnail_key")?,
            status: r.try_get("status")?,
            reason: r.try_get("reason")?,
            purpose: r.try_get("purpose")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

pub async fn media_by_id(db: &impl GenericClient, id: Uuid) -> Result<Option<MediaFile>, tokio_postgres::Error> {
    let sql = format!("{SELECT} WHERE id = $1");
    db.query_opt(&db.prepare_cached(&sql).await?, &[&id]).await?.as_ref().map(MediaFile::try_from).transpose()
}

pub async fn media_by_ids(db: &impl GenericClient, ids: &[Uuid]) -> Result<Vec<MediaFile>, tokio_postgres::Error> {
    let sql = format!("{SELECT} WHERE id = ANY($1)");
    db.query(&db.prepare_cached(&sql).await?, &[&ids]).await?.iter().map(MediaFile::try_from).collect()
}

/// An upload on the wire.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MediaView {
    pub id: Uuid,
    /// pending | ready | rejected
    pub status: String,
    pub content_type: String,
    pub size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// A presigned GET (or CDN URL) once ready.
    pub url: Option<String>,
    pub thumbnail_url: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
}

/// The wire view of `m`, with URLs to read it once it is ready.
pub async fn media_view(store: &S3Store, m: MediaFile) -> anyhow::Result<MediaView> {
    let ready = m.status == "ready";
    let url = if ready { Some(store.read_url(&m.object_key, MEDIA_URL_TTL).await?) } else { None };
    let thumbnail_url = match (&m.thumbnail_key, ready) {
        (Some(key), true) => Some(store.read_url(key, MEDIA_URL_TTL).await?),
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
