//! The schema's object types. Most are read from the services' own JSON (the REST wire
//! shapes, camelCase as here), so a field means the same in both APIs.

use async_graphql::{ComplexObject, Context, Enum, InputObject, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// What other people may know of a user, and their counts.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[graphql(complex)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: ID,
    pub username: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub followers_count: i64,
    pub following_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Only on yourself (`me`, `register`, `login`, `updateProfile`).
    #[serde(default)]
    pub email: Option<String>,
}

impl From<cs_readmodel::UserSummary> for User {
    fn from(u: cs_readmodel::UserSummary) -> Self {
        User {
            id: ID(u.id.to_string()),
            username: u.username,
            display_name: u.display_name,
            bio: u.bio,
            avatar_url: u.avatar_url,
            followers_count: u.followers_count,
            following_count: u.following_count,
            created_at: u.created_at,
            updated_at: u.updated_at,
            email: None,
        }
    }
}

#[ComplexObject]
impl User {
    /// Whether the signed-in caller follows this user (false when anonymous or yourself).
    async fn followed_by_me(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(loader) = ctx.data_opt::<async_graphql::dataloader::DataLoader<crate::loaders::FollowLoader>>() else {
            return Ok(false);
        };
        let id = crate::query::uuid("id", &self.id)?;
        Ok(loader.load_one(id).await?.unwrap_or(false))
    }

    /// The user's posts, newest first.
    #[graphql(complexity = "crate::query::page_complexity(first, child_complexity)")]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<crate::query::PostConnection> {
        crate::query::user_posts(ctx, &self.id, first, after).await
    }

    /// Who follows the user.
    #[graphql(complexity = "crate::query::page_complexity(first, child_complexity)")]
    async fn followers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<crate::query::UserConnection> {
        crate::query::follow_list(ctx, "user-followers", &self.id, first, after).await
    }

    /// Whom the user follows.
    #[graphql(complexity = "crate::query::page_complexity(first, child_complexity)")]
    async fn following(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<crate::query::UserConnection> {
        crate::query::follow_list(ctx, "user-following", &self.id, first, after).await
    }
}

/// A signed-in session: `register` and `login`.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct AuthPayload {
    pub user: User,
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds the access token lives.
    pub expires_in: i64,
    pub token_type: String,
}

/// New tokens from `refresh` (the refresh token rotates).
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct TokenPayload {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub token_type: String,
}

/// An upload.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    pub id: ID,
    /// `pending`, `ready` or `rejected`.
    pub status: String,
    pub content_type: String,
    pub size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// A presigned GET (or CDN URL) once ready.
    pub url: Option<String>,
    pub thumbnail_url: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
}

impl From<cs_readmodel::MediaView> for Media {
    fn from(m: cs_readmodel::MediaView) -> Self {
        Media {
            id: ID(m.id.to_string()),
            status: m.status,
            content_type: m.content_type,
            size: m.size,
            width: m.width,
            height: m.height,
            url: m.url,
            thumbnail_url: m.thumbnail_url,
            reason: m.reason,
        }
    }
}

/// What an upload is for (`POST /media/uploads`'s `purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum UploadPurpose {
    Post,
    Avatar,
    ItemFile,
    ItemPreview,
}

impl UploadPurpose {
    pub fn wire(self) -> &'static str {
        match self {
            UploadPurpose::Post => "post",
            UploadPurpose::Avatar => "avatar",
            UploadPurpose::ItemFile => "item_file",
            UploadPurpose::ItemPreview => "item_preview",
        }
    }
}

/// Where to PUT a new upload's bytes (with the declared Content-Type and Content-Length).
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct UploadTicket {
    pub media_id: ID,
    pub upload_url: String,
    pub expires_at: DateTime<Utc>,
}

/// A comment on a post, oldest first in lists.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: ID,
    pub post_id: ID,
    pub author: User,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

/// A chat message.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: ID,
    pub conversation_id: ID,
    pub sender_id: ID,
    /// Empty once deleted.
    pub body: String,
    pub client_id: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
}

/// A conversation the caller is a member of.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: ID,
    /// `direct` or `group`.
    pub kind: String,
    pub name: Option<String>,
    pub members: Vec<User>,
    pub last_message: Option<Message>,
    /// Messages from others after the caller's read marker.
    pub unread_count: i64,
    pub updated_at: DateTime<Utc>,
}

/// The caller's read marker after `markConversationRead`.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct ReadReceipt {
    pub conversation_id: ID,
    pub user_id: ID,
    pub message_id: Option<ID>,
    pub read_at: DateTime<Utc>,
    pub unread_count: i64,
}

/// Someone who caused a notification.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub id: ID,
    pub username: String,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
}

/// A notification (likes and follows of the same subject are grouped).
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: ID,
    /// `follow`, `like`, `comment`, `mention`, `message` or `order`.
    #[serde(rename = "type")]
    #[graphql(name = "type")]
    pub kind: String,
    pub actors: Vec<Actor>,
    pub actor_count: i32,
    pub subject_id: ID,
    pub read: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Money: a decimal string (up to 2 decimals) and an ISO 4217 code.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

#[derive(Debug, Clone, serde::Serialize, InputObject)]
pub struct MoneyInput {
    pub amount: String,
    pub currency: String,
}

/// A digital good for sale.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub id: ID,
    pub seller: User,
    pub title: String,
    pub description: String,
    pub price: Money,
    /// `draft`, `active` or `archived`.
    pub status: String,
    /// Null: unlimited.
    pub copies_left: Option<i32>,
    pub sales_count: i32,
    pub file_name: String,
    pub file_size: i64,
    pub preview: Option<Media>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The item an order is for.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
pub struct OrderItem {
    pub id: ID,
    pub title: String,
    pub price: Money,
    pub seller: User,
}

/// One transition of an order.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
pub struct OrderHistoryEntry {
    pub status: String,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The payment of an order at the provider.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub id: String,
    pub provider: String,
    /// The provider's checkout page.
    pub checkout_url: String,
}

/// An order: `pending`, `paid`, `shipped`, `completed`, `cancelled` or `refunded`.
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: ID,
    pub item: OrderItem,
    pub buyer: User,
    pub amount: Money,
    pub status: String,
    pub history: Vec<OrderHistoryEntry>,
    /// Null for the few seconds until the payment exists.
    pub payment: Option<Payment>,
    pub downloads_left: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An expiring link to a bought file (each one counts as a download).
#[derive(Debug, Clone, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Download {
    pub url: String,
    pub expires_at: DateTime<Utc>,
    pub downloads_left: i32,
}

/// `sort` of `items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum ItemSort {
    Newest,
    PriceAsc,
    PriceDesc,
}

impl ItemSort {
    pub fn wire(self) -> &'static str {
        match self {
            ItemSort::Newest => "newest",
            ItemSort::PriceAsc => "price_asc",
            ItemSort::PriceDesc => "price_desc",
        }
    }
}

/// `role` of `orders`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum OrderRole {
    Buyer,
    Seller,
}

/// Which timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum TimelineKind {
    /// The people you follow and yourself (signed in).
    Home,
    /// Every post.
    Public,
}
