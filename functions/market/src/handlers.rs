//! The market endpoints.

use std::collections::HashMap;

use chrono::Utc;
use cs_events::DomainEvent;
use cs_http::{
    json, json_body, no_content, optional_caller, parse_uuid, path_uuid, query_param, require_caller, Body, Cursor,
    Page, PageParams, Problem, Request, Response,
};
use cs_readmodel::MediaView;
use lambda_http::http::StatusCode;
use uuid::Uuid;

use crate::{
    domain::{
        copies, file_name, parse_cents, text, ItemStatus, Money, OrderStatus, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS,
    },
    repo::{self, ItemRow, OrderRow},
    saga,
    wire::*,
    App, MarketError,
};

type Reply = Result<Response<Body>, MarketError>;

fn viewer(app: &App, req: &Request) -> Result<Option<Uuid>, MarketError> {
    Ok(optional_caller(req, |token| app.tokens.verify(token).ok().and_then(|c| Uuid::parse_str(&c.sub).ok()))?)
}

fn invalid(field: &str, message: impl Into<String>) -> MarketError {
    MarketError::Invalid { field: field.into(), message: message.into() }
}

/// Views of items, with their previews (one query for all of them).
async fn item_views(app: &App, items: Vec<ItemRow>) -> Result<Vec<ItemView>, MarketError> {
    let ids: Vec<Uuid> = items.iter().filter_map(|i| i.preview_media_id).collect();
    let mut previews: HashMap<Uuid, MediaView> = HashMap::new();
    if !ids.is_empty() {
        let client = app.db.get().await?;
        for file in cs_readmodel::media_by_ids(&client, &ids).await? {
            // A preview is public; an item file never is, whatever was linked.
            if file.purpose != "item_file" {
                previews.insert(file.id, cs_readmodel::media_view(&app.media, file).await?);
            }
        }
    }
    Ok(items
        .into_iter()
        .map(|i| {
            let preview = i.preview_media_id.and_then(|id| previews.get(&id).cloned());
            ItemView::new(i, preview)
        })
        .collect())
}

async fn item_view(app: &App, item: ItemRow) -> Result<ItemView, MarketError> {
    item_views(app, vec![item]).await?.pop().ok_or_else(|| MarketError::ItemNotFound)
}

/// The caller's ready upload `raw` with a purpose in `purposes`, else 422 naming `field`.
async fn own_upload(
    app: &App,
    me: Uuid,
    field: &str,
    raw: &str,
    purposes: &[&str],
) -> Result<cs_readmodel::MediaFile, MarketError> {
    let id = parse_uuid(field, raw)?;
    let client = app.db.get().await?;
    match cs_readmodel::media_by_id(&client, id).await? {
        Some(m) if m.owner_id == me && m.status == "ready" && purposes.contains(&m.purpose.as_str()) => Ok(m),
        _ => Err(invalid(
            field,
            format!(
                "{field} must be one of your uploads that is ready, uploaded with purpose {}",
                purposes.join(" or ")
            ),
        )),
    }
}

const PREVIEW_PURPOSES: &[&str] = &["item_preview", "post"];

#[utoipa::path(post, path = "/items", tag = "market", request_body = NewItemBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "The new item", body = ItemView,
            links(
                ("GetItem" = (operation_id = "get_item", parameters(("id" = "$response.body#/id")))),
                ("UpdateItem" = (operation_id = "update_item", parameters(("id" = "$response.body#/id")))),
                ("ArchiveItem" = (operation_id = "archive_item", parameters(("id" = "$response.body#/id")))),
            )),
        cs_http::openapi::BadBody,
        (status = 422, description = "A field is not valid (`field` names it): among them, `fileMediaId` must be the caller's ready `item_file` upload and `previewMediaId` one of their ready `item_preview` or `post` uploads", body = Problem, content_type = "application/problem+json"),
        cs_http::openapi::Unauthorized,
    ))]
