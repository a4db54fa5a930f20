//! The chat service's SQL. Functions take any client (pool connection or transaction).

use chrono::{DateTime, Utc};
use cs_db::{GenericClient, Row};
use cs_http::PageParams;
use cs_readmodel::UserSummary;
use uuid::Uuid;

use crate::ChatError;

#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub sender_id: Uuid,
    pub body: String,
    pub client_id: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
}

const MESSAGE_COLUMNS: &str =
    "m.id, m.conversation_id, m.sender_id, m.body, m.client_id, m.created_at, m.edited_at, m.deleted";

impl MessageRow {
    /// The message's columns, in `MESSAGE_COLUMNS` order, from column `at`; `None` when
    /// they are NULL (no message on an outer join).
    fn at(r: &Row, at: usize) -> Option<Self> {
        Some(MessageRow {
            id: r.get::<_, Option<Uuid>>(at)?,
            conversation_id: r.get(at + 1),
            sender_id: r.get(at + 2),
            body: r.get(at + 3),
            client_id: r.get(at + 4),
            created_at: r.get(at + 5),
            edited_at: r.get(at + 6),
            deleted: r.get(at + 7),
        })
    }
}

fn message(r: &Row) -> Result<MessageRow, ChatError> {
    MessageRow::at(r, 0).ok_or_else(|| anyhow::anyhow!("a message row without an id").into())
}

/// A conversation as one member sees it.
#[derive(Debug, Clone)]
pub struct ConversationRow {
    pub id: Uuid,
    pub kind: String,
    pub name: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub unread: i64,
    pub last: Option<MessageRow>,
}

/// Conversations of member `$1`, each with its unread count and newest message.
const CONVERSATION_SELECT: &str = "SELECT c.id, c.kind, c.name, c.updated_at,
        (SELECT count(*) FROM messages x
          WHERE x.conversation_id = c.id AND x.created_at > cm.last_read_at
            AND x.sender_id <> cm.user_id AND NOT x.deleted),
        m.id, m.conversation_id, m.sender_id, m.body, m.client_id, m.created_at, m.edited_at, m.deleted
     FROM conversation_members cm
     JOIN conversations c ON c.id = cm.conversation_id
     LEFT JOIN LATERAL (
         SELECT * FROM messages m WHERE m.conversation_id = c.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1
     ) m ON true
     WHERE cm.user_id = $1";

impl From<&Row> for ConversationRow {
    fn from(r: &Row) -> Self {
        ConversationRow {
            id: r.get(0),
            kind: r.get(1),
            name: r.get(2),
            updated_at: r.get(3),
            unread: r.get(4),
            last: MessageRow::at(r, 5),
        }
    }
}

/// The caller's conversations, newest activity first, `limit + 1` rows.
pub async fn conversations(
    db: &impl GenericClient,
    me: Uuid,
    page: &PageParams,
) -> Result<Vec<ConversationRow>, ChatError> {
    let (at, id) = page.cursor.map(|c| (Some(c.at), Some(c.id))).unwrap_or((None, None));
    let sql = format!(
        "{CONVERSATION_SELECT} AND ($2::timestamptz IS NULL OR (c.updated_at, c.id) < ($2, $3))
         ORDER BY c.updated_at DESC, c.id DESC LIMIT $4"
    );
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&me, &at, &id, &page.fetch()]).await?;
    Ok(rows.iter().map(ConversationRow::from).collect())
}

/// One conversation of the caller's; `None` when it does not exist or they are not in it.
pub async fn conversation(db: &impl GenericClient, me: Uuid, id: Uuid) -> Result<Option<ConversationRow>, ChatError> {
    let sql = format!("{CONVERSATION_SELECT} AND c.id = $2");
    Ok(db.query_opt(&db.prepare_cached(&sql).await?, &[&me, &id]).await?.as_ref().map(ConversationRow::from))
}

/// The members of the conversations, in the order they joined.
pub async fn member_users(db: &impl GenericClient, ids: &[Uuid]) -> Result<Vec<(Uuid, UserSummary)>, ChatError> {
    let sql = format!(
        "SELECT cm.conversation_id, {} FROM conversation_members cm JOIN user_summaries u ON u.id = cm.user_id
         WHERE cm.conversation_id = ANY($1) ORDER BY cm.joined_at, u.username",
        UserSummary::columns("u", "member_")
    );
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&ids]).await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("conversation_id")?, UserSummary::from_row(r, "member_")?)))
        .collect::<Result<_, tokio_postgres::Error>>()?)
}

/// A conversation's members, when `me` is one of them.
pub struct Membership {
    pub members: Vec<Uuid>,
    /// A direct conversation whose pair has a block between them, either way
    /// (`blocks` of the user service).
    pub blocked: bool,
}

