//! What both doors (REST and WebSocket frames) do: send a message, mark it read, and
//! deliver frames to the members' connections.

use cs_events::{DomainEvent, Event};
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
    /// Its delivery already completed (a retry of a delivered message).
    pub delivered: bool,
    pub members: Vec<Uuid>,
    /// The outbox rows of the delivery the new message is owed.
    owed: Vec<i64>,
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

/// Stores the message (or finds the one a retry refers to), and with it the promise of its
/// delivery: a `chat.message_sent` event in the outbox, in the same transaction. The sender
/// has read their own.
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
    let sent = match inserted {
        Some(m) => {
            repo::touch(&tx, conversation, m.created_at).await?;
            repo::read_up_to(&tx, conversation, me, &m).await?;
            let mut owed = DomainEvent::MessageSent { conversation_id: conversation, message_id: m.id, sender_id: me }
                .into_event();
            owed.id = m.id;
            let owed = cs_events::emit(&tx, &owed).await?;
            Sent { message: m.into(), created: true, delivered: false, members, owed }
        }
        None => {
            let m = repo::message_by_client_id(&tx, conversation, me, &client_id).await?;
            let m = m.ok_or_else(|| anyhow::anyhow!("a client id conflicted with no message"))?;
            let delivered = repo::delivered(&tx, m.id).await?;
            Sent { message: m.into(), created: false, delivered, members, owed: Vec::new() }
        }
    };
    tx.commit().await?;
    Ok(sent)
}

/// Delivers a stored message right after its commit: the fast path. If it fails (a push or
/// the connection lookup), the owed delivery goes to the chat queue at once (and the sweep
/// retries that), whose consumer finishes it; the message is stored either way, so the
/// sender's request succeeds. A retry acknowledges on `origin` and finishes a delivery
/// that is still owed.
pub async fn deliver(app: &App, sent: &Sent, origin: Option<&str>) {
    if sent.delivered {
        if let Some(connection) = origin {
            let _ =
                app.realtime.push.post(connection, &ServerFrame::Message { message: &sent.message }.to_bytes()).await;
        }
        return;
    }
    if let Err(err) = push_and_notify(app, &sent.message, &sent.members).await {
        tracing::warn!(message = %sent.message.id, error = format!("{err:#}"), "delivery left to the chat queue");
        app.relay.publish_now(&sent.owed).await;
    }
}

/// Pushes the message to every connection of every member (the sender's too: that is their
/// devices' copy, and the sending socket's acknowledgement), then records the delivery
/// complete, once, together with a `chat.message_unread` event for each member it reached
/// nowhere (the notification service turns those into notifications). A second attempt may
/// push again (a client keeps one copy per message id) but never notifies twice.
async fn push_and_notify(app: &App, message: &MessageView, members: &[Uuid]) -> Result<(), ChatError> {
    let reached = app.realtime.broadcast(members, &ServerFrame::Message { message }.to_bytes()).await?;
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    if !repo::mark_delivered(&tx, message.id).await? {
        return Ok(());
    }
    let mut outbox = Vec::new();
    for recipient in members.iter().copied().filter(|u| *u != message.sender_id && !reached.contains(u)) {
        let event = DomainEvent::MessageUnread {
            conversation_id: message.conversation_id,
            message_id: message.id,
            sender_id: message.sender_id,
            recipient_id: recipient,
        };
        outbox.extend(cs_events::emit(&tx, &event.into_event()).await?);
    }
    cs_events::handled_in_process(&tx, message.id).await?;
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    Ok(())
}

/// The chat queue's consumer: finishes the delivery a `chat.message_sent` event promised,
/// unless it already completed (a deleted message is still delivered: as deleted).
pub async fn finish_owed(app: &App, event: Event) -> anyhow::Result<()> {
    let Some(DomainEvent::MessageSent { conversation_id, message_id, sender_id }) = event.domain() else {
        return Ok(());
    };
    let client = app.db.get().await?;
    if repo::delivered(&client, message_id).await? {
        return Ok(());
    }
    let Some(message) = repo::message_by_id(&client, message_id).await? else { return Ok(()) };
    let members = members_for(&client, conversation_id, sender_id, false).await?;
    drop(client);
    push_and_notify(app, &message.into(), &members).await?;
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