pub async fn create_item(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let body: NewItemBody = json_body(&req)?;
    let title = text("title", &body.title, MAX_TITLE_CHARS, true)?;
    let description = text("description", &body.description, MAX_DESCRIPTION_CHARS, false)?;
    let price = Money::parse("price", &body.price, &app.config.currencies)?;
    let copies = body.copies.map(copies).transpose()?;
    let status = match body.status.as_deref() {
        None | Some("active") => ItemStatus::Active,
        Some("draft") => ItemStatus::Draft,
        Some(_) => return Err(invalid("status", "status must be draft or active")),
    };
    let file = own_upload(app, me.id, "fileMediaId", &body.file_media_id, &["item_file"]).await?;
    let preview = match &body.preview_media_id {
        Some(raw) => Some(own_upload(app, me.id, "previewMediaId", raw, PREVIEW_PURPOSES).await?.id),
        None => None,
    };
    let id = Uuid::now_v7();
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    repo::insert_item(
        &tx,
        &repo::NewItem {
            id,
            seller: me.id,
            title: &title,
            description: &description,
            price: &price,
            status: status.as_str(),
            copies,
            file_media_id: file.id,
            file_key: &file.object_key,
            file_name: &file_name(&title, &file.content_type),
            file_size: file.size.unwrap_or(file.declared_size),
            preview_media_id: preview,
        },
    )
    .await?;
    let outbox = cs_events::emit(&tx, &DomainEvent::ItemCreated { item_id: id, seller_id: me.id }.into_event()).await?;
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    let item = repo::item(&client, id).await?.ok_or(MarketError::ItemNotFound)?;
    drop(client);
    json(StatusCode::CREATED, &item_view(app, item).await?)
}

fn sort(req: &Request) -> Result<repo::Sort, MarketError> {
    match query_param(req, "sort").as_deref() {
        None | Some("newest") => Ok(repo::Sort::Newest),
        Some("price_asc") => Ok(repo::Sort::PriceAsc),
        Some("price_desc") => Ok(repo::Sort::PriceDesc),
        Some(_) => Err(MarketError::Problem(Problem::bad_request(
            "invalid_sort",
            "sort",
            "sort must be newest, price_asc or price_desc",
        ))),
    }
}

fn price_param(req: &Request, name: &str) -> Result<Option<i64>, MarketError> {
    query_param(req, name)
        .filter(|v| !v.is_empty())
        .map(|raw| {
            parse_cents(raw.trim()).ok_or_else(|| {
                MarketError::Problem(Problem::bad_request(
                    "invalid_price",
                    name,
                    format!("{name} must be a decimal string with up to 2 decimals"),
                ))
            })
        })
        .transpose()
}

#[utoipa::path(get, path = "/items", tag = "market",
    params(
        ("seller" = Option<String>, Query, description = "Only this seller's items (a UUID; empty: any seller)",
            pattern = r"^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"),
        ("minPrice" = Option<String>, Query, description = "Inclusive: a decimal string with up to 2 decimals (empty: no bound)",
            pattern = r"^(|[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[0-9]{1,7}(\.[0-9]{1,2})?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*)$"),
        ("maxPrice" = Option<String>, Query, description = "Inclusive: a decimal string with up to 2 decimals (empty: no bound)",
            pattern = r"^(|[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[0-9]{1,7}(\.[0-9]{1,2})?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*)$"),
        ("currency" = Option<String>, Query, description = "Only prices in this currency (empty: any)"),
        ("sort" = inline(Option<ItemSort>), Query, description = "newest (the default), price_asc or price_desc"),
        cs_http::openapi::PageQuery,
    ),
    responses(
        (status = 200, description = "Active items (sold-out ones too, with copiesLeft 0)", body = Page<ItemView>),
        cs_http::openapi::Malformed,
    ))]
pub async fn list_items(app: &App, req: Request) -> Reply {
    let params = PageParams::from_request(&req)?;
    let sort = sort(&req)?;
    let filter = repo::ItemFilter {
        seller: query_param(&req, "seller").filter(|v| !v.is_empty()).map(|v| parse_uuid("seller", &v)).transpose()?,
        min_cents: price_param(&req, "minPrice")?,
        max_cents: price_param(&req, "maxPrice")?,
        currency: query_param(&req, "currency").filter(|v| !v.is_empty()),
    };
    let client = app.db.get().await?;
    let rows = repo::list_items(&client, &filter, sort, &params).await?;
    drop(client);
    let page = Page::from_rows(rows, &params, |i| match sort {
        repo::Sort::Newest => Cursor { at: i.created_at, id: i.id },
        // The price rides in the (opaque) cursor's time field.
        _ => Cursor { at: chrono::DateTime::from_timestamp_micros(i.price.cents).unwrap_or_default(), id: i.id },
    });
    Page { items: item_views(app, page.items).await?, next_cursor: page.next_cursor }.into_response(&req, &params)
}

