//! The order saga's steps that run off the request path: creating the payment, granting the
//! download, cancelling orders left unpaid, asking the provider for refunds; and the
//! transitions every step shares.

use cs_db::GenericClient;
use cs_events::{each_record, first_delivery, DomainEvent, Event, SqsBatchResponse, SqsEvent};
use uuid::Uuid;

use crate::{
    domain::OrderStatus,
    provider::NewPayment,
    repo::{self, OrderRow},
    App,
};

pub const PAYMENTS_CONSUMER: &str = "market-payments";
pub const FULFILMENT_CONSUMER: &str = "market-fulfil";

/// Moves a locked order to `to` if that is a legal transition, with its history entry.
/// `false` (and nothing changed) if it is not.
pub async fn transition(
    tx: &impl GenericClient,
    order: &OrderRow,
    to: OrderStatus,
    reason: Option<&str>,
) -> anyhow::Result<bool> {
    if !order.status.can_become(to) {
        return Ok(false);
    }
    repo::set_status(tx, order.id, to).await?;
    repo::add_history(tx, order.id, to, reason).await?;
    Ok(true)
}

/// Cancels a locked pending order and gives its reserved copy back.
pub async fn cancel(tx: &impl GenericClient, order: &OrderRow, reason: &str) -> anyhow::Result<bool> {
    if !transition(tx, order, OrderStatus::Cancelled, Some(reason)).await? {
        return Ok(false);
    }
    if order.copy_reserved {
        repo::release_copy(tx, order.item_id).await?;
    }
    Ok(true)
}

/// Creates the order's payment at the provider unless it has one (the order id is the
/// provider's idempotency key, so a repeat, or a race with the request that created the
/// order, gives the same payment).
pub async fn ensure_payment(app: &App, order_id: Uuid) -> anyhow::Result<()> {
    // No connection is held across the provider's answer.
    let Some(order) = repo::order(&app.db.get().await?, order_id).await? else { return Ok(()) };
    if order.status != OrderStatus::Pending || order.payment_id.is_some() {
        return Ok(());
    }
    let payment = app
        .provider
        .create_payment(&NewPayment {
            order_id,
            amount: order.amount.body(),
            description: order.item_title.clone(),
            // The web app's order page (`/orders/{id}` is the API's).
            return_url: format!("{}/market/orders/{order_id}", app.public_url),
            webhook_url: app.config.webhook_url.clone(),
        })
        .await?;
    repo::set_payment(&app.db.get().await?, order_id, app.provider.name(), &payment.id, &payment.checkout_url).await?;
    Ok(())
}

pub async fn consume_payments(app: &App, batch: SqsEvent) -> SqsBatchResponse {
    each_record(PAYMENTS_CONSUMER, batch, |event| apply_payment_step(app, event)).await
}

async fn apply_payment_step(app: &App, event: Event) -> anyhow::Result<()> {
    match event.domain() {
        Some(DomainEvent::OrderCreated { order_id, .. }) => ensure_payment(app, order_id).await?,
        Some(DomainEvent::RefundRequested { order_id, payment_id, .. }) => {
            app.provider.refund(&payment_id, &format!("refund-{order_id}")).await?
        }
        _ => return Ok(()),
    }
    let client = app.db.get().await?;
    first_delivery(&client, PAYMENTS_CONSUMER, event.id).await?;
    Ok(())
}

pub async fn consume_fulfilment(app: &App, batch: SqsEvent) -> SqsBatchResponse {
    each_record(FULFILMENT_CONSUMER, batch, |event| fulfil(app, event)).await
}

/// A paid order's download becomes available: `paid → shipped`.
async fn fulfil(app: &App, event: Event) -> anyhow::Result<()> {
    let Some(DomainEvent::OrderPaid { order_id, item_id, seller_id, buyer_id }) = event.domain() else {
        return Ok(());
    };
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    if !first_delivery(&tx, FULFILMENT_CONSUMER, event.id).await? {
        return Ok(());
    }
    let Some(order) = repo::lock_order(&tx, order_id).await? else {
        tx.commit().await?;
        return Ok(());
    };
    let mut outbox = Vec::new();
    if order.refund_requested_at.is_none()
        && transition(&tx, &order, OrderStatus::Shipped, Some("the download is available")).await?
    {
        let shipped = DomainEvent::OrderShipped { order_id, item_id, seller_id, buyer_id }.into_event();
        outbox = cs_events::emit(&tx, &shipped).await?;
    } else {
        tracing::info!(%order_id, status = order.status.as_str(), "order.paid ignored: not a paid order any more");
    }
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    Ok(())
}

/// Cancels pending orders whose payment time is up, releasing their copies.
pub async fn expire_orders(app: &App) -> anyhow::Result<usize> {
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let mut expired = 0;
    for id in repo::expired_orders(&tx, 500).await? {
        if let Some(order) = repo::lock_order(&tx, id).await? {
            if cancel(&tx, &order, "the payment was not completed in time").await? {
                expired += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(expired)
}
