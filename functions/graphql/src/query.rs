//! The queries, and what lists and posts are made of.

use std::sync::Arc;

use async_graphql::{
    connection::{Connection, Edge},
    dataloader::DataLoader,
    Context, Error, Object, OutputType, Result, ID,
};
use chrono::{DateTime, Utc};
use cs_http::{Cursor, PageParams, DEFAULT_LIMIT, MAX_LIMIT};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    hits,
    invoke::{problem_error, service_error, Call},
    loaders::{MediaLoader, PostLoader},
    types::*,
    viewer::viewer,
    Services,
};

pub type PostConnection = Connection<String, Post>;
pub type UserConnection = Connection<String, User>;
pub type CommentConnection = Connection<String, Comment>;
pub type ConversationConnection = Connection<String, Conversation>;
pub type MessageConnection = Connection<String, Message>;
pub type NotificationConnection = Connection<String, Notification>;
pub type ItemConnection = Connection<String, Item>;
pub type OrderConnection = Connection<String, Order>;

/// A list's cost: its page size times what each node costs, so a deep or wide query is
/// refused before it runs (`limit_complexity`).
pub fn page_complexity(first: Option<i32>, child: usize) -> usize {
    let n = first.map_or(DEFAULT_LIMIT, |f| i64::from(f).clamp(1, MAX_LIMIT));
    usize::try_from(n).unwrap_or(1).saturating_mul(child).saturating_add(1)
}

pub fn services<'a>(ctx: &Context<'a>) -> &'a Services {
    ctx.data_unchecked::<Arc<Services>>()
}

pub fn uuid(field: &str, id: &ID) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| problem_error(400, "invalid_uuid", &format!("{field} must be a UUID"), Some(field)))
}

/// `{ items, nextCursor }`, the body of every REST list.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageBody<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

fn key(at: DateTime<Utc>, id: &ID) -> Option<String> {
    Some(Cursor { at, id: Uuid::parse_str(id).ok()? }.encode())
}

/// A connection over a REST page: each edge's cursor is the key its row is listed by (what
/// `nextCursor` would be if the page ended there); the last is the page's `nextCursor`.
pub fn connection<T: OutputType>(page: PageBody<T>, cursor: impl Fn(&T) -> Option<String>) -> Connection<String, T> {
    let mut conn = Connection::new(false, page.next_cursor.is_some());
    let last = page.items.len().saturating_sub(1);
    for (i, node) in page.items.into_iter().enumerate() {
        let at = match (&page.next_cursor, i == last) {
            (Some(next), true) => next.clone(),
            _ => cursor(&node).unwrap_or_default(),
        };
        conn.edges.push(Edge::new(at, node));
    }
    conn
}

/// A post as the viewer sees it.
#[derive(Clone)]
pub struct Post(pub Arc<feed::repo::PostRow>);

#[Object]
impl Post {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn author(&self) -> User {
        User::from(self.0.author.clone())
    }

    async fn content(&self) -> &str {
        &self.0.content
    }

    /// The attached image's URL (the upload's, once ready).
    async fn media_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.media(ctx).await?.and_then(|m| m.url).or_else(|| self.0.media_url.clone()))
    }

    /// The attached upload, when there is one.
    async fn media(&self, ctx: &Context<'_>) -> Result<Option<Media>> {
        let Some(id) = self.0.media_id else { return Ok(None) };
        Ok(ctx.data_unchecked::<DataLoader<MediaLoader>>().load_one(id).await?.map(Media::from))
    }

    async fn like_count(&self) -> i32 {
        self.0.like_count
    }

    async fn comment_count(&self) -> i32 {
        self.0.comment_count
    }

    async fn liked_by_me(&self) -> bool {
        self.0.liked_by_me
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Comments, oldest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CommentConnection> {
        comments(ctx, self.0.id, first, after).await
    }
}

