//! The JSON the search service speaks: people, posts and items as their own services show
//! them, each with its `highlight`.

use chrono::{DateTime, Utc};
use cs_readmodel::{MediaView, UserSummary};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Matched text, HTML-escaped, with `<mark>`…`</mark>` around what matched (the only HTML).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserHighlight {
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct PostHighlight {
    pub content: String,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ItemHighlight {
    pub title: String,
    pub description: String,
}

/// A person found: their public profile and what matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserHit {
    #[serde(flatten)]
    pub user: UserSummary,
    pub highlight: UserHighlight,
}

/// A user in a `/search/users/suggest` list (no highlight: the prefix is what was typed).
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    pub items: Vec<UserSummary>,
}

/// A post found, as the feed shows it, and what matched.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostHit {
    pub id: Uuid,
    pub author: UserSummary,
    pub content: String,
    pub media_url: Option<String>,
    pub like_count: i32,
    pub comment_count: i32,
    pub liked_by_me: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub highlight: PostHighlight,
}

/// A price: `{ "amount": "12.50", "currency": "EUR" }`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPrice {
    pub amount: String,
    pub currency: String,
}

/// An item for sale found, as the marketplace shows it, and what matched.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemHit {
    pub id: Uuid,
    pub seller: UserSummary,
    pub title: String,
    pub description: String,
    pub price: SearchPrice,
    /// Always `active`: drafts and archived items are never found.
    pub status: String,
    pub copies_left: Option<i32>,
    pub sales_count: i32,
    pub file_name: String,
    pub file_size: i64,
    pub preview: Option<MediaView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub highlight: ItemHighlight,
}

/// How many of each kind match; counting stops at 1,000 (such a count means "at least").
#[derive(Debug, Serialize, ToSchema)]
pub struct Counts {
    pub users: i64,
    pub posts: i64,
    pub items: i64,
}

/// `GET /search?q=` without `type`: the top 5 of each kind and the total of each.
#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    pub users: Vec<UserHit>,
    pub posts: Vec<PostHit>,
    pub items: Vec<ItemHit>,
    pub counts: Counts,
}

/// `GET /search?q=&type=`: one page of one kind, the position of the next, and the total.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Results<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    /// How many match in all; counting stops at 1,000 (such a total means "at least").
    pub total: i64,
}

/// What `GET /search` answers: the overview without `type`, a page of that type with it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum SearchAnswer {
    Overview(Overview),
    Users(Results<UserHit>),
    Posts(Results<PostHit>),
    Items(Results<ItemHit>),
}