pub async fn membership(
    db: &impl GenericClient,
    conversation: Uuid,
    me: Uuid,
) -> Result<Option<Membership>, ChatError> {
    let sql = "SELECT array_agg(cm.user_id),
            EXISTS (SELECT 1 FROM user_blocks b
                     WHERE (b.blocker_id, b.blocked_id) IN ((c.direct_a, c.direct_b), (c.direct_b, c.direct_a)))
         FROM conversations c JOIN conversation_members cm ON cm.conversation_id = c.id
         WHERE c.id = $1 GROUP BY c.id HAVING bool_or(cm.user_id = $2)";
    let row = db.query_opt(&db.prepare_cached(sql).await?, &[&conversation, &me]).await?;
    Ok(row.map(|r| Membership { members: r.get(0), blocked: r.get(1) }))
}

/// The ids among `ids` that are no user's.
pub async fn unknown_users(db: &impl GenericClient, ids: &[Uuid]) -> Result<Vec<Uuid>, ChatError> {
    let sql = "SELECT t.id FROM unnest($1::uuid[]) AS t(id) WHERE NOT EXISTS (SELECT 1 FROM user_summaries u WHERE u.id = t.id)";
    let rows = db.query(&db.prepare_cached(sql).await?, &[&ids]).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

pub async fn direct(db: &impl GenericClient, a: Uuid, b: Uuid) -> Result<Option<Uuid>, ChatError> {
    let (a, b) = crate::domain::pair(a, b);
    let sql = "SELECT id FROM conversations WHERE kind = 'direct' AND direct_a = $1 AND direct_b = $2";
    Ok(db.query_opt(&db.prepare_cached(sql).await?, &[&a, &b]).await?.map(|r| r.get(0)))
}

/// Creates a conversation of `creator` and `others`. For a direct one whose pair already
/// has one (a concurrent request won), returns `false` and creates nothing.
pub async fn create(
    db: &impl GenericClient,
    id: Uuid,
    creator: Uuid,
    others: &[Uuid],
    kind: &str,
    name: Option<&str>,
) -> Result<bool, ChatError> {
    let (a, b) = match (kind, others) {
        ("direct", [other]) => {
            let (a, b) = crate::domain::pair(creator, *other);
            (Some(a), Some(b))
        }
        _ => (None, None),
    };
    let sql =
        "INSERT INTO conversations (id, kind, name, direct_a, direct_b, created_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (direct_a, direct_b) WHERE kind = 'direct' DO NOTHING";
    if db.execute(&db.prepare_cached(sql).await?, &[&id, &kind, &name, &a, &b, &creator]).await? == 0 {
        return Ok(false);
    }
    let members: Vec<Uuid> = std::iter::once(creator).chain(others.iter().copied()).collect();
    let sql = "INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::uuid[])";
    db.execute(&db.prepare_cached(sql).await?, &[&id, &members]).await?;
    Ok(true)
}

/// Stores a message; `None` when the sender already sent one with this client id here.
pub async fn insert_message(
    db: &impl GenericClient,
    id: Uuid,
    conversation: Uuid,
    sender: Uuid,
    body: &str,
    client_id: &str,
) -> Result<Option<MessageRow>, ChatError> {
    let sql = format!(
        "INSERT INTO messages AS m (id, conversation_id, sender_id, body, client_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (conversation_id, sender_id, client_id) DO NOTHING RETURNING {MESSAGE_COLUMNS}"
    );
    let row = db.query_opt(&db.prepare_cached(&sql).await?, &[&id, &conversation, &sender, &body, &client_id]).await?;
    row.as_ref().map(message).transpose()
}

pub async fn message_by_client_id(
    db: &impl GenericClient,
    conversation: Uuid,
    sender: Uuid,
    client_id: &str,
) -> Result<Option<MessageRow>, ChatError> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND m.sender_id = $2 AND m.client_id = $3"
    );
    let row = db.query_opt(&db.prepare_cached(&sql).await?, &[&conversation, &sender, &client_id]).await?;
    row.as_ref().map(message).transpose()
}

/// Moves the conversation to the top of its members' lists.
pub async fn touch(db: &impl GenericClient, conversation: Uuid, at: DateTime<Utc>) -> Result<(), ChatError> {
    let sql = "UPDATE conversations SET updated_at = greatest(updated_at, $2) WHERE id = $1";
    db.execute(&db.prepare_cached(sql).await?, &[&conversation, &at]).await?;
    Ok(())
}

/// Whether the message's delivery completed (see [`mark_delivered`]).
pub async fn delivered(db: &impl GenericClient, id: Uuid) -> Result<bool, ChatError> {
    let sql = "SELECT delivered_at IS NOT NULL AS delivered FROM messages WHERE id = $1";
    let row = db.query_opt(&db.prepare_cached(sql).await?, &[&id]).await?;
    Ok(row.map(|r| r.try_get("delivered")).transpose()?.unwrap_or(true))
}