/// The posts with these ids, through the request's loader (one query for the lot).
pub async fn load_posts(ctx: &Context<'_>, ids: &[Uuid]) -> Result<Vec<Post>> {
    let found = ctx.data_unchecked::<DataLoader<PostLoader>>().load_many(ids.iter().copied()).await?;
    Ok(ids.iter().filter_map(|id| found.get(id).cloned().map(Post)).collect())
}

pub async fn load_post(ctx: &Context<'_>, id: Uuid) -> Result<Post> {
    ctx.data_unchecked::<DataLoader<PostLoader>>()
        .load_one(id)
        .await?
        .map(Post)
        .ok_or_else(|| service_error(feed::FeedError::PostNotFound))
}

fn page_params(first: Option<i32>, after: Option<String>) -> Result<PageParams> {
    let limit = match first {
        None => DEFAULT_LIMIT,
        Some(n) if n >= 1 => i64::from(n).min(MAX_LIMIT),
        Some(_) => {
            return Err(problem_error(
                400,
                "invalid_limit",
                &format!("first must be a whole number from 1 to {MAX_LIMIT}"),
                Some("first"),
            ))
        }
    };
    let cursor = after
        .filter(|c| !c.is_empty())
        .map(|c| Cursor::decode(&c))
        .transpose()
        .map_err(|p| problem_error(p.status, &p.code, "after is not a cursor this API issued", Some("after")))?;
    Ok(PageParams { limit, cursor })
}

/// A page of posts from a page of timeline entries (`feed::repo`'s keyset lists).
async fn post_page(ctx: &Context<'_>, params: &PageParams, entries: Vec<feed::repo::Entry>) -> Result<PostConnection> {
    let page = cs_http::Page::from_rows(entries, params, feed::repo::entry_cursor);
    let ids: Vec<Uuid> = page.items.iter().map(|e| e.0).collect();
    let posts = load_posts(ctx, &ids).await?;
    let mut conn = Connection::new(false, page.next_cursor.is_some());
    for (entry, post) in page.items.iter().zip(posts) {
        conn.edges.push(Edge::new(feed::repo::entry_cursor(entry).encode(), post));
    }
    Ok(conn)
}

async fn feed_client(ctx: &Context<'_>) -> Result<cs_db::Client> {
    services(ctx).feed.db.get().await.map_err(|e| service_error(feed::FeedError::from(e)))
}

pub async fn user_posts(
    ctx: &Context<'_>,
    user: &ID,
    first: Option<i32>,
    after: Option<String>,
) -> Result<PostConnection> {
    let author = uuid("userId", user)?;
    let params = page_params(first, after)?;
    let entries = feed::repo::by_author(&feed_client(ctx).await?, author, &params).await.map_err(service_error)?;
    post_page(ctx, &params, entries).await
}

pub async fn follow_list(
    ctx: &Context<'_>,
    function: &'static str,
    user: &ID,
    first: Option<i32>,
    after: Option<String>,
) -> Result<UserConnection> {
    let path = format!("/users/{}/{}", user.as_str(), function.trim_start_matches("user-"));
    let page: PageBody<User> = Call::new(viewer(ctx), function, "GET", path)
        .param("userId", user.as_str())
        .page(first, after)
        .fetch(&services(ctx).user)
        .await?;
    Ok(connection(page, |_| None))
}

