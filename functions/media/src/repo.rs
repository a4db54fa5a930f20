//! The media service's SQL.

use chrono::{DateTime, Utc};
use cs_db::{GenericClient, Row};
use uuid::Uuid;

pub struct MediaRow {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub object_key: String,
    pub content_type: String,
    pub declared_size: i64,
    pub size: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub thumbnail_key: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, owner_id, object_key, content_type, declared_size, size, width, height, thumbnail_key, status, reason, created_at";

impl From<&Row> for MediaRow {
    fn from(r: &Row) -> Self {
        MediaRow {
            id: r.get(0),
            owner_id: r.get(1),
            object_key: r.get(2),
            content_type: r.get(3),
            declared_size: r.get(4),
            size: r.get(5),
            width: r.get(6),
            height: r.get(7),
            thumbnail_key: r.get(8),
            status: r.get(9),
            reason: r.get(10),
            created_at: r.get(11),
        }
    }
}

pub async fn insert(
    db: &impl GenericClient,
    id: Uuid,
    owner: Uuid,
    key: &str,
    content_type: &str,
    size: i64,
) -> anyhow::Result<()> {
    db.execute(
        &db.prepare_cached(
            "INSERT INTO media (id, owner_id, object_key, content_type, declared_size) VALUES ($1, $2, $3, $4, $5)",
        )
        .await?,
        &[&id, &owner, &key, &content_type, &size],
    )
    .await?;
    Ok(())
}

pub async fn by_id(db: &impl GenericClient, id: Uuid) -> anyhow::Result<Option<MediaRow>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE id = $1");
    Ok(db.query_opt(&db.prepare_cached(&sql).await?, &[&id]).await?.as_ref().map(MediaRow::from))
}

/// The pending upload stored under `key`, locked while it is checked.
pub async fn pending_by_key(db: &impl GenericClient, key: &str) -> anyhow::Result<Option<MediaRow>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE object_key = $1 AND status = 'pending' FOR UPDATE");
    Ok(db.query_opt(&db.prepare_cached(&sql).await?, &[&key]).await?.as_ref().map(MediaRow::from))
}

pub async fn mark_ready(
    db: &impl GenericClient,
    id: Uuid,
    size: i64,
    dimensions: Option<(u32, u32)>,
    thumbnail: Option<&str>,
) -> anyhow::Result<()> {
    let (w, h) = dimensions.map(|(w, h)| (i32::try_from(w).ok(), i32::try_from(h).ok())).unwrap_or((None, None));
    db.execute(
        &db.prepare_cached(
            "UPDATE media SET status = 'ready', size = $2, width = $3, height = $4, thumbnail_key = $5, updated_at = now()
             WHERE id = $1",
        )
        .await?,
        &[&id, &size, &w, &h, &thumbnail],
    )
    .await?;
    Ok(())
}

pub async fn mark_rejected(db: &impl GenericClient, id: Uuid, size: Option<i64>, reason: &str) -> anyhow::Result<()> {
    db.execute(
        &db.prepare_cached(
            "UPDATE media SET status = 'rejected', size = $2, reason = $3, updated_at = now() WHERE id = $1",
        )
        .await?,
        &[&id, &size, &reason],
    )
    .await?;
    Ok(())
}

pub async fn by_ids(db: &impl GenericClient, ids: &[Uuid]) -> anyhow::Result<Vec<MediaRow>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE id = ANY($1)");
    Ok(db.query(&db.prepare_cached(&sql).await?, &[&ids]).await?.iter().map(MediaRow::from).collect())
}
