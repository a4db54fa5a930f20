//! `POST /payments/webhook`: the provider's signed events. Each is checked (signature and a
//! 300-second tolerance), stored by id (a repeat does nothing), and applied to the order
//! re-read under a lock, only where it is a legal transition: an event that arrives late or
//! out of order changes nothing.

use cs_events::DomainEvent;
use cs_http::{json, Body, HttpError, Problem, Request, Response};
use lambda_http::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    domain::{MoneyBody, OrderStatus},
    repo,
    saga::{cancel, transition},
    signature, App, MarketError,
};

/// An event as the provider sends it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProviderEvent {
    /// `evt_…`, unique per event (a redelivery repeats it).
    pub id: String,
    /// payment.succeeded | payment.failed | payment.expired | refund.succeeded
    #[serde(rename = "type")]
    pub kind: String,
    /// Unix seconds.
    pub created: i64,
    pub data: ProviderEventData,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderEventData {
    pub payment_id: String,
    pub order_id: Uuid,
    pub amount: Option<MoneyBody>,
}

/// What the webhook did with an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAnswer {
    pub received: bool,
    /// paid | cancelled | refunded | refund_requested | duplicate | ignored: …
    pub outcome: String,
}

fn raw_body(req: &Request) -> &[u8] {
    match req.body() {
        Body::Text(s) => s.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    }
}

#[utoipa::path(post, path = "/payments/webhook", tag = "market", request_body = ProviderEvent,
    params(("Payment-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">; several v1 allowed")),
    responses(
        (status = 200, description = "Received (also a repeat, which changes nothing)", body = WebhookAnswer),
        cs_http::openapi::BadBody,
        (status = 400, description = "invalid_signature: the signature is missing, wrong, or outside the 300-second tolerance; malformed_event: a signed body that is not an event", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn receive(app: &App, req: Request) -> Result<Response<Body>, HttpError> {
    let body = raw_body(&req);
    let header = req.headers().get("payment-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !signature::verify(header, body, &app.config.webhook_secrets, chrono::Utc::now().timestamp()) {
        return Err(MarketError::InvalidSignature.into());
    }
    let event: ProviderEvent = serde_json::from_slice(body).map_err(|err| {
        Problem::new(StatusCode::BAD_REQUEST, "malformed_event", format!("the body is not a provider event: {err}"))
    })?;
    let outcome = apply(app, &event).await?;
    tracing::info!(event = %event.id, kind = %event.kind, order = %event.data.order_id, %outcome, "payment event");
    json(StatusCode::OK, &WebhookAnswer { received: true, outcome })
}

/// Applies one event once; returns what it did.
pub async fn apply(app: &App, e: &ProviderEvent) -> Result<String, MarketError> {
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    if !repo::record_event(&tx, &e.id, &e.kind, Some(e.data.order_id), &e.data.payment_id).await? {
        return Ok("duplicate".into());
    }
    let mut outbox = Vec::new();
    let outcome = match repo::lock_order(&tx, e.data.order_id).await? {
        None => "ignored: no such order".to_string(),
        Some(order) if order.payment_id.as_ref().is_some_and(|p| *p != e.data.payment_id) => {
            "ignored: not this order's payment".to_string()
        }
        Some(order) => match e.kind.as_str() {
            "payment.succeeded" => match order.status {
                OrderStatus::Pending if e.data.amount.as_ref().is_some_and(|a| *a != order.amount.body()) => {
                    "ignored: the amount is not the order's".to_string()
                }
                OrderStatus::Pending => {
                    transition(&tx, &order, OrderStatus::Paid, Some("the payment succeeded")).await?;
                    repo::add_sale(&tx, order.item_id).await?;
                    let (order_id, item_id, seller_id, buyer_id) =
                        (order.id, order.item_id, order.seller.id, order.buyer.id);
                    for event in [
                        DomainEvent::OrderPaid { order_id, item_id, seller_id, buyer_id },
                        DomainEvent::ItemSold { order_id, item_id, seller_id, buyer_id },
                    ] {
                        outbox.extend(cs_events::emit(&tx, &event.into_event()).await?);
                    }
                    "paid".to_string()
                }
                // The compensation: money arrived for an order that no longer wants it.
                OrderStatus::Cancelled if order.refund_requested_at.is_none() => {
                    repo::mark_refund_requested(&tx, order.id).await?;
                    let reason = "a payment arrived after the order was cancelled: it is being refunded";
                    repo::add_history(&tx, order.id, OrderStatus::Cancelled, Some(reason)).await?;
                    let event = DomainEvent::RefundRequested {
                        order_id: order.id,
                        payment_id: e.data.payment_id.clone(),
                        requested_by: None,
                    };
                    outbox.extend(cs_events::emit(&tx, &event.into_event()).await?);
                    "refund_requested".to_string()
                }
                status => format!("ignored: the order is {}", status.as_str()),
            },
            "payment.failed" | "payment.expired" => {
                let reason =
                    if e.kind == "payment.failed" { "the payment was declined" } else { "the payment expired" };
                if cancel(&tx, &order, reason).await? {
                    "cancelled".to_string()
                } else {
                    format!("ignored: the order is {}", order.status.as_str())
                }
            }
            "refund.succeeded" => {
                if order.refund_requested_at.is_some()
                    && transition(&tx, &order, OrderStatus::Refunded, Some("the payment was refunded")).await?
                {
                    "refunded".to_string()
                } else {
                    format!("ignored: the order is {} with no refund asked for", order.status.as_str())
                }
            }
            other => format!("ignored: unknown event type {other}"),
        },
    };
    if outcome.starts_with("ignored") {
        tracing::warn!(event = %e.id, kind = %e.kind, order = %e.data.order_id, %outcome, "payment event changed nothing");
    }
    repo::event_outcome(&tx, &e.id, &outcome).await?;
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    Ok(outcome)
}
