//! Posts and items as the search service may know them: `post_documents`, `post_likes` (feed)
//! and `item_documents` (market), read by column name.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use cs_db::{GenericClient, Row};
use uuid::Uuid;

/// A post, as indexed and as shown in search results.
#[derive(Debug, Clone)]
pub struct PostDocument {
    pub id: Uuid,
    pub author_id: Uuid,
    pub content: String,
    pub media_url: Option<String>,
    pub media_id: Option<Uuid>,
    pub like_count: i32,
    pub comment_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PostDocument {
    fn from_row(r: &Row) -> Result<Self, tokio_postgres::Error> {
        Ok(PostDocument {
            id: r.try_get("id")?,
            author_id: r.try_get("author_id")?,
            content: r.try_get("content")?,
            media_url: r.try_get("media_url")?,
            media_id: r.try_get("media_id")?,
            like_count: r.try_get("like_count")?,
            comment_count: r.try_get("comment_count")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

/// An item listing (never its file's storage key). `price` is the decimal string.
#[derive(Debug, Clone)]
pub struct ItemDocument {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub title: String,
    pub description: String,
    pub price: String,
    pub currency: String,
    pub status: String,
    pub copies_left: Option<i32>,
    pub sales_count: i32,
    pub file_name: String,
    pub file_size: i64,
    pub preview_media_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ItemDocument {
    fn from_row(r: &Row) -> Result<Self, tokio_postgres::Error> {
        Ok(ItemDocument {
            id: r.try_get("id")?,
            seller_id: r.try_get("seller_id")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            price: r.try_get("price_text")?,
            currency: r.try_get("currency")?,
            status: r.try_get("status")?,
            copies_left: r.try_get("copies_left")?,
            sales_count: r.try_get("sales_count")?,
            file_name: r.try_get("file_name")?,
            file_size: r.try_get("file_size")?,
            preview_media_id: r.try_get("preview_media_id")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

const POST_COLUMNS: &str =
    "id, author_id, content, media_url, media_id, like_count, comment_count, created_at, updated_at";
const ITEM_COLUMNS: &str = "id, seller_id, title, description, price::text AS price_text, currency, status, \
     copies_left, sales_count, file_name, file_size, preview_media_id, created_at, updated_at";

/// The posts of these ids that still exist (any order).
pub async fn posts_by_ids(db: &impl GenericClient, ids: &[Uuid]) -> Result<Vec<PostDocument>, tokio_postgres::Error> {
    let sql = format!("SELECT {POST_COLUMNS} FROM post_documents WHERE id = ANY($1)");
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&ids]).await?;
    rows.iter().map(PostDocument::from_row).collect()
}

/// Up to `limit` posts with ids above `after`, by id: a full scan in pages (reindexing).
pub async fn posts_after(
    db: &impl GenericClient,
    after: Uuid,
    limit: i64,
) -> Result<Vec<PostDocument>, tokio_postgres::Error> {
    let sql = format!("SELECT {POST_COLUMNS} FROM post_documents WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&after, &limit]).await?;
    rows.iter().map(PostDocument::from_row).collect()
}

/// Which of these posts `viewer` liked.
pub async fn liked_by(
    db: &impl GenericClient,
    viewer: Uuid,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, tokio_postgres::Error> {
    let sql = "SELECT post_id FROM post_likes WHERE user_id = $1 AND post_id = ANY($2)";
    let rows = db.query(&db.prepare_cached(sql).await?, &[&viewer, &ids]).await?;
    rows.iter().map(|r| r.try_get("post_id")).collect()
}

/// The items of these ids (any status, any order).
pub async fn items_by_ids(db: &impl GenericClient, ids: &[Uuid]) -> Result<Vec<ItemDocument>, tokio_postgres::Error> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM item_documents WHERE id = ANY($1)");
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&ids]).await?;
    rows.iter().map(ItemDocument::from_row).collect()
}

/// Up to `limit` items with ids above `after`, by id (reindexing).
pub async fn items_after(
    db: &impl GenericClient,
    after: Uuid,
    limit: i64,
) -> Result<Vec<ItemDocument>, tokio_postgres::Error> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM item_documents WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&after, &limit]).await?;
    rows.iter().map(ItemDocument::from_row).collect()
}