/// The item as `viewer` may see it: drafts and archived items are their seller's alone.
async fn visible_item(app: &App, viewer: Option<Uuid>, id: Uuid) -> Result<ItemRow, MarketError> {
    let client = app.db.get().await?;
    match repo::item(&client, id).await? {
        Some(i) if i.status == "active" || viewer == Some(i.seller.id) => Ok(i),
        _ => Err(MarketError::ItemNotFound),
    }
}

#[utoipa::path(get, path = "/items/{id}", tag = "market", params(("id" = Uuid, Path)), security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The item", body = ItemView),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        (status = 404, description = "No such item (drafts and archived items are 404 to everyone but their seller)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_item(app: &App, req: Request) -> Reply {
    let id = path_uuid(&req, "id")?;
    let item = visible_item(app, viewer(app, &req)?, id).await?;
    json(StatusCode::OK, &item_view(app, item).await?)
}

/// The item, which must be the caller's (404 if it is not visible to them, 403 if not theirs).
async fn own_item(app: &App, me: Uuid, id: Uuid) -> Result<ItemRow, MarketError> {
    let item = visible_item(app, Some(me), id).await?;
    if item.seller.id != me {
        return Err(MarketError::NotSeller);
    }
    Ok(item)
}

#[utoipa::path(patch, path = "/items/{id}", tag = "market", params(("id" = Uuid, Path)), request_body = PatchItemBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "The item", body = ItemView),
        cs_http::openapi::BadBody,
        (status = 422, description = "A field is not valid (`field` names it): among them, `previewMediaId` must be one of the caller's ready `item_preview` or `post` uploads", body = Problem, content_type = "application/problem+json"),
        cs_http::openapi::Unauthorized,
        (status = 403, description = "not_seller: the item is not the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item (drafts and archived items are 404 to everyone but their seller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "item_archived: an archived item does not change", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_item(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    let body: PatchItemBody = json_body(&req)?;
    let item = own_item(app, me.id, id).await?;
    if item.status == "archived" {
        return Err(MarketError::ItemArchived);
    }
    let title = match &body.title {
        Some(t) => text("title", t, MAX_TITLE_CHARS, true)?,
        None => item.title.clone(),
    };
    let description = match &body.description {
        Some(d) => text("description", d, MAX_DESCRIPTION_CHARS, false)?,
        None => item.description.clone(),
    };
    let price = match &body.price {
        Some(p) => Money::parse("price", p, &app.config.currencies)?,
        None => item.price.clone(),
    };
    let status = match body.status.as_deref() {
        None => item.status.clone(),
        Some(s) => ItemStatus::parse(s)
            .ok_or_else(|| invalid("status", "status must be draft, active or archived"))?
            .as_str()
            .to_string(),
    };
    let copies = match body.copies {
        None => None,
        Some(None) => Some(None),
        Some(Some(n)) => Some(Some(copies(n)?)),
    };
    let preview = match &body.preview_media_id {
        None => item.preview_media_id,
        Some(None) => None,
        Some(Some(raw)) => Some(own_upload(app, me.id, "previewMediaId", raw, PREVIEW_PURPOSES).await?.id),
    };
    let mut client = app.db.get().await?;
    let update = repo::ItemUpdate {
        title: &title,
        description: &description,
        price: &price,
        preview_media_id: preview,
        copies,
        status: &status,
    };
    let tx = client.transaction().await?;
    repo::update_item(&tx, id, &update).await?;
    let outbox = cs_events::emit(&tx, &DomainEvent::ItemUpdated { item_id: id, seller_id: me.id }.into_event()).await?;
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    let item = repo::item(&client, id).await?.ok_or(MarketError::ItemNotFound)?;
    drop(client);
    json(StatusCode::OK, &item_view(app, item).await?)
}

