//! What a notification is, and which event makes which notification for whom.

use cs_events::{DomainEvent, Event};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Follow,
    Like,
    Comment,
    Mention,
    Message,
    Order,
}

impl Kind {
    pub const ALL: [Kind; 6] = [Kind::Follow, Kind::Like, Kind::Comment, Kind::Mention, Kind::Message, Kind::Order];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Follow => "follow",
            Kind::Like => "like",
            Kind::Comment => "comment",
            Kind::Mention => "mention",
            Kind::Message => "message",
            Kind::Order => "order",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Where a user who never chose gets this kind: likes only in the app (they come in
    /// floods), everything else by email too.
    pub fn default_channel(self) -> Channel {
        match self {
            Kind::Like => Channel::InApp,
            _ => Channel::Email,
        }
    }
}

/// Per kind: in the app only, in the app and by email, or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    InApp,
    Email,
    Off,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Email => "email",
            Channel::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::InApp, Channel::Email, Channel::Off].into_iter().find(|c| c.as_str() == s)
    }
}

/// The notification an event asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub recipient: Uuid,
    pub kind: Kind,
    pub subject: Uuid,
    pub actor: Uuid,
    pub group_key: String,
}

/// `None` for events that notify nobody (unknown types, acting on your own things).
pub fn plan(event: &Event) -> Option<Planned> {
    let (recipient, kind, subject, actor, group_key) = match event.domain()? {
        DomainEvent::Unfollowed { .. }
        | DomainEvent::PostCreated { .. }
        | DomainEvent::MessageSent { .. }
        | DomainEvent::OrderCreated { .. }
        | DomainEvent::RefundRequested { .. }
        | DomainEvent::UserCreated { .. }
        | DomainEvent::UserUpdated { .. }
        | DomainEvent::PostUpdated { .. }
        | DomainEvent::PostDeleted { .. }
        | DomainEvent::ItemCreated { .. }
        | DomainEvent::ItemUpdated { .. }
        | DomainEvent::ItemArchived { .. } => return None,
        DomainEvent::Followed { follower_id, following_id } => {
            (following_id, Kind::Follow, following_id, follower_id, "follow".to_string())
        }
        DomainEvent::PostLiked { post_id, author_id, liker_id } => {
            (author_id, Kind::Like, post_id, liker_id, format!("like:{post_id}"))
        }
        DomainEvent::PostCommented { post_id, author_id, commenter_id, .. } => {
            (author_id, Kind::Comment, post_id, commenter_id, format!("comment:{post_id}"))
        }
        DomainEvent::Mentioned { mentioned_id, by_id, post_id, comment_id } => {
            (mentioned_id, Kind::Mention, comment_id.unwrap_or(post_id), by_id, format!("mention:{}", event.id))
        }
        DomainEvent::MessageUnread { conversation_id, sender_id, recipient_id, .. } => {
            (recipient_id, Kind::Message, conversation_id, sender_id, format!("message:{conversation_id}"))
        }
        DomainEvent::ItemSold { order_id, seller_id, buyer_id, .. } => {
            (seller_id, Kind::Order, order_id, buyer_id, format!("order:{order_id}:sold"))
        }
        DomainEvent::OrderPaid { order_id, seller_id, buyer_id, .. } => {
            (buyer_id, Kind::Order, order_id, seller_id, format!("order:{order_id}:paid"))
        }
        DomainEvent::OrderShipped { order_id, seller_id, buyer_id, .. } => {
            (buyer_id, Kind::Order, order_id, seller_id, format!("order:{order_id}:shipped"))
        }
    };
    (recipient != actor).then_some(Planned { recipient, kind, subject, actor, group_key })
}

/// The email's subject line for a notification about `actor`.
pub fn email_subject(plan: &Planned, actor: &str) -> String {
    match plan.kind {
        Kind::Order if plan.group_key.ends_with(":paid") => "Your payment went through".to_string(),
        Kind::Order if plan.group_key.ends_with(":shipped") => "Your purchase is ready to download".to_string(),
        Kind::Follow => format!("{actor} started following you"),
        Kind::Like => format!("{actor} liked your post"),
        Kind::Comment => format!("{actor} commented on your post"),
        Kind::Mention => format!("{actor} mentioned you"),
        Kind::Message => format!("{actor} sent you a message"),
        Kind::Order => format!("{actor} bought your item"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_notify_the_followed_and_likes_group_by_post() {
        let (a, b, post) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let p = plan(&DomainEvent::Followed { follower_id: a, following_id: b }.into_event()).unwrap();
        assert_eq!((p.recipient, p.kind, p.actor, p.group_key.as_str()), (b, Kind::Follow, a, "follow"));
        let p = plan(&DomainEvent::PostLiked { post_id: post, author_id: b, liker_id: a }.into_event()).unwrap();
        assert_eq!((p.recipient, p.group_key), (b, format!("like:{post}")));
    }

    #[test]
    fn orders_notify_the_seller_on_a_sale_and_the_buyer_on_payment_and_delivery() {
        let (order, item, seller, buyer) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let sold = plan(
            &DomainEvent::ItemSold { order_id: order, item_id: item, seller_id: seller, buyer_id: buyer }.into_event(),
        )
        .unwrap();
        assert_eq!((sold.recipient, sold.kind, sold.subject), (seller, Kind::Order, order));
        assert_eq!(email_subject(&sold, "ann"), "ann bought your item");
        let paid = plan(
            &DomainEvent::OrderPaid { order_id: order, item_id: item, seller_id: seller, buyer_id: buyer }.into_event(),
        )
        .unwrap();
        assert_eq!(paid.recipient, buyer);
        assert_eq!(email_subject(&paid, "bo"), "Your payment went through");
        let shipped = plan(
            &DomainEvent::OrderShipped { order_id: order, item_id: item, seller_id: seller, buyer_id: buyer }
                .into_event(),
        )
        .unwrap();
        assert_eq!(
            (shipped.recipient, email_subject(&shipped, "bo").as_str()),
            (buyer, "Your purchase is ready to download")
        );
        assert!(plan(
            &DomainEvent::OrderCreated { order_id: order, item_id: item, seller_id: seller, buyer_id: buyer }
                .into_event()
        )
        .is_none());
    }

    #[test]
    fn acting_on_your_own_things_notifies_nobody() {
        let (a, post) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(plan(&DomainEvent::PostLiked { post_id: post, author_id: a, liker_id: a }.into_event()).is_none());
    }

    #[test]
    fn kinds_and_channels_parse_their_wire_names() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(Channel::parse("in_app"), Some(Channel::InApp));
        assert_eq!(Channel::parse("sms"), None);
    }
}
