//! The media service's SQL.

use cs_db::GenericClient;
use uuid::Uuid;

/// An upload row: the same shape the read model shows other services.
pub use cs_readmodel::MediaFile as MediaRow;

const COLUMNS: &str = "id, owner_id, object_key, content_type, declared_size, size, width, height, thumbnail_key, status, reason, purpose, created_at";

pub async fn insert(
    db: &impl GenericClient,
    id: Uuid,
    owner: Uuid,
    key: &str,
    content_type: &str,
    size: i64,
    purpose: &str,
) -> anyhow::Result<()> {
    db.execute(
        &db.prepare_cached(
            "INSERT INTO media (id, owner_id, object_key, content_type, declared_size, purpose)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?,
        &[&id, &owner, &key, &content_type, &size, &purpose],
    )
    .await?;
    Ok(())
}

pub async fn by_id(db: &impl GenericClient, id: Uuid) -> anyhow::Result<Option<MediaRow>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE id = $1");
    Ok(db.query_opt(&db.prepare_cached(&sql).await?, &[&id]).await?.as_ref().map(MediaRow::try_from).transpose()?)
}

/// The pending upload stored under `key`, locked while it is checked.
pub async fn pending_by_key(db: &impl GenericClient, key: &str) -> anyhow::Result<Option<MediaRow>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE object_key = $1 AND status = 'pending' FOR UPDATE");
    Ok(db.query_opt(&db.prepare_cached(&sql).await?, &[&key]).await?.as_ref().map(MediaRow::try_from).transpose()?)
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
