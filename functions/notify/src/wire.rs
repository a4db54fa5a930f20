//! The JSON the notification service speaks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{Channel, Kind};

/// Someone who acted: enough to show a name and a face.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActorView {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
}

/// "A and 5 others liked your post": `actors` newest first (at most ten), `actorCount` all.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub actors: Vec<ActorView>,
    pub actor_count: i32,
    pub subject_id: Uuid,
    pub read: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub count: i64,
}

/// Either `ids` or `all: true`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkReadBody {
    /// UUIDs, read only without `all: true` (see the schema's `anyOf`).
    #[schema(value_type = Option<Vec<String>>)]
    pub ids: Option<Vec<String>>,
    pub all: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkReadResponse {
    pub updated: u64,
}

/// Per kind, where notifications go: `in_app`, `email` (in the app and by email) or `off`.
#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow: Option<Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub like: Option<Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mention: Option<Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Channel>,
}

impl Preferences {
    pub fn entries(&self) -> Vec<(Kind, Channel)> {
        [
            (Kind::Follow, self.follow),
            (Kind::Like, self.like),
            (Kind::Comment, self.comment),
            (Kind::Mention, self.mention),
            (Kind::Message, self.message),
            (Kind::Order, self.order),
        ]
        .into_iter()
        .filter_map(|(k, c)| c.map(|c| (k, c)))
        .collect()
    }

    pub fn from_entries(entries: &[(Kind, Channel)]) -> Self {
        let mut p = Preferences::default();
        for (k, c) in entries {
            let slot = match k {
                Kind::Follow => &mut p.follow,
                Kind::Like => &mut p.like,
                Kind::Comment => &mut p.comment,
                Kind::Mention => &mut p.mention,
                Kind::Message => &mut p.message,
                Kind::Order => &mut p.order,
            };
            *slot = Some(*c);
        }
        p
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Unsubscribed {
    #[serde(rename = "type")]
    pub kind: Kind,
    pub channel: Channel,
}
