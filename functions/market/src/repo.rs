//! The market service's SQL. Prices are `NUMERIC(12,2)`, read and written as minor units
//! (`price * 100`), so no float is ever involved.

use chrono::{DateTime, Utc};
use cs_db::{GenericClient, Row};
use cs_http::PageParams;
use cs_readmodel::UserSummary;
use uuid::Uuid;

use crate::domain::{Money, OrderStatus};

#[derive(Debug, Clone)]
pub struct ItemRow {
    pub id: Uuid,
    pub seller: UserSummary,
    pub title: String,
    pub description: String,
    pub price: Money,
    pub status: String,
    pub copies_left: Option<i32>,
    pub sales_count: i32,
    pub file_media_id: Uuid,
    pub file_key: String,
    pub file_name: String,
    pub file_size: i64,
    pub preview_media_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn item_select() -> String {
    format!(
        "SELECT i.id, i.title, i.description, (i.price * 100)::bigint AS price_cents, i.currency, i.status,
                i.copies_left, i.sales_count, i.file_media_id, i.file_key, i.file_name, i.file_size,
                i.preview_media_id, i.created_at, i.updated_at, {}
           FROM items i JOIN user_summaries s ON s.id = i.seller_id",
        UserSummary::columns("s", "seller_")
    )
}

impl TryFrom<&Row> for ItemRow {
    type Error = tokio_postgres::Error;

