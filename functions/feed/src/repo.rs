//! The feed service's SQL.

use chrono::{DateTime, Utc};
use cs_db::{GenericClient, Row};
use cs_http::{Cursor, PageParams};
use cs_readmodel::UserSummary;
use uuid::Uuid;

use crate::FeedError;

pub struct PostRow {
    pub id: Uuid,
    pub content: String,
    pub media_url: Option<String>,
    pub like_count: i32,
    pub comment_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub liked_by_me: bool,
    pub media_id: Option<Uuid>,
    pub author: UserSummary,
}

/// A post, its author (the user read model, columns `author_*`), and whether `$1` (the
/// viewer, or NULL) liked it.
fn post_select() -> String {
    format!(
        "SELECT p.id, p.content, p.media_url, p.like_count, p.comment_count, p.created_at, p.updated_at,
            p.media_id, {},
            EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.user_id = $1) AS liked_by_me
         FROM posts p JOIN user_summaries a ON a.id = p.user_id",
        UserSummary::columns("a", "author_")
    )
}

impl TryFrom<&Row> for PostRow {
    type Error = tokio_postgres::Error;

    fn try_from(r: &Row) -> Result<Self, Self::Error> {
        Ok(PostRow {
            id: r.try_get("id")?,
            content: r.try_get("content")?,
            media_url: r.try_get("media_url")?,
            like_count: r.try_get("like_count")?,
            comment_count: r.try_get("comment_count")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            media_id: r.try_get("media_id")?,
            liked_by_me: r.try_get("liked_by_me")?,
            author: UserSummary::from_row(r, "author_")?,
        })
    }
}

pub async fn insert_post(
    db: &impl GenericClient,
    id: Uuid,
    author: Uuid,
    content: &str,
    media: Option<Uuid>,
) -> Result<DateTime<Utc>, FeedError> {
    let row = db
        .query_one(
            &db.prepare_cached(
                "INSERT INTO posts (id, user_id, content, media_id) VALUES ($1, $2, $3, $4) RETURNING created_at",
            )
            .await?,
            &[&id, &author, &content, &media],
        )
        .await?;
    Ok(row.get(0))
}

pub async fn post(db: &impl GenericClient, viewer: Option<Uuid>, id: Uuid) -> Result<Option<PostRow>, FeedError> {
    let sql = format!("{} WHERE p.id = $2", post_select());
    Ok(db
        .query_opt(&db.prepare_cached(&sql).await?, &[&viewer, &id])
        .await?
        .as_ref()
        .map(PostRow::try_from)
        .transpose()?)
}

/// The posts with these ids, in the order given (missing ones skipped).
pub async fn posts(db: &impl GenericClient, viewer: Option<Uuid>, ids: &[Uuid]) -> Result<Vec<PostRow>, FeedError> {
    let sql = format!("{} WHERE p.id = ANY($2)", post_select());
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&viewer, &ids]).await?;
    let mut found = rows.iter().map(PostRow::try_from).collect::<Result<Vec<_>, _>>()?;
    found.sort_by_key(|p| ids.iter().position(|id| *id == p.id));
    Ok(found)
}

pub async fn post_author(db: &impl GenericClient, id: Uuid) -> Result<Option<Uuid>, FeedError> {
    Ok(db
        .query_opt(&db.prepare_cached("SELECT user_id FROM posts WHERE id = $1").await?, &[&id])
        .await?
        .map(|r| r.get(0)))
}

pub async fn update_post(db: &impl GenericClient, id: Uuid, content: &str) -> Result<(), FeedError> {
    db.execute(
        &db.prepare_cached("UPDATE posts SET content = $2, updated_at = clock_timestamp() WHERE id = $1").await?,
        &[&id, &content],
    )
    .await?;
    Ok(())
}

/// Deletes the post; its comments, likes and timeline entries go with it (foreign keys).
pub async fn delete_post(db: &impl GenericClient, id: Uuid) -> Result<(), FeedError> {
    db.execute(&db.prepare_cached("DELETE FROM posts WHERE id = $1").await?, &[&id]).await?;
    Ok(())
}

