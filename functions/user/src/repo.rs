//! The user service's SQL. Functions take any client (pool connection or transaction).

use chrono::{DateTime, Utc};
use cs_db::{unique_violation, GenericClient, Row};
use cs_http::{Cursor, PageParams};
use uuid::Uuid;

use crate::UserError;

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub hashed_password: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub followers_count: i64,
    pub following_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The columns `UserRow::at` reads, in order, from a `users` table aliased `u`.
pub const USER_COLUMNS: &str = "u.id, u.username, u.email, u.hashed_password, u.display_name, u.bio, \
     u.avatar_url, u.followers_count, u.following_count, u.created_at, u.updated_at";

impl UserRow {
    /// The user's columns, in `USER_COLUMNS` order, starting at column `at` of a wider row.
    pub fn at(r: &Row, at: usize) -> Self {
        UserRow {
            id: r.get(at),
            username: r.get(at + 1),
            email: r.get(at + 2),
            hashed_password: r.get(at + 3),
            display_name: r.get(at + 4),
            bio: r.get(at + 5),
            avatar_url: r.get(at + 6),
            followers_count: r.get(at + 7),
            following_count: r.get(at + 8),
            created_at: r.get(at + 9),
            updated_at: r.get(at + 10),
        }
    }
}

impl From<&Row> for UserRow {
    fn from(r: &Row) -> Self {
        Self::at(r, 0)
    }
}

/// Maps a violated unique index to the field that is taken.
fn taken(err: tokio_postgres::Error) -> UserError {
    match unique_violation(&err) {
        Some("users_username_key") => UserError::Taken { field: "username" },
        Some("users_email_key") => UserError::Taken { field: "email" },
        _ => err.into(),
    }
}

pub struct NewUser<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub email: &'a str,
    pub hashed_password: &'a str,
}

pub async fn insert_user(db: &impl GenericClient, u: &NewUser<'_>) -> Result<UserRow, UserError> {
    let sql = format!(
        "INSERT INTO users AS u (id, username, email, hashed_password) VALUES ($1, $2, $3, $4) RETURNING {USER_COLUMNS}"
    );
    let row = db
        .query_one(&db.prepare_cached(&sql).await?, &[&u.id, &u.username, &u.email, &u.hashed_password])
        .await
        .map_err(taken)?;
    Ok(UserRow::from(&row))
}

pub async fn user_by_id(db: &impl GenericClient, id: Uuid) -> Result<Option<UserRow>, UserError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    Ok(db.query_opt(&db.prepare_cached(&sql).await?, &[&id]).await?.as_ref().map(UserRow::from))
}

pub async fn user_by_email(db: &impl GenericClient, email: &str) -> Result<Option<UserRow>, UserError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE lower(u.email) = lower($1)");
    Ok(db.query_opt(&db.prepare_cached(&sql).await?, &[&email]).await?.as_ref().map(UserRow::from))
}

pub async fn user_exists(db: &impl GenericClient, id: Uuid) -> Result<bool, UserError> {
    Ok(db.query_opt(&db.prepare_cached("SELECT 1 FROM users WHERE id = $1").await?, &[&id]).await?.is_some())
}

/// Records that `blocker` blocks `blocked` (again: no change). False when `blocked` does not exist.
pub async fn block(db: &impl GenericClient, blocker: Uuid, blocked: Uuid) -> Result<bool, UserError> {
    let sql =
        "INSERT INTO blocks (blocker_id, blocked_id) SELECT $1, id FROM users WHERE id = $2 ON CONFLICT DO NOTHING";
    db.execute(&db.prepare_cached(sql).await?, &[&blocker, &blocked]).await?;
    user_exists(db, blocked).await
}

pub async fn unblock(db: &impl GenericClient, blocker: Uuid, blocked: Uuid) -> Result<(), UserError> {
    let sql = "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2";
    db.execute(&db.prepare_cached(sql).await?, &[&blocker, &blocked]).await?;
    Ok(())
}

/// Whether either of the two users blocks the other.
pub async fn blocked_between(db: &impl GenericClient, a: Uuid, b: Uuid) -> Result<bool, UserError> {
    let sql =
        "SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)";
    Ok(db.query_opt(&db.prepare_cached(sql).await?, &[&a, &b]).await?.is_some())
}

/// A change to a profile: `None` leaves a column as it is; `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct ProfileChange {
    pub username: Option<String>,
    pub email: Option<String>,
    pub hashed_password: Option<String>,
    pub display_name: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
}

pub async fn update_user(db: &impl GenericClient, id: Uuid, c: &ProfileChange) -> Result<Option<UserRow>, UserError> {
    let sql = format!(
        "UPDATE users u SET
            username        = COALESCE($2, u.username),
            email           = COALESCE($3, u.email),
            hashed_password = COALESCE($4, u.hashed_password),
            display_name    = CASE WHEN $5 THEN $6 ELSE u.display_name END,
            bio             = CASE WHEN $7 THEN $8 ELSE u.bio END,
            avatar_url      = CASE WHEN $9 THEN $10 ELSE u.avatar_url END,
            updated_at      = now()
         WHERE u.id = $1
         RETURNING {USER_COLUMNS}"
    );
    let flat = |o: &Option<Option<String>>| o.clone().flatten();
    let row = db
        .query_opt(
            &db.prepare_cached(&sql).await?,
            &[
                &id,
                &c.username,
                &c.email,
                &c.hashed_password,
                &c.display_name.is_some(),
                &flat(&c.display_name),
                &c.bio.is_some(),
                &flat(&c.bio),
                &c.avatar_url.is_some(),
                &flat(&c.avatar_url),
            ],
        )
        .await
        .map_err(taken)?;
    Ok(row.as_ref().map(UserRow::from))
}

