use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const EVENT_VERSION: u16 = 1;

/// The envelope every event travels in: versioned JSON with an id, type, time, actor and
/// subject. `data` holds the type's own fields ([`DomainEvent`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u16,
    pub time: DateTime<Utc>,
    /// Who did it.
    pub actor: Option<Uuid>,
    /// What it was done to (the user followed, the post liked, ...).
    pub subject: Uuid,
    pub data: serde_json::Value,
}

/// Every event the platform emits, with its fields. The variant is the envelope's `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
pub enum DomainEvent {
    #[serde(rename = "user.followed", rename_all = "camelCase")]
    Followed { follower_id: Uuid, following_id: Uuid },
    #[serde(rename = "user.unfollowed", rename_all = "camelCase")]
    Unfollowed { follower_id: Uuid, following_id: Uuid },
    #[serde(rename = "post.created", rename_all = "camelCase")]
    PostCreated { post_id: Uuid, author_id: Uuid },
    #[serde(rename = "post.liked", rename_all = "camelCase")]
    PostLiked { post_id: Uuid, author_id: Uuid, liker_id: Uuid },
    #[serde(rename = "post.commented", rename_all = "camelCase")]
    PostCommented { post_id: Uuid, author_id: Uuid, comment_id: Uuid, commenter_id: Uuid },
    #[serde(rename = "user.mentioned", rename_all = "camelCase")]
    Mentioned { mentioned_id: Uuid, by_id: Uuid, post_id: Uuid, comment_id: Option<Uuid> },
    /// A message was stored: its delivery (pushes, then notifications of the members who
    /// were offline) is owed. The event's id is the message's.
    #[serde(rename = "chat.message_sent", rename_all = "camelCase")]
    MessageSent { conversation_id: Uuid, message_id: Uuid, sender_id: Uuid },
    #[serde(rename = "chat.message_unread", rename_all = "camelCase")]
    MessageUnread { conversation_id: Uuid, message_id: Uuid, sender_id: Uuid, recipient_id: Uuid },
    #[serde(rename = "market.item_sold", rename_all = "camelCase")]
    ItemSold { order_id: Uuid, item_id: Uuid, seller_id: Uuid, buyer_id: Uuid },
    /// A buyer ordered an item: the payment is to be created.
    #[serde(rename = "market.order_created", rename_all = "camelCase")]
    OrderCreated { order_id: Uuid, item_id: Uuid, seller_id: Uuid, buyer_id: Uuid },
    /// The provider confirmed the payment: the download is to be granted.
    #[serde(rename = "market.order_paid", rename_all = "camelCase")]
    OrderPaid { order_id: Uuid, item_id: Uuid, seller_id: Uuid, buyer_id: Uuid },
    /// The download was made available to the buyer.
    #[serde(rename = "market.order_shipped", rename_all = "camelCase")]
    OrderShipped { order_id: Uuid, item_id: Uuid, seller_id: Uuid, buyer_id: Uuid },
    /// A payment is to be refunded through the provider (a seller's refund, or a payment
    /// that arrived for a cancelled order).
    #[serde(rename = "market.refund_requested", rename_all = "camelCase")]
    RefundRequested { order_id: Uuid, payment_id: String, requested_by: Option<Uuid> },
    /// A user registered (search indexes their profile).
    #[serde(rename = "user.created", rename_all = "camelCase")]
    UserCreated { user_id: Uuid },
    /// A user changed their profile.
    #[serde(rename = "user.updated", rename_all = "camelCase")]
    UserUpdated { user_id: Uuid },
    #[serde(rename = "post.updated", rename_all = "camelCase")]
    PostUpdated { post_id: Uuid, author_id: Uuid },
    #[serde(rename = "post.deleted", rename_all = "camelCase")]
    PostDeleted { post_id: Uuid, author_id: Uuid },
    /// An item was listed (active or draft).
    #[serde(rename = "market.item_created", rename_all = "camelCase")]
    ItemCreated { item_id: Uuid, seller_id: Uuid },
    /// An item's listing changed (title, description, price, status, copies...).
    #[serde(rename = "market.item_updated", rename_all = "camelCase")]
    ItemUpdated { item_id: Uuid, seller_id: Uuid },
    #[serde(rename = "market.item_archived", rename_all = "camelCase")]
    ItemArchived { item_id: Uuid, seller_id: Uuid },
}

