use cs_db::GenericClient;

use crate::Event;

pub const NOTIFICATIONS_QUEUE: &str = "notifications";
pub const TIMELINE_QUEUE: &str = "timeline";
pub const CHAT_QUEUE: &str = "chat";
pub const MARKET_PAYMENTS_QUEUE: &str = "market-payments";
pub const MARKET_FULFILMENT_QUEUE: &str = "market-fulfilment";
pub const SEARCH_QUEUE: &str = "search";

/// The queues an event type goes to (each gets its own outbox row and delivery).
pub fn queues_for(kind: &str) -> &'static [&'static str] {
    match kind {
        "user.followed" => &[NOTIFICATIONS_QUEUE, TIMELINE_QUEUE],
        "user.unfollowed" => &[TIMELINE_QUEUE],
        "post.created" => &[TIMELINE_QUEUE, SEARCH_QUEUE],
        "user.created"
        | "user.updated"
        | "post.updated"
        | "post.deleted"
        | "market.item_created"
        | "market.item_updated"
        | "market.item_archived" => &[SEARCH_QUEUE],
        "chat.message_sent" => &[CHAT_QUEUE],
        "post.liked"
        | "post.commented"
        | "user.mentioned"
        | "chat.message_unread"
        | "market.item_sold"
        | "market.order_shipped" => &[NOTIFICATIONS_QUEUE],
        "market.order_created" | "market.refund_requested" => &[MARKET_PAYMENTS_QUEUE],
        "market.order_paid" => &[MARKET_FULFILMENT_QUEUE, NOTIFICATIONS_QUEUE],
        _ => &[],
    }
}

/// Records `event` in the outbox, inside the caller's transaction: it is sent if and only if
/// the transaction commits. Returns the outbox row ids, for [`Relay::publish`](crate::Relay::publish).
pub async fn emit(tx: &impl GenericClient, event: &Event) -> anyhow::Result<Vec<i64>> {
    let body = serde_json::to_value(event)?;
    let mut ids = Vec::new();
    for queue in queues_for(&event.kind) {
        let row = tx
            .query_one(
                "INSERT INTO outbox (event_id, event_type, queue, body) VALUES ($1, $2, $3, $4) RETURNING id",
                &[&event.id, &event.kind, queue, &body],
            )
            .await?;
        ids.push(row.get(0));
    }
    Ok(ids)
}

/// Marks `event_id`'s outbox rows as handled in the process that wrote them (inside the
/// transaction that recorded that work), so the relay and the sweep never send them.
pub async fn handled_in_process(tx: &impl GenericClient, event_id: uuid::Uuid) -> anyhow::Result<()> {
    tx.execute("UPDATE outbox SET published_at = now() WHERE event_id = $1 AND published_at IS NULL", &[&event_id])
        .await?;
    Ok(())
}