pub async fn comments(
    ctx: &Context<'_>,
    post: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<CommentConnection> {
    let page: PageBody<Comment> =
        Call::new(viewer(ctx), "feed-list-comments", "GET", format!("/posts/{post}/comments"))
            .param("id", post.to_string())
            .page(first, after)
            .fetch(&services(ctx).feed)
            .await?;
    Ok(connection(page, |c| key(c.created_at, &c.id)))
}

pub struct Query;

#[Object]
impl Query {
    /// The signed-in user, with their email.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let me = viewer(ctx).require()?;
        get_user(ctx, &ID(me.to_string())).await
    }

    /// A user by id.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        get_user(ctx, &id).await
    }

    /// A timeline, newest first: `HOME` (signed in) or `PUBLIC`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "TimelineKind::Home")] kind: TimelineKind,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PostConnection> {
        let params = page_params(first, after)?;
        let client = feed_client(ctx).await?;
        let entries = match kind {
            TimelineKind::Home => {
                let me = viewer(ctx).require()?;
                feed::repo::home(&client, me, services(ctx).feed.celebrity_followers, &params).await
            }
            TimelineKind::Public => feed::repo::public(&client, &params).await,
        }
        .map_err(service_error)?;
        drop(client);
        post_page(ctx, &params, entries).await
    }

    /// A post.
    async fn post(&self, ctx: &Context<'_>, id: ID) -> Result<Post> {
        load_post(ctx, uuid("id", &id)?).await
    }

    /// A post's comments, oldest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        post_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CommentConnection> {
        comments(ctx, uuid("postId", &post_id)?, first, after).await
    }

    /// An upload (an `item_file` only to its uploader).
    async fn media(&self, ctx: &Context<'_>, id: ID) -> Result<Media> {
        Call::new(viewer(ctx), "media-get", "GET", format!("/media/{}", id.as_str()))
            .param("id", id.as_str())
            .fetch(services(ctx).media()?)
            .await
    }

    /// The caller's conversations, latest activity first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ConversationConnection> {
        let page: PageBody<Conversation> = Call::new(viewer(ctx), "chat-list-conversations", "GET", "/conversations")
            .page(first, after)
            .fetch(services(ctx).chat()?)
            .await?;
        Ok(connection(page, |c| key(c.updated_at, &c.id)))
    }

    /// One of the caller's conversations.
    async fn conversation(&self, ctx: &Context<'_>, id: ID) -> Result<Conversation> {
        Call::new(viewer(ctx), "chat-get-conversation", "GET", format!("/conversations/{}", id.as_str()))
            .param("conversationId", id.as_str())
            .fetch(services(ctx).chat()?)
            .await
    }

    /// A conversation's messages, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MessageConnection> {
        let path = format!("/conversations/{}/messages", conversation_id.as_str());
        let page: PageBody<Message> = Call::new(viewer(ctx), "chat-messages", "GET", path)
            .param("conversationId", conversation_id.as_str())
            .page(first, after)
            .fetch(services(ctx).chat()?)
            .await?;
        Ok(connection(page, |m| key(m.created_at, &m.id)))
    }

    /// The caller's notifications, latest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<NotificationConnection> {
        let page: PageBody<Notification> = Call::new(viewer(ctx), "notify-list", "GET", "/notifications")
            .page(first, after)
            .fetch(services(ctx).notify()?)
            .await?;
        Ok(connection(page, |n| key(n.updated_at, &n.id)))
    }

    /// How many of the caller's notifications are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<i64> {
        #[derive(Deserialize)]
        struct Count {
            count: i64,
        }
        let c: Count = Call::new(viewer(ctx), "notify-unread-count", "GET", "/notifications/unread-count")
            .fetch(services(ctx).notify()?)
            .await?;
        Ok(c.count)
    }

    /// Active items for sale (sold-out ones stay, with `copiesLeft: 0`).
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn items(
        &self,
        ctx: &Context<'_>,
        seller: Option<ID>,
        min_price: Option<String>,
        max_price: Option<String>,
        currency: Option<String>,
        sort: Option<ItemSort>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ItemConnection> {
        let page: PageBody<Item> = Call::new(viewer(ctx), "market-list-items", "GET", "/items")
            .query("seller", seller.map(|s| s.0))
            .query("minPrice", min_price)
            .query("maxPrice", max_price)
            .query("currency", currency)
            .query("sort", sort.map(ItemSort::wire))
            .page(first, after)
            .fetch(services(ctx).market()?)
            .await?;
        let newest = matches!(sort, None | Some(ItemSort::Newest));
        Ok(connection(page, |i| if newest { key(i.created_at, &i.id) } else { price_key(i) }))
    }

    /// An item (drafts and archived items only to their seller).
    async fn item(&self, ctx: &Context<'_>, id: ID) -> Result<Item> {
        Call::new(viewer(ctx), "market-get-item", "GET", format!("/items/{}", id.as_str()))
            .param("id", id.as_str())
            .fetch(services(ctx).market()?)
            .await
    }

    /// The caller's orders, newest first: as `BUYER` (default) or `SELLER`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        role: Option<OrderRole>,
        status: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<OrderConnection> {
        let role = role.map(|r| if r == OrderRole::Seller { "seller" } else { "buyer" });
        let page: PageBody<Order> = Call::new(viewer(ctx), "market-list-orders", "GET", "/orders")
            .query("role", role)
            .query("status", status)
            .page(first, after)
            .fetch(services(ctx).market()?)
            .await?;
        Ok(connection(page, |o| key(o.created_at, &o.id)))
    }

    /// People, posts and items at once: the top five of each and the total of each (blocked
    /// people and their posts and items never show).
    async fn search(&self, ctx: &Context<'_>, q: String) -> Result<hits::SearchResults> {
        hits::overview(ctx, &q).await
    }

    /// People: exact username first, then prefix and typo matches, then relevance.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn search_users(
        &self,
        ctx: &Context<'_>,
        q: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<hits::UserHitConnection> {
        hits::users(ctx, &q, vec![("limit", first.map(|f| f.to_string())), ("cursor", after)]).await
    }

    /// Posts: `since` and `until` take RFC 3339 or a date; `sort` is RELEVANCE (decayed by
    /// age) or NEWEST.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn search_posts(
        &self,
        ctx: &Context<'_>,
        q: String,
        author: Option<ID>,
        has_media: Option<bool>,
        since: Option<String>,
        until: Option<String>,
        sort: Option<hits::SearchSort>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<hits::PostHitConnection> {
        let filters = vec![
            ("author", author.map(|a| a.0)),
            ("hasMedia", has_media.map(|m| m.to_string())),
            ("since", since),
            ("until", until),
            ("sort", sort.map(|s| s.wire().to_string())),
            ("limit", first.map(|f| f.to_string())),
            ("cursor", after),
        ];
        hits::posts(ctx, &q, filters).await
    }

    /// Items for sale: prices are decimal strings, inclusive.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn search_items(
        &self,
        ctx: &Context<'_>,
        q: String,
        seller: Option<ID>,
        min_price: Option<String>,
        max_price: Option<String>,
        currency: Option<String>,
        sort: Option<hits::SearchSort>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<hits::ItemHitConnection> {
        let filters = vec![
            ("seller", seller.map(|s| s.0)),
            ("minPrice", min_price),
            ("maxPrice", max_price),
            ("currency", currency),
            ("sort", sort.map(|s| s.wire().to_string())),
            ("limit", first.map(|f| f.to_string())),
            ("cursor", after),
        ];
        hits::items(ctx, &q, filters).await
    }

    /// An order of the caller's (as its buyer or seller).
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Order> {
        Call::new(viewer(ctx), "market-get-order", "GET", format!("/orders/{}", id.as_str()))
            .param("id", id.as_str())
            .fetch(services(ctx).market()?)
            .await
    }
}

/// An item's key when listed by price: its price in cents where the time would be.
fn price_key(i: &Item) -> Option<String> {
    let (whole, frac) = i.price.amount.split_once('.').unwrap_or((&i.price.amount, "0"));
    let cents = whole.parse::<i64>().ok()? * 100 + format!("{frac:0<2}").get(..2)?.parse::<i64>().ok()?;
    key(DateTime::from_timestamp_micros(cents)?, &i.id)
}

pub async fn get_user(ctx: &Context<'_>, id: &ID) -> Result<User, Error> {
    Call::new(viewer(ctx), "user-get", "GET", format!("/users/{}", id.as_str()))
        .param("userId", id.as_str())
        .fetch(&services(ctx).user)
        .await
}