    fn try_from(r: &Row) -> Result<Self, Self::Error> {
        Ok(ItemRow {
            id: r.try_get("id")?,
            seller: UserSummary::from_row(r, "seller_")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            price: Money { cents: r.try_get("price_cents")?, currency: r.try_get("currency")? },
            status: r.try_get("status")?,
            copies_left: r.try_get("copies_left")?,
            sales_count: r.try_get("sales_count")?,
            file_media_id: r.try_get("file_media_id")?,
            file_key: r.try_get("file_key")?,
            file_name: r.try_get("file_name")?,
            file_size: r.try_get("file_size")?,
            preview_media_id: r.try_get("preview_media_id")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

pub struct NewItem<'a> {
    pub id: Uuid,
    pub seller: Uuid,
    pub title: &'a str,
    pub description: &'a str,
    pub price: &'a Money,
    pub status: &'a str,
    pub copies: Option<i32>,
    pub file_media_id: Uuid,
    pub file_key: &'a str,
    pub file_name: &'a str,
    pub file_size: i64,
    pub preview_media_id: Option<Uuid>,
}

pub async fn insert_item(db: &impl GenericClient, i: &NewItem<'_>) -> Result<(), tokio_postgres::Error> {
    db.execute(
        "INSERT INTO items (id, seller_id, title, description, price, currency, status, copies_left,
                            file_media_id, file_key, file_name, file_size, preview_media_id)
         VALUES ($1, $2, $3, $4, $5::bigint::numeric / 100, $6, $7, $8, $9, $10, $11, $12, $13)",
        &[
            &i.id,
            &i.seller,
            &i.title,
            &i.description,
            &i.price.cents,
            &i.price.currency,
            &i.status,
            &i.copies,
            &i.file_media_id,
            &i.file_key,
            &i.file_name,
            &i.file_size,
            &i.preview_media_id,
        ],
    )
    .await?;
    Ok(())
}

pub async fn item(db: &impl GenericClient, id: Uuid) -> Result<Option<ItemRow>, tokio_postgres::Error> {
    let sql = format!("{} WHERE i.id = $1", item_select());
    db.query_opt(&sql, &[&id]).await?.as_ref().map(ItemRow::try_from).transpose()
}

/// How `GET /items` orders its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    PriceAsc,
    PriceDesc,
}

pub struct ItemFilter {
    pub seller: Option<Uuid>,
    pub min_cents: Option<i64>,
    pub max_cents: Option<i64>,
    pub currency: Option<String>,
}

/// A page of active items. For the price sorts the cursor's position is `(price, id)`, with
/// the price in minor units carried in the cursor's time field (the cursor is opaque).
pub async fn list_items(
    db: &impl GenericClient,
    f: &ItemFilter,
    sort: Sort,
    params: &PageParams,
) -> Result<Vec<ItemRow>, tokio_postgres::Error> {
    let (after, order) = match sort {
        Sort::Newest => ("(i.created_at, i.id) < ($5::timestamptz, $6::uuid)", "i.created_at DESC, i.id DESC"),
        Sort::PriceAsc => ("((i.price * 100)::bigint, i.id) > ($5::bigint, $6::uuid)", "i.price ASC, i.id ASC"),
        Sort::PriceDesc => ("((i.price * 100)::bigint, i.id) < ($5::bigint, $6::uuid)", "i.price DESC, i.id DESC"),
    };
    let sql = format!(
        "{} WHERE i.status = 'active'
            AND ($1::uuid IS NULL OR i.seller_id = $1)
            AND ($2::bigint IS NULL OR i.price * 100 >= $2)
            AND ($3::bigint IS NULL OR i.price * 100 <= $3)
            AND ($4::text IS NULL OR i.currency = $4)
            AND ($6::uuid IS NULL OR {after})
          ORDER BY {order} LIMIT $7",
        item_select()
    );
    let at = params.cursor.map(|c| c.at);
    let id = params.cursor.map(|c| c.id);
    let cents = at.map(|t| t.timestamp_micros());
    let position: &(dyn cs_db::ToSql + Sync) = if sort == Sort::Newest { &at } else { &cents };
    let rows =
        db.query(&sql, &[&f.seller, &f.min_cents, &f.max_cents, &f.currency, position, &id, &params.fetch()]).await?;
    rows.iter().map(ItemRow::try_from).collect()
}

pub struct ItemUpdate<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub price: &'a Money,
    pub preview_media_id: Option<Uuid>,
    /// `Some(copies)` sets the copies left (`None` inside: unlimited); `None` keeps them.
    pub copies: Option<Option<i32>>,
    pub status: &'a str,
}

pub async fn update_item(db: &impl GenericClient, id: Uuid, u: &ItemUpdate<'_>) -> Result<(), tokio_postgres::Error> {
    let set_copies = u.copies.is_some();
    let copies = u.copies.flatten();
    db.execute(
        "UPDATE items SET title = $2, description = $3, price = $4::bigint::numeric / 100, currency = $5,
                preview_media_id = $6, copies_left = CASE WHEN $7 THEN $8 ELSE copies_left END, status = $9,
                updated_at = now()
          WHERE id = $1",
        &[
            &id,
            &u.title,
            &u.description,
            &u.price.cents,
            &u.price.currency,
            &u.preview_media_id,
            &set_copies,
            &copies,
            &u.status,
        ],
    )
    .await?;
    Ok(())
}

pub async fn archive_item(db: &impl GenericClient, id: Uuid) -> Result<(), tokio_postgres::Error> {
    db.execute(
        "UPDATE items SET status = 'archived', updated_at = now() WHERE id = $1 AND status <> 'archived'",
        &[&id],
    )
    .await?;
    Ok(())
}

/// Takes one copy of a limited item that is for sale; `false` if none is left (or it is not
/// for sale). Concurrent buyers queue on the row, and the loser sees 0.
pub async fn reserve_copy(db: &impl GenericClient, item: Uuid) -> Result<bool, tokio_postgres::Error> {
    let n = db
        .execute(
            "UPDATE items SET copies_left = copies_left - 1
              WHERE id = $1 AND status = 'active' AND copies_left > 0",
            &[&item],
        )
        .await?;
    Ok(n == 1)
}

pub async fn release_copy(db: &impl GenericClient, item: Uuid) -> Result<(), tokio_postgres::Error> {
    db.execute("UPDATE items SET copies_left = copies_left + 1 WHERE id = $1 AND copies_left IS NOT NULL", &[&item])
        .await?;
    Ok(())
}

pub async fn add_sale(db: &impl GenericClient, item: Uuid) -> Result<(), tokio_postgres::Error> {
    db.execute("UPDATE items SET sales_count = sales_count + 1 WHERE id = $1", &[&item]).await?;
    Ok(())
}

// ---- orders -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: Uuid,
    pub item_id: Uuid,
    pub item_title: String,
    pub item_price: Money,
    pub seller: UserSummary,
    pub buyer: UserSummary,
    pub amount: Money,
    pub status: OrderStatus,
    pub copy_reserved: bool,
    pub payment_provider: Option<String>,
    pub payment_id: Option<String>,
    pub checkout_url: Option<String>,
    pub downloads_left: i32,
    pub refund_requested_at: Option<DateTime<Utc>>,
    pub file_key: String,
    pub file_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn order_select() -> String {
    format!(
        "SELECT o.id, o.item_id, i.title AS item_title, (i.price * 100)::bigint AS item_price_cents,
                i.currency AS item_currency, (o.amount * 100)::bigint AS amount_cents, o.currency, o.status,
                o.copy_reserved, o.payment_provider, o.payment_id, o.checkout_url, o.downloads_left,
                o.refund_requested_at, i.file_key, i.file_name, o.created_at, o.updated_at, {}, {}
           FROM orders o JOIN items i ON i.id = o.item_id
           JOIN user_summaries s ON s.id = o.seller_id JOIN user_summaries b ON b.id = o.buyer_id",
        UserSummary::columns("s", "seller_"),
        UserSummary::columns("b", "buyer_")
    )
}

impl TryFrom<&Row> for OrderRow {
    type Error = anyhow::Error;