/// Adds the like and the count in one statement. Returns whether the like is new;
/// `PostNotFound` if the post is gone.
pub async fn like(db: &impl GenericClient, post: Uuid, user: Uuid) -> Result<bool, FeedError> {
    let result = db
        .execute(
            &db.prepare_cached(
                "WITH l AS (INSERT INTO likes (post_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1)
                 UPDATE posts SET like_count = like_count + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM l)",
            )
            .await?,
            &[&post, &user],
        )
        .await;
    match result {
        Ok(n) => Ok(n > 0),
        Err(e) if e.as_db_error().and_then(|d| d.constraint()) == Some("likes_post_id_fkey") => {
            Err(FeedError::PostNotFound)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn unlike(db: &impl GenericClient, post: Uuid, user: Uuid) -> Result<(), FeedError> {
    db.execute(
        &db.prepare_cached(
            "WITH l AS (DELETE FROM likes WHERE post_id = $1 AND user_id = $2 RETURNING 1)
             UPDATE posts SET like_count = like_count - 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM l)",
        )
        .await?,
        &[&post, &user],
    )
    .await?;
    Ok(())
}

pub struct CommentRow {
    pub id: Uuid,
    pub post_id: Uuid,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub author: UserSummary,
}

/// A comment and its author (columns `author_*`).
fn comment_select() -> String {
    format!(
        "SELECT c.id, c.post_id, c.content, c.created_at, {} FROM comments c JOIN user_summaries a ON a.id = c.user_id",
        UserSummary::columns("a", "author_")
    )
}

impl TryFrom<&Row> for CommentRow {
    type Error = tokio_postgres::Error;

    fn try_from(r: &Row) -> Result<Self, Self::Error> {
        Ok(CommentRow {
            id: r.try_get("id")?,
            post_id: r.try_get("post_id")?,
            content: r.try_get("content")?,
            created_at: r.try_get("created_at")?,
            author: UserSummary::from_row(r, "author_")?,
        })
    }
}

/// Adds the comment and the count; `PostNotFound` if the post is gone.
pub async fn insert_comment(
    db: &impl GenericClient,
    id: Uuid,
    post: Uuid,
    author: Uuid,
    content: &str,
) -> Result<(), FeedError> {
    let n = db
        .execute(
            &db.prepare_cached("UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1").await?,
            &[&post],
        )
        .await?;
    if n == 0 {
        return Err(FeedError::PostNotFound);
    }
    db.execute(
        &db.prepare_cached("INSERT INTO comments (id, post_id, user_id, content) VALUES ($1, $2, $3, $4)").await?,
        &[&id, &post, &author, &content],
    )
    .await?;
    Ok(())
}

pub async fn comment(db: &impl GenericClient, id: Uuid) -> Result<Option<CommentRow>, FeedError> {
    let sql = format!("{} WHERE c.id = $1", comment_select());
    Ok(db.query_opt(&db.prepare_cached(&sql).await?, &[&id]).await?.as_ref().map(CommentRow::try_from).transpose()?)
}

/// Oldest first, `limit + 1` rows.
pub async fn comments(db: &impl GenericClient, post: Uuid, page: &PageParams) -> Result<Vec<CommentRow>, FeedError> {
    let (at, id) = page.cursor.map(|c| (Some(c.at), Some(c.id))).unwrap_or((None, None));
    let sql = format!(
        "{} WHERE c.post_id = $1 AND ($2::timestamptz IS NULL OR (c.created_at, c.id) > ($2, $3))
         ORDER BY c.created_at, c.id LIMIT $4",
        comment_select()
    );
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&post, &at, &id, &page.fetch()]).await?;
    Ok(rows.iter().map(CommentRow::try_from).collect::<Result<_, _>>()?)
}

pub async fn delete_comment(db: &impl GenericClient, id: Uuid, post: Uuid) -> Result<(), FeedError> {
    let n = db.execute(&db.prepare_cached("DELETE FROM comments WHERE id = $1").await?, &[&id]).await?;
    if n > 0 {
        db.execute(
            &db.prepare_cached("UPDATE posts SET comment_count = comment_count - 1 WHERE id = $1").await?,
            &[&post],
        )
        .await?;
    }
    Ok(())
}