#[utoipa::path(delete, path = "/items/{id}", tag = "market", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses(
        (status = 204, description = "Archived: no longer for sale; orders and downloads already bought keep working"),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        (status = 403, description = "not_seller: the item is not the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item (drafts and archived items are 404 to everyone but their seller)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn archive_item(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    own_item(app, me.id, id).await?;
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    repo::archive_item(&tx, id).await?;
    let outbox =
        cs_events::emit(&tx, &DomainEvent::ItemArchived { item_id: id, seller_id: me.id }.into_event()).await?;
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    no_content()
}

// ---- orders -------------------------------------------------------------------------------

async fn order_views(app: &App, orders: Vec<OrderRow>) -> Result<Vec<OrderView>, MarketError> {
    let ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    let client = app.db.get().await?;
    let history = repo::history(&client, &ids).await?;
    Ok(orders.into_iter().map(|o| OrderView::new(o, history.clone())).collect())
}

async fn order_view(app: &App, order: OrderRow) -> Result<OrderView, MarketError> {
    order_views(app, vec![order]).await?.pop().ok_or_else(|| MarketError::OrderNotFound)
}

/// The order, if the caller is its buyer or seller; 404 for anyone else.
async fn party_order(app: &App, me: Uuid, id: Uuid) -> Result<OrderRow, MarketError> {
    let client = app.db.get().await?;
    match repo::order(&client, id).await? {
        Some(o) if o.buyer.id == me || o.seller.id == me => Ok(o),
        _ => Err(MarketError::OrderNotFound),
    }
}

fn idempotency_key(req: &Request) -> Result<String, MarketError> {
    let key = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("");
    if key.is_empty() || key.chars().count() > 255 {
        return Err(MarketError::IdempotencyKeyRequired);
    }
    Ok(key.to_string())
}

/// The answer to a key already used: the same order for the same item, else 422.
async fn replay(app: &App, existing: OrderRow, item: Uuid) -> Reply {
    if existing.item_id != item {
        return Err(MarketError::IdempotencyKeyReused);
    }
    json(StatusCode::CREATED, &order_view(app, existing).await?)
}