    fn try_from(r: &Row) -> Result<Self, Self::Error> {
        let status: String = r.try_get("status")?;
        Ok(OrderRow {
            id: r.try_get("id")?,
            item_id: r.try_get("item_id")?,
            item_title: r.try_get("item_title")?,
            item_price: Money { cents: r.try_get("item_price_cents")?, currency: r.try_get("item_currency")? },
            seller: UserSummary::from_row(r, "seller_")?,
            buyer: UserSummary::from_row(r, "buyer_")?,
            amount: Money { cents: r.try_get("amount_cents")?, currency: r.try_get("currency")? },
            status: OrderStatus::parse(&status).ok_or_else(|| anyhow::anyhow!("unknown order status {status}"))?,
            copy_reserved: r.try_get("copy_reserved")?,
            payment_provider: r.try_get("payment_provider")?,
            payment_id: r.try_get("payment_id")?,
            checkout_url: r.try_get("checkout_url")?,
            downloads_left: r.try_get("downloads_left")?,
            refund_requested_at: r.try_get("refund_requested_at")?,
            file_key: r.try_get("file_key")?,
            file_name: r.try_get("file_name")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

pub struct NewOrder<'a> {
    pub id: Uuid,
    pub item: Uuid,
    pub buyer: Uuid,
    pub seller: Uuid,
    pub amount: &'a Money,
    pub copy_reserved: bool,
    pub payment_ttl_secs: f64,
    pub downloads: i32,
    pub idempotency_key: &'a str,
}

/// Inserts the order unless the buyer already used this idempotency key (`false`). Another
/// live order of the buyer for the item is a unique violation of `orders_live`.
pub async fn insert_order(db: &impl GenericClient, o: &NewOrder<'_>) -> Result<bool, tokio_postgres::Error> {
    let n = db
        .execute(
            "INSERT INTO orders (id, item_id, buyer_id, seller_id, amount, currency, status, copy_reserved,
                                 payment_expires_at, downloads_left, idempotency_key)
             VALUES ($1, $2, $3, $4, $5::bigint::numeric / 100, $6, 'pending', $7,
                     now() + make_interval(secs => $8), $9, $10)
             ON CONFLICT ON CONSTRAINT orders_idempotency DO NOTHING",
            &[
                &o.id,
                &o.item,
                &o.buyer,
                &o.seller,
                &o.amount.cents,
                &o.amount.currency,
                &o.copy_reserved,
                &o.payment_ttl_secs,
                &o.downloads,
                &o.idempotency_key,
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn order(db: &impl GenericClient, id: Uuid) -> anyhow::Result<Option<OrderRow>> {
    let sql = format!("{} WHERE o.id = $1", order_select());
    db.query_opt(&sql, &[&id]).await?.as_ref().map(OrderRow::try_from).transpose()
}

/// The order, locked for the rest of the transaction.
pub async fn lock_order(db: &impl GenericClient, id: Uuid) -> anyhow::Result<Option<OrderRow>> {
    let sql = format!("{} WHERE o.id = $1 FOR UPDATE OF o", order_select());
    db.query_opt(&sql, &[&id]).await?.as_ref().map(OrderRow::try_from).transpose()
}

pub async fn order_by_key(db: &impl GenericClient, buyer: Uuid, key: &str) -> anyhow::Result<Option<OrderRow>> {
    let sql = format!("{} WHERE o.buyer_id = $1 AND o.idempotency_key = $2", order_select());
    db.query_opt(&sql, &[&buyer, &key]).await?.as_ref().map(OrderRow::try_from).transpose()
}

/// A page of the user's orders as buyer or seller, newest first.
pub async fn list_orders(
    db: &impl GenericClient,
    user: Uuid,
    as_seller: bool,
    status: Option<&str>,
    params: &PageParams,
) -> anyhow::Result<Vec<OrderRow>> {
    let who = if as_seller { "o.seller_id" } else { "o.buyer_id" };
    let sql = format!(
        "{} WHERE {who} = $1 AND ($2::text IS NULL OR o.status = $2)
            AND ($3::timestamptz IS NULL OR (o.created_at, o.id) < ($3, $4))
          ORDER BY o.created_at DESC, o.id DESC LIMIT $5",
        order_select()
    );
    let (at, id) = match params.cursor {
        Some(c) => (Some(c.at), Some(c.id)),
        None => (None, None),
    };
    let rows = db.query(&sql, &[&user, &status, &at, &id, &params.fetch()]).await?;
    rows.iter().map(OrderRow::try_from).collect()
}

#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub order_id: Uuid,
    pub status: String,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn history(db: &impl GenericClient, orders: &[Uuid]) -> Result<Vec<HistoryRow>, tokio_postgres::Error> {
    let rows = db
        .query(
            "SELECT order_id, status, reason, at FROM order_history WHERE order_id = ANY($1) ORDER BY id",
            &[&orders],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryRow {
                order_id: r.try_get("order_id")?,
                status: r.try_get("status")?,
                reason: r.try_get("reason")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

pub async fn add_history(
    db: &impl GenericClient,
    order: Uuid,
    status: OrderStatus,
    reason: Option<&str>,
) -> Result<(), tokio_postgres::Error> {
    db.execute(
        "INSERT INTO order_history (order_id, status, reason) VALUES ($1, $2, $3)",
        &[&order, &status.as_str(), &reason],
    )
    .await?;
    Ok(())
}

pub async fn set_status(
    db: &impl GenericClient,
    order: Uuid,
    status: OrderStatus,
) -> Result<(), tokio_postgres::Error> {
    db.execute("UPDATE orders SET status = $2, updated_at = now() WHERE id = $1", &[&order, &status.as_str()]).await?;
    Ok(())
}

/// Records the provider's payment for the order, once.
pub async fn set_payment(
    db: &impl GenericClient,
    order: Uuid,
    provider: &str,
    payment_id: &str,
    checkout_url: &str,
) -> Result<bool, tokio_postgres::Error> {
    let n = db
        .execute(
            "UPDATE orders SET payment_provider = $2, payment_id = $3, checkout_url = $4, updated_at = now()
              WHERE id = $1 AND payment_id IS NULL",
            &[&order, &provider, &payment_id, &checkout_url],
        )
        .await?;
    Ok(n == 1)
}

pub async fn mark_refund_requested(db: &impl GenericClient, order: Uuid) -> Result<(), tokio_postgres::Error> {
    db.execute("UPDATE orders SET refund_requested_at = now(), updated_at = now() WHERE id = $1", &[&order]).await?;
    Ok(())
}

/// Pending orders whose payment time is up, locked (others running the sweep skip them).
pub async fn expired_orders(db: &impl GenericClient, limit: i64) -> Result<Vec<Uuid>, tokio_postgres::Error> {
    let rows = db
        .query(
            "SELECT id FROM orders WHERE status = 'pending' AND payment_expires_at <= now()
              ORDER BY payment_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED",
            &[&limit],
        )
        .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// Counts one download of a delivered order of `buyer`: the downloads left after it, and
/// the status it had (a first download completes a shipped order). `None` if it may not
/// be downloaded now.
pub async fn take_download(
    db: &impl GenericClient,
    order: Uuid,
    buyer: Uuid,
) -> Result<Option<(i32, String)>, tokio_postgres::Error> {
    let row = db
        .query_opt(
            "WITH before AS (SELECT id, status FROM orders WHERE id = $1 AND buyer_id = $2 FOR UPDATE)
             UPDATE orders o SET downloads_left = o.downloads_left - 1,
                    status = CASE WHEN o.status = 'shipped' THEN 'completed' ELSE o.status END,
                    updated_at = now()
               FROM before
              WHERE o.id = before.id AND o.status IN ('shipped', 'completed') AND o.downloads_left > 0
                AND o.refund_requested_at IS NULL
          RETURNING o.downloads_left, before.status AS was",
            &[&order, &buyer],
        )
        .await?;
    row.map(|r| Ok((r.try_get("downloads_left")?, r.try_get("was")?))).transpose()
}

/// Stores a provider event's id; `false` if it was already stored (a repeat).
pub async fn record_event(
    db: &impl GenericClient,
    id: &str,
    kind: &str,
    order: Option<Uuid>,
    payment_id: &str,
) -> Result<bool, tokio_postgres::Error> {
    let n = db
        .execute(
            "INSERT INTO payment_events (id, type, order_id, payment_id, outcome) VALUES ($1, $2, $3, $4, 'received')
             ON CONFLICT (id) DO NOTHING",
            &[&id, &kind, &order, &payment_id],
        )
        .await?;
    Ok(n == 1)
}

pub async fn event_outcome(db: &impl GenericClient, id: &str, outcome: &str) -> Result<(), tokio_postgres::Error> {
    db.execute("UPDATE payment_events SET outcome = $2 WHERE id = $1", &[&id, &outcome]).await?;
    Ok(())
}
