//! The JSON the chat service speaks: REST bodies and views, and WebSocket frames.

use chrono::{DateTime, Utc};
use cs_readmodel::UserSummary;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::repo::MessageRow;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewConversationBody {
    /// The other members (the caller is always one). One other member and no name is the
    /// pair's direct conversation.
    /// The other members (the caller is one anyway): one and no name makes the pair's
    /// direct conversation; each must be a user.
    #[schema(value_type = Vec<cs_http::openapi::UuidString>, min_items = 1, max_items = 255)]
    pub member_ids: Vec<String>,
    /// A group's name: not blank, no NUL (Postgres text cannot hold one).
    #[schema(
        max_length = 100,
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewMessageBody {
    /// Not blank, no NUL (Postgres text cannot hold one).
    #[schema(
        max_length = 4000,
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub body: String,
    /// The client's id for this message: sending again with the same one returns the
    /// message already stored instead of a second copy.
    #[schema(min_length = 1, max_length = 100, pattern = r"^[^\u0000]*$")]
    pub client_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMessageBody {
    /// Not blank, no NUL (Postgres text cannot hold one).
    #[schema(
        max_length = 4000,
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub body: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadBody {
    /// Read up to and including this message; the newest message when left out.
    #[schema(value_type = Option<cs_http::openapi::UuidString>)]
    pub message_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub sender_id: Uuid,
    /// Empty once deleted.
    pub body: String,
    pub client_id: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
}

impl From<MessageRow> for MessageView {
    fn from(m: MessageRow) -> Self {
        MessageView {
            id: m.id,
            conversation_id: m.conversation_id,
            sender_id: m.sender_id,
            body: m.body,
            client_id: m.client_id,
            created_at: m.created_at,
            edited_at: m.edited_at,
            deleted: m.deleted,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationView {
    pub id: Uuid,
    /// `direct` or `group`.
    pub kind: String,
    pub name: Option<String>,
    pub members: Vec<UserSummary>,
    pub last_message: Option<MessageView>,
    /// Messages from others after the caller's read marker.
    pub unread_count: i64,
    /// Last activity: creation or the newest message.
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadView {
    pub conversation_id: Uuid,
    pub user_id: Uuid,
    pub message_id: Option<Uuid>,
    pub read_at: DateTime<Utc>,
    /// The reader's unread messages left in the conversation.
    pub unread_count: i64,
}

/// Frames a client sends; `action` picks the route.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageFrame {
    pub conversation_id: String,
    pub body: String,
    pub client_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypingFrame {
    pub conversation_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkReadFrame {
    pub conversation_id: String,
    pub message_id: String,
}

/// Frames the server pushes.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ServerFrame<'a> {
    /// A new, edited or deleted message.
    Message {
        message: &'a MessageView,
    },
    #[serde(rename_all = "camelCase")]
    Typing {
        conversation_id: Uuid,
        user_id: Uuid,
    },
    Read(&'a ReadView),
    #[serde(rename_all = "camelCase")]
    Error {
        code: &'a str,
        detail: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        field: Option<&'a str>,
        status: u16,
        /// The action of the frame that failed, when it had one.
        #[serde(skip_serializing_if = "Option::is_none")]
        action: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<&'a str>,
    },
}

impl ServerFrame<'_> {
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}
