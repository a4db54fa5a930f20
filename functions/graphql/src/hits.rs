//! Search (`GET /search` of the search service): people, posts and items with what matched,
//! HTML-escaped with `<mark>`…`</mark>` around it.

use async_graphql::{
    connection::{Connection, Edge, EmptyFields},
    Context, Enum, Result, SimpleObject,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    invoke::Call,
    query::{load_posts, services, Post},
    types::{Item, User},
    viewer::viewer,
};

#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct UserHighlight {
    pub username: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
}

#[derive(Debug, Clone, Deserialize, SimpleObject)]
pub struct PostHighlight {
    pub content: String,
}

#[derive(Debug, Clone, Deserialize, SimpleObject)]
pub struct ItemHighlight {
    pub title: String,
    pub description: String,
}

/// A person found, and what matched.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
pub struct UserHit {
    #[serde(flatten)]
    pub user: User,
    pub highlight: UserHighlight,
}

/// A post found (as the timelines show it), and what matched.
#[derive(Clone, SimpleObject)]
pub struct PostHit {
    pub post: Post,
    pub highlight: PostHighlight,
}

/// An item for sale found, and what matched.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
pub struct ItemHit {
    #[serde(flatten)]
    pub item: Item,
    pub highlight: ItemHighlight,
}

#[derive(Debug, Clone, Deserialize, SimpleObject)]
pub struct SearchCounts {
    pub users: i64,
    pub posts: i64,
    pub items: i64,
}

/// The top hits of each kind and the total of each.
#[derive(Clone, SimpleObject)]
pub struct SearchResults {
    pub users: Vec<UserHit>,
    pub posts: Vec<PostHit>,
    pub items: Vec<ItemHit>,
    pub counts: SearchCounts,
}

/// How many there are in all.
#[derive(Debug, Clone, SimpleObject)]
pub struct SearchTotal {
    /// Counted up to 1,000: a total of 1,000 means at least that many.
    pub total: i64,
}

pub type UserHitConnection = Connection<String, UserHit, SearchTotal, EmptyFields>;
pub type PostHitConnection = Connection<String, PostHit, SearchTotal, EmptyFields>;
pub type ItemHitConnection = Connection<String, ItemHit, SearchTotal, EmptyFields>;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SearchSort {
    Relevance,
    Newest,
    PriceAsc,
    PriceDesc,
}

impl SearchSort {
    pub fn wire(self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::Newest => "newest",
            SearchSort::PriceAsc => "price_asc",
            SearchSort::PriceDesc => "price_desc",
        }
    }
}

/// A post as the search service answers it: only what this API does not load itself.
#[derive(Deserialize)]
struct RawPostHit {
    id: Uuid,
    highlight: PostHighlight,
}

#[derive(Deserialize)]
struct Overview {
    users: Vec<UserHit>,
    posts: Vec<RawPostHit>,
    items: Vec<ItemHit>,
    counts: SearchCounts,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
    total: i64,
}

/// Filters of `GET /search?type=`, by their wire names.
pub type Filters = Vec<(&'static str, Option<String>)>;

fn call<'a>(ctx: &Context<'a>, q: &str, kind: Option<&str>, filters: Filters) -> Call<'a> {
    let mut call = Call::new(viewer(ctx), "search-query", "GET", "/search").query("q", Some(q)).query("type", kind);
    for (name, value) in filters {
        call = call.query(name, value);
    }
    call
}

/// The posts behind raw hits, in their order, each with its highlight.
async fn post_hits(ctx: &Context<'_>, raw: Vec<RawPostHit>) -> Result<Vec<PostHit>> {
    let ids: Vec<Uuid> = raw.iter().map(|h| h.id).collect();
    let posts = load_posts(ctx, &ids).await?;
    Ok(raw
        .into_iter()
        .filter_map(|h| {
            let post = posts.iter().find(|p| p.0.id == h.id)?.clone();
            Some(PostHit { post, highlight: h.highlight })
        })
        .collect())
}

pub async fn overview(ctx: &Context<'_>, q: &str) -> Result<SearchResults> {
    let o: Overview = call(ctx, q, None, Vec::new()).fetch(services(ctx).search()?).await?;
    Ok(SearchResults { users: o.users, posts: post_hits(ctx, o.posts).await?, items: o.items, counts: o.counts })
}

/// One page of one kind: the last edge's cursor is the page's `nextCursor`.
fn connection<T: async_graphql::OutputType>(
    nodes: Vec<T>,
    next: Option<String>,
    total: i64,
) -> Connection<String, T, SearchTotal, EmptyFields> {
    let mut conn = Connection::with_additional_fields(false, next.is_some(), SearchTotal { total });
    let last = nodes.len().saturating_sub(1);
    for (i, node) in nodes.into_iter().enumerate() {
        let cursor = if i == last { next.clone().unwrap_or_default() } else { String::new() };
        conn.edges.push(Edge::new(cursor, node));
    }
    conn
}

pub async fn users(ctx: &Context<'_>, q: &str, filters: Filters) -> Result<UserHitConnection> {
    let p: Page<UserHit> = call(ctx, q, Some("users"), filters).fetch(services(ctx).search()?).await?;
    Ok(connection(p.items, p.next_cursor, p.total))
}

pub async fn posts(ctx: &Context<'_>, q: &str, filters: Filters) -> Result<PostHitConnection> {
    let p: Page<RawPostHit> = call(ctx, q, Some("posts"), filters).fetch(services(ctx).search()?).await?;
    Ok(connection(post_hits(ctx, p.items).await?, p.next_cursor, p.total))
}

pub async fn items(ctx: &Context<'_>, q: &str, filters: Filters) -> Result<ItemHitConnection> {
    let p: Page<ItemHit> = call(ctx, q, Some("items"), filters).fetch(services(ctx).search()?).await?;
    Ok(connection(p.items, p.next_cursor, p.total))
}