/// Adds the edge and both counters in one statement; following twice changes nothing.
/// An unknown user on either side is reported by the field that named it. Returns whether
/// the edge is new.
pub async fn follow(db: &impl GenericClient, follower: Uuid, following: Uuid) -> Result<bool, UserError> {
    let result = db
        .execute(
            &db.prepare_cached(
                "WITH edge AS (
                 INSERT INTO followers (user_id, follower_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING RETURNING 1
             )
             UPDATE users SET
                 followers_count = followers_count + (id = $1)::int,
                 following_count = following_count + (id = $2)::int
             WHERE id IN ($1, $2) AND EXISTS (SELECT 1 FROM edge)",
            )
            .await?,
            &[&following, &follower],
        )
        .await;
    match result {
        Ok(updated) => Ok(updated > 0),
        Err(err) => match err.as_db_error().and_then(|d| d.constraint()) {
            Some("followers_user_id_fkey") => Err(UserError::NotFound { field: Some("followingId") }),
            Some("followers_follower_id_fkey") => Err(UserError::NotFound { field: Some("followerId") }),
            _ => Err(err.into()),
        },
    }
}

/// Which of `users` `follower` follows (one query for a page of users).
pub async fn followed_among(db: &impl GenericClient, follower: Uuid, users: &[Uuid]) -> Result<Vec<Uuid>, UserError> {
    let rows = db
        .query(
            &db.prepare_cached("SELECT user_id FROM followers WHERE follower_id = $1 AND user_id = ANY($2)").await?,
            &[&follower, &users],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Removes the edge and both counters in one statement; unfollowing twice changes nothing.
/// Returns whether there was an edge.
pub async fn unfollow(db: &impl GenericClient, follower: Uuid, following: Uuid) -> Result<bool, UserError> {
    let updated = db
        .execute(
            &db.prepare_cached(
                "WITH edge AS (
             DELETE FROM followers WHERE user_id = $1 AND follower_id = $2 RETURNING 1
         )
         UPDATE users SET
             followers_count = followers_count - (id = $1)::int,
             following_count = following_count - (id = $2)::int
         WHERE id IN ($1, $2) AND EXISTS (SELECT 1 FROM edge)",
            )
            .await?,
            &[&following, &follower],
        )
        .await?;
    Ok(updated > 0)
}

/// Which side of the follow graph a list walks.
#[derive(Debug, Clone, Copy)]
pub enum Direction {
    /// Users who follow the subject.
    Followers,
    /// Users the subject follows.
    Following,
}

/// One page of the subject's followers or followings, newest edge first, `limit + 1` rows.
pub async fn follow_page(
    db: &impl GenericClient,
    subject: Uuid,
    direction: Direction,
    page: &PageParams,
) -> Result<Vec<(UserRow, DateTime<Utc>)>, UserError> {
    let (me, other) = match direction {
        Direction::Followers => ("user_id", "follower_id"),
        Direction::Following => ("follower_id", "user_id"),
    };
    let (at, id) = page.cursor.map(|c| (Some(c.at), Some(c.id))).unwrap_or((None, None));
    let sql = format!(
        "SELECT {USER_COLUMNS}, f.created_at
         FROM followers f JOIN users u ON u.id = f.{other}
         WHERE f.{me} = $1
           AND ($2::timestamptz IS NULL OR (f.created_at, f.{other}) < ($2, $3))
         ORDER BY f.created_at DESC, f.{other} DESC
         LIMIT $4"
    );
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&subject, &at, &id, &page.fetch()]).await?;
    Ok(rows.iter().map(|r| (UserRow::from(r), r.get(11))).collect())
}

pub fn edge_cursor(row: &(UserRow, DateTime<Utc>)) -> Cursor {
    Cursor { at: row.1, id: row.0.id }
}

// ---- refresh tokens ----------------------------------------------------------------

pub struct RefreshRow {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub replaced_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert_refresh_token(
    db: &impl GenericClient,
    family_id: Uuid,
    user_id: Uuid,
    hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), UserError> {
    db.execute(
        &db.prepare_cached(
            "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .await?,
        &[&Uuid::now_v7(), &family_id, &user_id, &hash, &expires_at],
    )
    .await?;
    Ok(())
}

/// The token with this hash, locked for the rest of the transaction.
pub async fn refresh_token_for_update(db: &impl GenericClient, hash: &[u8]) -> Result<Option<RefreshRow>, UserError> {
    let row = db
        .query_opt(
            &db.prepare_cached(
                "SELECT id, family_id, user_id, expires_at, replaced_at, revoked_at
             FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
            )
            .await?,
            &[&hash],
        )
        .await?;
    Ok(row.map(|r| RefreshRow {
        id: r.get(0),
        family_id: r.get(1),
        user_id: r.get(2),
        expires_at: r.get(3),
        replaced_at: r.get(4),
        revoked_at: r.get(5),
    }))
}

pub async fn mark_replaced(db: &impl GenericClient, id: Uuid) -> Result<(), UserError> {
    db.execute(&db.prepare_cached("UPDATE refresh_tokens SET replaced_at = now() WHERE id = $1").await?, &[&id])
        .await?;
    Ok(())
}

pub async fn revoke_family(db: &impl GenericClient, family_id: Uuid) -> Result<(), UserError> {
    db.execute(
        &db.prepare_cached("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL")
            .await?,
        &[&family_id],
    )
    .await?;
    Ok(())
}

pub async fn revoke_all_for_user(db: &impl GenericClient, user_id: Uuid) -> Result<(), UserError> {
    db.execute(
        &db.prepare_cached("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL")
            .await?,
        &[&user_id],
    )
    .await?;
    Ok(())
}
