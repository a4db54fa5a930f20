//! What both doors (REST and WebSocket frames) do: send a message, mark it read, and
//! deliver frames to the members' connections.

use cs_events::DomainEvent;
use uuid::Uuid;

use crate::{
    domain, repo,
    repo::MessageRow,
    wire::{MessageView, ReadView, ServerFrame},
    App, ChatError,
};

/// A stored message and who should see it.
pub struct Sent {
    pub message: MessageView,
    /// False when this was a retry of a message already stored (same client id).
    pub created: bool,
    pub members: Vec<Uuid>,
}

/// The conversation's members, when `me` is one; otherwise "not found", as if it did not
/// exist. In a direct conversation a block either way stops messages.
pub async fn members_for(
    db: &impl cs_db::GenericClient,
    conversation: Uuid,
    me: Uuid,
    sending: bool,
) -> Result<Vec<Uuid>, ChatError> {
    let m = repo::membership(db, conversation, me).await?.ok_or(ChatError::ConversationNotFound)?;
    if sending && m.blocked {
        return Err(ChatError::Blocked);
    }
    Ok(m.members)
}

/// Stores the message (or finds the one a retry refers to). The sender has read their own.
pub async fn store(
    app: &App,
    me: Uuid,
    conversation: Uuid,
    body: &str,
    client_id: Option<&str>,
) -> Result<Sent, ChatError> {
    let body = domain::message_body(body)?;
    let client_id = domain::client_id(client_id)?;
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let members = members_for(&tx, conversation, me, true).await?;
    let inserted = repo::insert_message(&tx, Uuid::now_v7(), conversation, me, &body, &client_id).await?;
    let (message, created) = match inserted {
        Some(m) => {
            repo::touch(&tx, conversation, m.created_at).await?;
            repo::read_up_to(&tx, conversation, me, &m).await?;
            (m, true)
        }
        None => {
            let m = repo::message_by_client_id(&tx, conversation, me, &client_id).await?;
            (m.ok_or_else(|| anyhow::anyhow!("a client id conflicted with no message"))?, false)
        }
    };
    tx.commit().await?;
    Ok(Sent { message: message.into(), created, members })
}

/// Pushes a new message to every connection of every member (the sender's too: that is
/// their devices' copy, and the sending socket's acknowledgement). Members it reaches
/// nowhere get a `chat.message_unread` event, which the notification service turns into
/// a notification. A retry only acknowledges, on `origin`.
pub async fn deliver(app: &App, sent: &Sent, origin: Option<&str>) -> Result<(), ChatError> {
    let frame = ServerFrame::Message { message: &sent.message }.to_bytes();
    if !sent.created {
        if let Some(connection) = origin {
            let _ = app.realtime.push.post(connection, &frame).await;
        }
        return Ok(());
    }
    let reached = app.realtime.broadcast(&sent.members, &frame).await?;
    let m = &sent.message;
    let offline: Vec<Uuid> =
        sent.members.iter().copied().filter(|u| *u != m.sender_id && !reached.contains(u)).collect();
    if offline.is_empty() {
        return Ok(());
    }
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let mut outbox = Vec::new();
    for recipient in offline {
        let event = DomainEvent::MessageUnread {
            conversation_id: m.conversation_id,
            message_id: m.id,
            sender_id: m.sender_id,
            recipient_id: recipient,
        };
        outbox.extend(cs_events::emit(&tx, &event.into_event()).await?);
    }
    tx.commit().await?;
    app.relay.publish(&outbox).await;
    Ok(())
}

/// Pushes a changed message (edit or delete) to every member's connections.
pub async fn changed(app: &App, members: &[Uuid], m: MessageRow) -> Result<MessageView, ChatError> {
    let view = MessageView::from(m);
    app.realtime.broadcast(members, &ServerFrame::Message { message: &view }.to_bytes()).await?;
    Ok(view)
}

/// Moves `me`'s read marker up to `message` (the newest message when `None`) and tells
/// every member's connections, so other devices clear their badge and senders see it read.
pub async fn read(app: &App, me: Uuid, conversation: Uuid, message: Option<Uuid>) -> Result<ReadView, ChatError> {
    let client = app.db.get().await?;
    let members = members_for(&client, conversation, me, false).await?;
    let target = match message {
        Some(id) => Some(repo::message_in(&client, conversation, id).await?.ok_or(ChatError::MessageNotFound)?),
        None => repo::newest(&client, conversation).await?,
    };
    if let Some(m) = &target {
        repo::read_up_to(&client, conversation, me, m).await?;
    }
    let (message_id, read_at, unread_count) = repo::read_state(&client, conversation, me).await?;
    drop(client);
    let view = ReadView { conversation_id: conversation, user_id: me, message_id, read_at, unread_count };
    app.realtime.broadcast(&members, &ServerFrame::Read(&view).to_bytes()).await?;
    Ok(view)
}
