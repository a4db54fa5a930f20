use chrono::{DateTime, Utc};
use cs_db::{GenericClient, Row};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A user as anyone may see them: the public profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub followers_count: i64,
    pub following_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const FIELDS: [&str; 9] = [
    "id",
    "username",
    "display_name",
    "bio",
    "avatar_url",
    "followers_count",
    "following_count",
    "created_at",
    "updated_at",
];

impl UserSummary {
    /// The select list for a `user_summaries` row aliased `alias`, each column renamed with
    /// `prefix` (`a.id AS author_id, …`), for [`from_row`](Self::from_row) to read back.
    pub fn columns(alias: &str, prefix: &str) -> String {
        FIELDS.iter().map(|f| format!("{alias}.{f} AS {prefix}{f}")).collect::<Vec<_>>().join(", ")
    }

    /// Reads the columns [`columns`](Self::columns) named, by name.
    pub fn from_row(r: &Row, prefix: &str) -> Result<Self, tokio_postgres::Error> {
        let col = |f: &str| format!("{prefix}{f}");
        Ok(UserSummary {
            id: r.try_get(col("id").as_str())?,
            username: r.try_get(col("username").as_str())?,
            display_name: r.try_get(col("display_name").as_str())?,
            bio: r.try_get(col("bio").as_str())?,
            avatar_url: r.try_get(col("avatar_url").as_str())?,
            followers_count: r.try_get(col("followers_count").as_str())?,
            following_count: r.try_get(col("following_count").as_str())?,
            created_at: r.try_get(col("created_at").as_str())?,
            updated_at: r.try_get(col("updated_at").as_str())?,
        })
    }
}

/// The users of these ids (any order).
pub async fn users_by_ids(db: &impl GenericClient, ids: &[Uuid]) -> Result<Vec<UserSummary>, tokio_postgres::Error> {
    let sql = format!("SELECT {} FROM user_summaries u WHERE u.id = ANY($1)", UserSummary::columns("u", ""));
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&ids]).await?;
    rows.iter().map(|r| UserSummary::from_row(r, "")).collect()
}

/// Up to `limit` users with ids above `after`, by id: a full scan in pages (reindexing).
pub async fn users_after(
    db: &impl GenericClient,
    after: Uuid,
    limit: i64,
) -> Result<Vec<UserSummary>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {} FROM user_summaries u WHERE u.id > $1 ORDER BY u.id LIMIT $2",
        UserSummary::columns("u", "")
    );
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&after, &limit]).await?;
    rows.iter().map(|r| UserSummary::from_row(r, "")).collect()
}

/// Whether either of the two has blocked the other.
pub async fn blocked_between(db: &impl GenericClient, a: Uuid, b: Uuid) -> Result<bool, tokio_postgres::Error> {
    let sql = "SELECT EXISTS (SELECT 1 FROM user_blocks
                WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)) AS blocked";
    let row = db.query_one(&db.prepare_cached(sql).await?, &[&a, &b]).await?;
    row.try_get("blocked")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_renamed_with_the_prefix() {
        let cols = UserSummary::columns("a", "author_");
        assert!(cols.starts_with("a.id AS author_id, a.username AS author_username"));
        assert_eq!(cols.matches(" AS author_").count(), FIELDS.len());
    }
}