#[utoipa::path(post, path = "/orders", tag = "market", request_body = NewOrderBody, security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]([ -~]{0,253}[!-~])?$",
        description = "Required, 1–255 characters; the same key and body again gives the same order")),
    responses(
        (status = 201, description = "The order, pending, with `payment.checkoutUrl` (the same order for a repeated key and body)", body = OrderView,
            links(
                ("GetOrder" = (operation_id = "get_order", parameters(("id" = "$response.body#/id")))),
                ("CancelOrder" = (operation_id = "cancel_order", parameters(("id" = "$response.body#/id")))),
                ("Download" = (operation_id = "download", parameters(("id" = "$response.body#/id")))),
            )),
        cs_http::openapi::BadBody,
        (status = 400, description = "idempotency_key_required: no Idempotency-Key header, or one over 255 characters; or a malformed body (not JSON, `itemId` not a UUID)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing or not valid (`field` names it); idempotency_key_reused: the key was used with another item; cannot_buy_own_item", body = Problem, content_type = "application/problem+json"),
        cs_http::openapi::Unauthorized,
        (status = 404, description = "item_not_found: no such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "item_not_available (a draft, archived, or no copies left) or already_purchased", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_order(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let key = idempotency_key(&req)?;
    let body: NewOrderBody = json_body(&req)?;
    let item_id = parse_uuid("itemId", &body.item_id)?;
    let mut client = app.db.get().await?;
    if let Some(existing) = repo::order_by_key(&client, me.id, &key).await? {
        drop(client);
        return replay(app, existing, item_id).await;
    }
    let item = repo::item(&client, item_id).await?;
    let item = match item {
        Some(i) if i.status == "active" || i.seller.id == me.id => i,
        Some(_) => return Err(MarketError::ItemNotAvailable),
        None => return Err(MarketError::ItemNotFound),
    };
    if item.seller.id == me.id {
        return Err(MarketError::CannotBuyOwnItem);
    }
    if item.status != "active" {
        return Err(MarketError::ItemNotAvailable);
    }
    let id = Uuid::now_v7();
    let limited = item.copies_left.is_some();
    let tx = client.transaction().await?;
    let new = repo::NewOrder {
        id,
        item: item_id,
        buyer: me.id,
        seller: item.seller.id,
        amount: &item.price,
        copy_reserved: limited,
        payment_ttl_secs: app.config.order_payment_ttl.as_secs_f64(),
        downloads: app.config.download_limit,
        idempotency_key: &key,
    };
    match repo::insert_order(&tx, &new).await {
        Ok(true) => {}
        Ok(false) => {
            // A concurrent request with this key won the race: answer as it did.
            drop(tx);
            let existing = repo::order_by_key(&client, me.id, &key).await?.ok_or(MarketError::OrderNotFound)?;
            drop(client);
            return replay(app, existing, item_id).await;
        }
        Err(err) if cs_db::unique_violation(&err).is_some() => {
            drop(tx);
            return match repo::order_by_key(&client, me.id, &key).await? {
                Some(existing) => {
                    drop(client);
                    replay(app, existing, item_id).await
                }
                None => Err(MarketError::AlreadyPurchased),
            };
        }
        Err(err) => return Err(MarketError::from(err)),
    }
    if limited && !repo::reserve_copy(&tx, item_id).await? {
        return Err(MarketError::ItemNotAvailable);
    }
    repo::add_history(&tx, id, OrderStatus::Pending, Some("ordered")).await?;
    let event =
        DomainEvent::OrderCreated { order_id: id, item_id, seller_id: item.seller.id, buyer_id: me.id }.into_event();
    let outbox = cs_events::emit(&tx, &event).await?;
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    drop(client);
    // The payment consumer creates the payment; trying at once usually saves the buyer the
    // wait. Both use the order id as the provider's idempotency key.
    if let Err(err) = saga::ensure_payment(app, id).await {
        tracing::warn!(order = %id, error = format!("{err:#}"), "payment left to the consumer");
    }
    let client = app.db.get().await?;
    let order = repo::order(&client, id).await?.ok_or(MarketError::OrderNotFound)?;
    drop(client);
    json(StatusCode::CREATED, &order_view(app, order).await?)
}

#[utoipa::path(get, path = "/orders/{id}", tag = "market", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The order (its buyer or seller only)", body = OrderView),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        (status = 404, description = "No such order, or not the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_order(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    let order = party_order(app, me.id, id).await?;
    json(StatusCode::OK, &order_view(app, order).await?)
}

#[utoipa::path(get, path = "/orders", tag = "market", security(("bearer" = [])),
    params(
        ("role" = inline(Option<OrderRole>), Query, description = "buyer (the default): the caller's purchases; seller: orders for the caller's items"),
        ("status" = Option<String>, Query, description = "Only orders in this status: pending, paid, shipped, completed, cancelled or refunded (empty: any)",
            pattern = r"^(|pending|paid|shipped|completed|cancelled|refunded)$"),
        cs_http::openapi::PageQuery,
    ),
    responses(
        (status = 200, description = "Newest first", body = Page<OrderView>),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn list_orders(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let params = PageParams::from_request(&req)?;
    let as_seller = match query_param(&req, "role").as_deref() {
        None | Some("buyer") => false,
        Some("seller") => true,
        Some(_) => return Err(Problem::bad_request("invalid_role", "role", "role must be buyer or seller").into()),
    };
    let status = match query_param(&req, "status").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            OrderStatus::parse(&s)
                .ok_or_else(|| {
                    Problem::bad_request(
                        "invalid_status",
                        "status",
                        "status must be pending, paid, shipped, completed, cancelled or refunded",
                    )
                })?
                .as_str(),
        ),
    };
    let client = app.db.get().await?;
    let rows = repo::list_orders(&client, me.id, as_seller, status, &params).await?;
    drop(client);
    let page = Page::from_rows(rows, &params, |o| Cursor { at: o.created_at, id: o.id });
    Page { items: order_views(app, page.items).await?, next_cursor: page.next_cursor }.into_response(&req, &params)
}

