//! The `SearchIndex` port: what the handlers and the indexer need of an index, whatever
//! holds it (Postgres full text here; OpenSearch is the other adapter the design has room
//! for). Documents carry a version (the source row's `updated_at` in microseconds, or the
//! time a removal was seen): an index keeps, per document, the highest version written, so
//! a stale write changes nothing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Post,
    Item,
}

#[derive(Debug, Clone)]
pub struct UserDoc {
    pub id: Uuid,
    pub version: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PostDoc {
    pub id: Uuid,
    pub version: i64,
    pub author_id: Uuid,
    pub content: String,
    pub has_media: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ItemDoc {
    pub id: Uuid,
    pub version: i64,
    pub seller_id: Uuid,
    pub title: String,
    pub description: String,
    /// The decimal string (`12.50`).
    pub price: String,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

/// A keyset position in a result list: the last hit's sort key and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub key: i64,
    pub id: Uuid,
}

/// The text, who is searching (their blocks hide people both ways), and the page.
#[derive(Debug, Clone)]
pub struct Common {
    pub text: String,
    /// Users whose profiles, posts and items the searcher must not see (blocked either way).
    pub hidden: Vec<Uuid>,
    /// Hits to return (the caller asks for one more than a page to learn if another follows).
    pub limit: i64,
    pub after: Option<After>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostSort {
    Relevance,
    Newest,
}

#[derive(Debug, Clone)]
pub struct PostQuery {
    pub common: Common,
    pub author: Option<Uuid>,
    pub has_media: Option<bool>,
    /// Inclusive bounds on the post's creation time.
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub sort: PostSort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemSort {
    Relevance,
    Newest,
    PriceAsc,
    PriceDesc,
}

#[derive(Debug, Clone)]
pub struct ItemQuery {
    pub common: Common,
    pub seller: Option<Uuid>,
    /// Inclusive bounds, in cents.
    pub min_cents: Option<i64>,
    pub max_cents: Option<i64>,
    pub currency: Option<String>,
    pub sort: ItemSort,
}

/// One hit: the document's id, its sort key (for the next page's position) and its
/// highlighted fields (HTML-escaped text with `<mark>`…`</mark>` around what matched),
/// by the field names of the API (`content`, `title`, `displayName`…).
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: Uuid,
    pub key: i64,
    pub highlight: Vec<(&'static str, String)>,
}

/// Counting stops here: a `total` of this many means at least this many (OpenSearch's
/// `track_total_hits` with a number). Counting every match of a word found in one post of
/// eight would cost more than the search itself.
pub const TOTAL_CAP: i64 = 1_000;

#[derive(Debug, Clone, Default)]
pub struct Hits {
    pub hits: Vec<Hit>,
    /// How many documents match in all (filters applied, paging not), up to [`TOTAL_CAP`].
    pub total: i64,
}

#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// Writes these documents unless the index holds a newer version of one; returns how
    /// many were written.
    async fn put_users(&self, docs: &[UserDoc]) -> anyhow::Result<u64>;
    async fn put_posts(&self, docs: &[PostDoc]) -> anyhow::Result<u64>;
    async fn put_items(&self, docs: &[ItemDoc]) -> anyhow::Result<u64>;
    /// Removes documents (id, version of the removal) unless a newer version is indexed.
    async fn remove(&self, kind: Kind, docs: &[(Uuid, i64)]) -> anyhow::Result<u64>;
    /// Removes every document of `kind` not written since `since` (what a full reindex
    /// did not find at its source); returns how many.
    async fn remove_unwritten_since(&self, kind: Kind, since: DateTime<Utc>, version: i64) -> anyhow::Result<u64>;

    /// People: an exact username first, then prefix and close matches of usernames and
    /// display names, then relevance.
    async fn users(&self, q: &Common) -> anyhow::Result<Hits>;
    /// Posts: relevance decayed by age, or newest first.
    async fn posts(&self, q: &PostQuery) -> anyhow::Result<Hits>;
    async fn items(&self, q: &ItemQuery) -> anyhow::Result<Hits>;
    /// Users whose username or display name starts with `prefix`, for @mention completion.
    async fn suggest(&self, prefix: &str, hidden: &[Uuid], limit: i64) -> anyhow::Result<Vec<Uuid>>;
}
