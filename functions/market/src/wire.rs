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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewItemBody {
    /// 1–120 characters.
    pub title: String,
    /// Up to 5,000 characters.
    #[serde(default)]
    pub description: String,
    pub price: MoneyBody,
    /// The caller's ready upload with `purpose: item_file`.
    #[schema(value_type = Uuid)]
    pub file_media_id: String,
    /// One of the caller's ready images or videos, shown publicly.
    #[schema(value_type = Option<Uuid>)]
    pub preview_media_id: Option<String>,
    /// Copies for sale; absent or null: unlimited.
    pub copies: Option<i64>,
    /// `draft` or `active` (the default).
    pub status: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchItemBody {
    pub title: Option<String>,
    pub description: Option<String>,
    pub price: Option<MoneyBody>,
    /// null removes the preview.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub preview_media_id: Option<Option<String>>,
    /// null: unlimited.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub copies: Option<Option<i64>>,
    /// `draft`, `active` or `archived`.
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
    /// draft | active | archived
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
    #[schema(value_type = Uuid)]
    pub item_id: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RefundBody {
    /// Shown in the order's history.
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