#[utoipa::path(post, path = "/orders/{id}/cancel", tag = "market", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The order, cancelled; a reserved copy is released", body = OrderView),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        (status = 403, description = "not_buyer: the caller is the order's seller", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or not the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "invalid_transition: only a pending order can be cancelled", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel_order(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let order = match repo::lock_order(&tx, id).await? {
        Some(o) if o.buyer.id == me.id => o,
        Some(o) if o.seller.id == me.id => return Err(MarketError::NotBuyer),
        _ => return Err(MarketError::OrderNotFound),
    };
    if !saga::cancel(&tx, &order, "cancelled by the buyer").await? {
        return Err(MarketError::InvalidTransition { from: order.status.as_str(), to: "cancelled" });
    }
    tx.commit().await?;
    let order = repo::order(&client, id).await?.ok_or(MarketError::OrderNotFound)?;
    drop(client);
    json(StatusCode::OK, &order_view(app, order).await?)
}

#[utoipa::path(post, path = "/orders/{id}/refund", tag = "market", params(("id" = Uuid, Path)), request_body = Option<RefundBody>, security(("bearer" = [])),
    responses(
        (status = 200, description = "The order; it becomes `refunded` once the provider confirms, and the buyer's access ends at once", body = OrderView),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        (status = 403, description = "not_seller: the caller is the order's buyer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or not the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "invalid_transition: only a paid, shipped or completed order can be refunded", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refund_order(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    let empty = match req.body() {
        Body::Empty => true,
        Body::Text(t) => t.trim().is_empty(),
        Body::Binary(b) => b.iter().all(u8::is_ascii_whitespace),
        _ => true,
    };
    let body: RefundBody = if empty { RefundBody::default() } else { json_body(&req)? };
    let reason = match &body.reason {
        Some(r) => text("reason", r, 500, false)?,
        None => String::new(),
    };
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let order = match repo::lock_order(&tx, id).await? {
        Some(o) if o.seller.id == me.id => o,
        Some(o) if o.buyer.id == me.id => return Err(MarketError::NotSeller),
        _ => return Err(MarketError::OrderNotFound),
    };
    let payment_id = match (&order.payment_id, order.status.refundable()) {
        (Some(p), true) => p.clone(),
        _ => return Err(MarketError::InvalidTransition { from: order.status.as_str(), to: "refunded" }),
    };
    let mut outbox = Vec::new();
    if order.refund_requested_at.is_none() {
        repo::mark_refund_requested(&tx, id).await?;
        let note = if reason.is_empty() {
            "refund requested by the seller".to_string()
        } else {
            format!("refund requested by the seller: {reason}")
        };
        repo::add_history(&tx, id, order.status, Some(&note)).await?;
        let event = DomainEvent::RefundRequested { order_id: id, payment_id, requested_by: Some(me.id) };
        outbox = cs_events::emit(&tx, &event.into_event()).await?;
    }
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    let order = repo::order(&client, id).await?.ok_or(MarketError::OrderNotFound)?;
    drop(client);
    json(StatusCode::OK, &order_view(app, order).await?)
}

#[utoipa::path(get, path = "/orders/{id}/download", tag = "market", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "A link to the file that expires; each call counts as one download", body = DownloadView),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        (status = 404, description = "No such order, or not the caller's purchase", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "download_limit_reached, or order_not_paid (not delivered yet, cancelled or refunded)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn download(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let Some((left, was)) = repo::take_download(&tx, id, me.id).await? else {
        drop(tx);
        return Err(match repo::order(&client, id).await? {
            Some(o) if o.buyer.id == me.id => {
                let delivered = matches!(o.status, OrderStatus::Shipped | OrderStatus::Completed);
                if delivered && o.refund_requested_at.is_none() && o.downloads_left <= 0 {
                    MarketError::DownloadLimitReached
                } else {
                    MarketError::OrderNotPaid
                }
            }
            _ => MarketError::OrderNotFound,
        });
    };
    if was == OrderStatus::Shipped.as_str() {
        repo::add_history(&tx, id, OrderStatus::Completed, Some("downloaded")).await?;
    }
    let order = repo::order(&tx, id).await?.ok_or(MarketError::OrderNotFound)?;
    let ttl = app.config.download_url_ttl;
    let url = app.files.presign_download(&order.file_key, &order.file_name, ttl).await?;
    tx.commit().await?;
    let expires_at = Utc::now() + chrono::Duration::from_std(ttl).map_err(anyhow::Error::from)?;
    json(StatusCode::OK, &DownloadView { url, expires_at, downloads_left: left })
}