/// Records the message's delivery as complete; false when another attempt already did,
/// so exactly one attempt notifies the offline members.
pub async fn mark_delivered(db: &impl GenericClient, id: Uuid) -> Result<bool, ChatError> {
    let sql = "UPDATE messages SET delivered_at = clock_timestamp() WHERE id = $1 AND delivered_at IS NULL";
    Ok(db.execute(&db.prepare_cached(sql).await?, &[&id]).await? == 1)
}

/// A message by id, whichever its conversation.
pub async fn message_by_id(db: &impl GenericClient, id: Uuid) -> Result<Option<MessageRow>, ChatError> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1");
    let row = db.query_opt(&db.prepare_cached(&sql).await?, &[&id]).await?;
    row.as_ref().map(message).transpose()
}

pub async fn message_in(
    db: &impl GenericClient,
    conversation: Uuid,
    id: Uuid,
) -> Result<Option<MessageRow>, ChatError> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND m.id = $2");
    let row = db.query_opt(&db.prepare_cached(&sql).await?, &[&conversation, &id]).await?;
    row.as_ref().map(message).transpose()
}

pub async fn newest(db: &impl GenericClient, conversation: Uuid) -> Result<Option<MessageRow>, ChatError> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT 1"
    );
    let row = db.query_opt(&db.prepare_cached(&sql).await?, &[&conversation]).await?;
    row.as_ref().map(message).transpose()
}

/// History, newest first, `limit + 1` rows.
pub async fn history(
    db: &impl GenericClient,
    conversation: Uuid,
    page: &PageParams,
) -> Result<Vec<MessageRow>, ChatError> {
    let (at, id) = page.cursor.map(|c| (Some(c.at), Some(c.id))).unwrap_or((None, None));
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1
           AND ($2::timestamptz IS NULL OR (m.created_at, m.id) < ($2, $3))
         ORDER BY m.created_at DESC, m.id DESC LIMIT $4"
    );
    let rows = db.query(&db.prepare_cached(&sql).await?, &[&conversation, &at, &id, &page.fetch()]).await?;
    rows.iter().map(message).collect()
}

/// Moves `user`'s read marker forward to `message` (never back).
pub async fn read_up_to(
    db: &impl GenericClient,
    conversation: Uuid,
    user: Uuid,
    m: &MessageRow,
) -> Result<(), ChatError> {
    let sql = "UPDATE conversation_members SET last_read_at = $3, last_read_message_id = $4
         WHERE conversation_id = $1 AND user_id = $2 AND last_read_at < $3";
    db.execute(&db.prepare_cached(sql).await?, &[&conversation, &user, &m.created_at, &m.id]).await?;
    Ok(())
}

/// `user`'s read marker and how many messages from others lie past it.
pub async fn read_state(
    db: &impl GenericClient,
    conversation: Uuid,
    user: Uuid,
) -> Result<(Option<Uuid>, DateTime<Utc>, i64), ChatError> {
    let sql = "SELECT cm.last_read_message_id, cm.last_read_at,
            (SELECT count(*) FROM messages x WHERE x.conversation_id = cm.conversation_id
               AND x.created_at > cm.last_read_at AND x.sender_id <> cm.user_id AND NOT x.deleted)
         FROM conversation_members cm WHERE cm.conversation_id = $1 AND cm.user_id = $2";
    let row = db.query_opt(&db.prepare_cached(sql).await?, &[&conversation, &user]).await?;
    let row = row.ok_or(ChatError::ConversationNotFound)?;
    Ok((row.get(0), row.get(1), row.get(2)))
}

/// A deleted message stays deleted: an edit racing a delete changes nothing (`MessageDeleted`).
pub async fn edit(db: &impl GenericClient, id: Uuid, body: &str) -> Result<MessageRow, ChatError> {
    let sql = format!(
        "UPDATE messages m SET body = $2, edited_at = clock_timestamp() WHERE m.id = $1 AND NOT m.deleted
         RETURNING {MESSAGE_COLUMNS}"
    );
    let row = db.query_opt(&db.prepare_cached(&sql).await?, &[&id, &body]).await?;
    message(&row.ok_or(ChatError::MessageDeleted)?)
}

/// Deletes a message's text and marks it deleted; its place in the history stays. Of two
/// racing deletes, one succeeds and the other is `MessageDeleted`.
pub async fn delete(db: &impl GenericClient, id: Uuid) -> Result<MessageRow, ChatError> {
    let sql = format!(
        "UPDATE messages m SET body = '', deleted = true WHERE m.id = $1 AND NOT m.deleted RETURNING {MESSAGE_COLUMNS}"
    );
    let row = db.query_opt(&db.prepare_cached(&sql).await?, &[&id]).await?;
    message(&row.ok_or(ChatError::MessageDeleted)?)
}