impl DomainEvent {
    /// (actor, subject) of the envelope.
    fn parties(&self) -> (Uuid, Uuid) {
        match self {
            DomainEvent::Followed { follower_id, following_id } => (*follower_id, *following_id),
            DomainEvent::Unfollowed { follower_id, following_id } => (*follower_id, *following_id),
            DomainEvent::PostCreated { post_id, author_id } => (*author_id, *post_id),
            DomainEvent::PostLiked { post_id, liker_id, .. } => (*liker_id, *post_id),
            DomainEvent::PostCommented { post_id, commenter_id, .. } => (*commenter_id, *post_id),
            DomainEvent::Mentioned { by_id, post_id, .. } => (*by_id, *post_id),
            DomainEvent::MessageSent { conversation_id, sender_id, .. } => (*sender_id, *conversation_id),
            DomainEvent::MessageUnread { conversation_id, sender_id, .. } => (*sender_id, *conversation_id),
            DomainEvent::ItemSold { order_id, buyer_id, .. } => (*buyer_id, *order_id),
            DomainEvent::OrderCreated { order_id, buyer_id, .. } => (*buyer_id, *order_id),
            DomainEvent::OrderPaid { order_id, buyer_id, .. } => (*buyer_id, *order_id),
            DomainEvent::OrderShipped { order_id, seller_id, .. } => (*seller_id, *order_id),
            DomainEvent::RefundRequested { order_id, requested_by, .. } => {
                (requested_by.unwrap_or(Uuid::nil()), *order_id)
            }
            DomainEvent::UserCreated { user_id } | DomainEvent::UserUpdated { user_id } => (*user_id, *user_id),
            DomainEvent::PostUpdated { post_id, author_id } | DomainEvent::PostDeleted { post_id, author_id } => {
                (*author_id, *post_id)
            }
            DomainEvent::ItemCreated { item_id, seller_id }
            | DomainEvent::ItemUpdated { item_id, seller_id }
            | DomainEvent::ItemArchived { item_id, seller_id } => (*seller_id, *item_id),
        }
    }

    /// This event in its envelope, with a new id.
    pub fn into_event(self) -> Event {
        let (actor, subject) = self.parties();
        let tagged = serde_json::to_value(&self).unwrap_or_default();
        Event {
            id: Uuid::now_v7(),
            kind: tagged["type"].as_str().unwrap_or_default().to_string(),
            version: EVENT_VERSION,
            time: Utc::now(),
            actor: Some(actor),
            subject,
            data: tagged["data"].clone(),
        }
    }
}

impl Event {
    /// The typed event, or `None` for a type this build does not know (a newer producer).
    pub fn domain(&self) -> Option<DomainEvent> {
        serde_json::from_value(serde_json::json!({ "type": self.kind, "data": self.data })).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trips_and_names_its_parties() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let event = DomainEvent::Followed { follower_id: a, following_id: b }.into_event();
        assert_eq!((event.kind.as_str(), event.actor, event.subject), ("user.followed", Some(a), b));
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "user.followed");
        assert_eq!(json["data"]["followerId"], a.to_string());
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back.domain(), Some(DomainEvent::Followed { follower_id: a, following_id: b }));
    }

    #[test]
    fn unknown_types_are_not_errors() {
        let mut e = DomainEvent::Followed { follower_id: Uuid::new_v4(), following_id: Uuid::new_v4() }.into_event();
        e.kind = "future.thing".into();
        assert_eq!(e.domain(), None);
    }
}