/// Ids of users with these (lower-case) usernames.
pub async fn users_named(db: &impl GenericClient, names: &[String]) -> Result<Vec<Uuid>, FeedError> {
    let rows = db
        .query(&db.prepare_cached("SELECT id FROM user_summaries WHERE lower(username) = ANY($1)").await?, &[&names])
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// A page position in a timeline.
pub type Entry = (Uuid, DateTime<Utc>);

pub fn entry_cursor(e: &Entry) -> Cursor {
    Cursor { at: e.1, id: e.0 }
}

fn keyset(page: &PageParams) -> (Option<DateTime<Utc>>, Option<Uuid>) {
    page.cursor.map(|c| (Some(c.at), Some(c.id))).unwrap_or((None, None))
}

/// The reader's home timeline, newest first: their fanned-out entries, merged with the
/// recent posts of the authors they follow who have at least `celebrity` followers (those
/// are not fanned out). Each side reads at most a page, and the merge starts from the few
/// authors over the threshold (an index on `followers_count`), checking each with the
/// follow's primary key: the cost does not grow with how many people the reader follows.
pub async fn home(
    db: &impl GenericClient,
    reader: Uuid,
    celebrity: i64,
    page: &PageParams,
) -> Result<Vec<Entry>, FeedError> {
    let (at, id) = keyset(page);
    let rows = db
        .query(
            &db.prepare_cached(
                "(SELECT t.post_id, t.created_at FROM timelines t
                  WHERE t.user_id = $1 AND ($2::timestamptz IS NULL OR (t.created_at, t.post_id) < ($2, $3))
                  ORDER BY t.created_at DESC, t.post_id DESC LIMIT $4)
                 UNION
                 (SELECT p.id, p.created_at
                  FROM user_summaries a
                  CROSS JOIN LATERAL (
                      SELECT id, created_at FROM posts
                      WHERE user_id = a.id AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
                      ORDER BY created_at DESC, id DESC LIMIT $4) p
                  WHERE a.followers_count >= $5
                    AND EXISTS (SELECT 1 FROM user_follows f WHERE f.user_id = a.id AND f.follower_id = $1))
                 ORDER BY 2 DESC, 1 DESC LIMIT $4",
            )
            .await?,
            &[&reader, &at, &id, &page.fetch(), &celebrity],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// One author's posts, newest first.
pub async fn by_author(db: &impl GenericClient, author: Uuid, page: &PageParams) -> Result<Vec<Entry>, FeedError> {
    let (at, id) = keyset(page);
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT id, created_at FROM posts
                 WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
                 ORDER BY created_at DESC, id DESC LIMIT $4",
            )
            .await?,
            &[&author, &at, &id, &page.fetch()],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Every post, newest first.
pub async fn public(db: &impl GenericClient, page: &PageParams) -> Result<Vec<Entry>, FeedError> {
    let (at, id) = keyset(page);
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT id, created_at FROM posts
                 WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2))
                 ORDER BY created_at DESC, id DESC LIMIT $3",
            )
            .await?,
            &[&at, &id, &page.fetch()],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

// ---- timelines (fan-out on write) -----------------------------------------------------

/// Puts the post in its author's own timeline (at once, in the creating transaction).
pub async fn add_own(db: &impl GenericClient, post: Uuid, author: Uuid, at: DateTime<Utc>) -> Result<(), FeedError> {
    db.execute(
        &db.prepare_cached(
            "INSERT INTO timelines (user_id, post_id, author_id, created_at) VALUES ($1, $2, $1, $3) ON CONFLICT DO NOTHING",
        )
        .await?,
        &[&author, &post, &at],
    )
    .await?;
    Ok(())
}

/// Copies a new post into every follower's timeline, unless its author has at least
/// `celebrity` followers (merged on read instead). Returns the rows written.
pub async fn fan_out(db: &impl GenericClient, post: Uuid, celebrity: i64) -> Result<u64, FeedError> {
    Ok(db
        .execute(
            &db.prepare_cached(
                "INSERT INTO timelines (user_id, post_id, author_id, created_at)
                 SELECT f.follower_id, p.id, p.user_id, p.created_at
                 FROM posts p JOIN user_summaries a ON a.id = p.user_id AND a.followers_count < $2
                 JOIN user_follows f ON f.user_id = p.user_id
                 WHERE p.id = $1
                 ON CONFLICT DO NOTHING",
            )
            .await?,
            &[&post, &celebrity],
        )
        .await?)
}

/// After a follow: the followee's `recent` latest posts into the follower's timeline
/// (unless the followee is merged on read).
pub async fn backfill(
    db: &impl GenericClient,
    follower: Uuid,
    followee: Uuid,
    recent: i64,
    celebrity: i64,
) -> Result<u64, FeedError> {
    Ok(db
        .execute(
            &db.prepare_cached(
                "INSERT INTO timelines (user_id, post_id, author_id, created_at)
                 SELECT $1, p.id, p.user_id, p.created_at
                 FROM user_summaries a CROSS JOIN LATERAL (
                     SELECT id, user_id, created_at FROM posts WHERE user_id = a.id
                     ORDER BY created_at DESC, id DESC LIMIT $3) p
                 WHERE a.id = $2 AND a.followers_count < $4
                   AND EXISTS (SELECT 1 FROM user_follows WHERE user_id = $2 AND follower_id = $1)
                 ON CONFLICT DO NOTHING",
            )
            .await?,
            &[&follower, &followee, &recent, &celebrity],
        )
        .await?)
}

/// After an unfollow: the author's posts leave the reader's timeline (unless followed again).
pub async fn remove_author(db: &impl GenericClient, reader: Uuid, author: Uuid) -> Result<u64, FeedError> {
    Ok(db
        .execute(
            &db.prepare_cached(
                "DELETE FROM timelines WHERE user_id = $1 AND author_id = $2
                 AND NOT EXISTS (SELECT 1 FROM user_follows WHERE user_id = $2 AND follower_id = $1)",
            )
            .await?,
            &[&reader, &author],
        )
        .await?)
}
