//! The JSON the market service speaks.

use chrono::{DateTime, Utc};
use cs_readmodel::{MediaView, UserSummary};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    domain::{MoneyBody, OrderStatus},
    repo::{HistoryRow, ItemRow, OrderRow},
};

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

// What `domain::text` accepts, as patterns: the text is trimmed (of Unicode White_Space, as
// `str::trim` does), then must hold no control character but newlines and tabs, and be at
// most so many characters long (and, for a title, at least one).

/// `draft` or `active`: the status a new item may have.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewItemStatus {
    Draft,
    Active,
}

/// An item's status: `draft` (its seller's alone), `active` (for sale), `archived` (no longer).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatusName {
    Draft,
    Active,
    Archived,
}

/// `?sort=` of `GET /items`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemSort {
    Newest,
    PriceAsc,
    PriceDesc,
}

/// `?role=` of `GET /orders`: the orders the caller placed, or those for the caller's items.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderRole {
    Buyer,
    Seller,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewItemBody {
    /// 1–120 characters once trimmed, no control characters but newlines and tabs.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]([^\u0000-\u0008\u000b-\u001f\u007f-\u009f]{0,118}[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub title: String,
    /// Up to 5,000 characters once trimmed, no control characters but newlines and tabs.
    #[serde(default)]
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*([^\u0000-\u0008\u000b-\u001f\u007f-\u009f\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]([^\u0000-\u0008\u000b-\u001f\u007f-\u009f]{0,4998}[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?)?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub description: String,
    pub price: MoneyBody,
    /// The caller's ready upload with `purpose: item_file`.
    #[schema(value_type = cs_http::openapi::UuidString)]
    pub file_media_id: String,
    /// One of the caller's ready uploads with `purpose: item_preview` or `post`, shown publicly.
    #[schema(value_type = Option<cs_http::openapi::UuidString>)]
    pub preview_media_id: Option<String>,
    /// Copies for sale, 0 to 1,000,000; absent or null: unlimited.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub copies: Option<i64>,
    /// `draft` or `active` (the default, also for null).
    #[schema(value_type = Option<NewItemStatus>)]
    pub status: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchItemBody {
    /// 1–120 characters once trimmed, no control characters but newlines and tabs (absent or
    /// null: unchanged).
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]([^\u0000-\u0008\u000b-\u001f\u007f-\u009f]{0,118}[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub title: Option<String>,
    /// Up to 5,000 characters once trimmed, no control characters but newlines and tabs
    /// (absent or null: unchanged).
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*([^\u0000-\u0008\u000b-\u001f\u007f-\u009f\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]([^\u0000-\u0008\u000b-\u001f\u007f-\u009f]{0,4998}[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?)?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub description: Option<String>,
    /// Absent or null: unchanged.
    pub price: Option<MoneyBody>,
    /// One of the caller's ready uploads with `purpose: item_preview` or `post`; null removes
    /// the preview.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<cs_http::openapi::UuidString>)]
    pub preview_media_id: Option<Option<String>>,
    /// 0 to 1,000,000; null: unlimited (absent: unchanged).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1_000_000)]
    pub copies: Option<Option<i64>>,
    /// `draft`, `active` or `archived` (absent or null: unchanged).
    #[schema(value_type = Option<ItemStatusName>)]
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemView {
    pub id: Uuid,
    pub seller: UserSummary,
    pub title: String,
    pub description: String,
    pub price: MoneyBody,
    #[schema(value_type = ItemStatusName)]
    pub status: String,
    /// null: unlimited.
    pub copies_left: Option<i32>,
    pub sales_count: i32,
    pub file_name: String,
    pub file_size: i64,
    pub preview: Option<MediaView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ItemView {
    pub fn new(i: ItemRow, preview: Option<MediaView>) -> Self {
        ItemView {
            id: i.id,
            seller: i.seller,
            title: i.title,
            description: i.description,
            price: i.price.body(),
            status: i.status,
            copies_left: i.copies_left,
            sales_count: i.sales_count,
            file_name: i.file_name,
            file_size: i.file_size,
            preview,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewOrderBody {
    /// An active item of another user.
    #[schema(value_type = cs_http::openapi::UuidString)]
    pub item_id: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RefundBody {
    /// Shown in the order's history: up to 500 characters once trimmed, no control characters
    /// but newlines and tabs.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*([^\u0000-\u0008\u000b-\u001f\u007f-\u009f\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]([^\u0000-\u0008\u000b-\u001f\u007f-\u009f]{0,498}[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?)?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub reason: Option<String>,
}

/// The item an order is for, as it is now.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    pub id: Uuid,
    pub title: String,
    pub price: MoneyBody,
    pub seller: UserSummary,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub status: OrderStatus,
    pub at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    pub id: String,
    pub provider: String,
    /// Where the buyer pays.
    pub checkout_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderView {
    pub id: Uuid,
    pub item: OrderItem,
    pub buyer: UserSummary,
    pub amount: MoneyBody,
    pub status: OrderStatus,
    /// Every transition, oldest first.
    pub history: Vec<HistoryEntry>,
    /// null for the few seconds until the payment exists.
    pub payment: Option<PaymentView>,
    pub downloads_left: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrderView {
    pub fn new(o: OrderRow, history: Vec<HistoryRow>) -> Self {
        let payment = match (o.payment_id, o.payment_provider, o.checkout_url) {
            (Some(id), Some(provider), Some(checkout_url)) => Some(PaymentView { id, provider, checkout_url }),
            _ => None,
        };
        OrderView {
            id: o.id,
            item: OrderItem { id: o.item_id, title: o.item_title, price: o.item_price.body(), seller: o.seller },
            buyer: o.buyer,
            amount: o.amount.body(),
            status: o.status,
            history: history
                .into_iter()
                .filter(|h| h.order_id == o.id)
                .map(|h| HistoryEntry {
                    status: OrderStatus::parse(&h.status).unwrap_or(o.status),
                    at: h.at,
                    reason: h.reason,
                })
                .collect(),
            payment,
            downloads_left: o.downloads_left,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DownloadView {
    /// A presigned GET of the file; it expires at `expiresAt`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
    pub downloads_left: i32,
}
