//! The REST endpoints: conversations, history, edits and read markers. Members only:
//! anyone else gets 404, as if the conversation did not exist.

use std::collections::HashMap;

use cs_http::{
    json, json_body, no_content, parse_uuid, parse_uuids, path_uuid, require_caller, Body, Cursor, Page, PageParams,
    Request, Response,
};
use cs_readmodel::UserSummary;
use lambda_http::http::StatusCode;
use uuid::Uuid;

use crate::{
    actions,
    domain::{self, NewConversation},
    repo::{self, ConversationRow},
    wire::*,
    App, ChatError,
};

type Reply = Result<Response<Body>, ChatError>;

/// Views of the caller's conversations, with their members (one query for all).
async fn views(app: &App, rows: Vec<ConversationRow>) -> Result<Vec<ConversationView>, ChatError> {
    let client = app.db.get().await?;
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    let mut members: HashMap<Uuid, Vec<UserSummary>> = HashMap::new();
    for (conversation, user) in repo::member_users(&client, &ids).await? {
        members.entry(conversation).or_default().push(user);
    }
    Ok(rows
        .into_iter()
        .map(|c| ConversationView {
            members: members.remove(&c.id).unwrap_or_default(),
            id: c.id,
            kind: c.kind,
            name: c.name,
            last_message: c.last.map(MessageView::from),
            unread_count: c.unread,
            updated_at: c.updated_at,
        })
        .collect())
}

async fn view(app: &App, me: Uuid, id: Uuid) -> Result<ConversationView, ChatError> {
    let client = app.db.get().await?;
    let row = repo::conversation(&client, me, id).await?.ok_or(ChatError::ConversationNotFound)?;
    drop(client);
    views(app, vec![row]).await?.pop().ok_or(ChatError::ConversationNotFound)
}

#[utoipa::path(post, path = "/conversations", tag = "chat", request_body = NewConversationBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "The direct conversation of the pair, which already existed", body = ConversationView),
        (status = 201, description = "The new conversation", body = ConversationView,
            links(
                ("GetConversation" = (operation_id = "get_conversation", parameters(("conversationId" = "$response.body#/id")))),
                ("Messages" = (operation_id = "messages", parameters(("conversationId" = "$response.body#/id")))),
                ("Send" = (operation_id = "send_message", parameters(("conversationId" = "$response.body#/id")))),
                ("Read" = (operation_id = "read", parameters(("conversationId" = "$response.body#/id")))),
            )),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::Forbidden,
    ))]
pub async fn create_conversation(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?.id;
    let body: NewConversationBody = json_body(&req)?;
    let ids = parse_uuids("memberIds", &body.member_ids)?;
    let plan = domain::new_conversation(me, &ids, body.name.as_deref())?;
    let mut client = app.db.get().await?;
    let others = match &plan {
        NewConversation::Direct { other } => vec![*other],
        NewConversation::Group { others, .. } => others.clone(),
    };
    if let Some(unknown) = repo::unknown_users(&client, &others).await?.first() {
        return Err(ChatError::Invalid { field: "memberIds", message: format!("there is no user {unknown}") });
    }
    let tx = client.transaction().await?;
    let (id, created) = match &plan {
        NewConversation::Direct { other } => {
            if cs_readmodel::blocked_between(&tx, me, *other).await? {
                return Err(ChatError::Blocked);
            }
            match repo::direct(&tx, me, *other).await? {
                Some(id) => (id, false),
                None => {
                    let id = Uuid::now_v7();
                    if repo::create(&tx, id, me, &others, "direct", None).await? {
                        (id, true)
                    } else {
                        let id = repo::direct(&tx, me, *other).await?;
                        (id.ok_or_else(|| anyhow::anyhow!("the direct conversation vanished"))?, false)
                    }
                }
            }
        }
        NewConversation::Group { name, others } => {
            let id = Uuid::now_v7();
            repo::create(&tx, id, me, others, "group", name.as_deref()).await?;
            (id, true)
        }
    };
    tx.commit().await?;
    drop(client);
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    json(status, &view(app, me, id).await?)
}

#[utoipa::path(get, path = "/conversations", tag = "chat", security(("bearer" = [])),
    params(cs_http::openapi::PageQuery),
    responses(
        (status = 200, description = "The caller's conversations, newest activity first", body = Page<ConversationView>,
            links(
                ("GetFirst" = (operation_id = "get_conversation", parameters(("conversationId" = "$response.body#/items/0/id")))),
                ("FirstMessages" = (operation_id = "messages", parameters(("conversationId" = "$response.body#/items/0/id")))),
                ("SendToFirst" = (operation_id = "send_message", parameters(("conversationId" = "$response.body#/items/0/id")))),
                ("ReadFirst" = (operation_id = "read", parameters(("conversationId" = "$response.body#/items/0/id")))),
            )),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn list_conversations(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?.id;
    let params = PageParams::from_request(&req)?;
    let client = app.db.get().await?;
    let rows = repo::conversations(&client, me, &params).await?;
    drop(client);
    let page = Page::from_rows(rows, &params, |c| Cursor { at: c.updated_at, id: c.id });
    let next_cursor = page.next_cursor;
    Page { items: views(app, page.items).await?, next_cursor }.into_response(&req, &params)
}

#[utoipa::path(get, path = "/conversations/{conversationId}", tag = "chat", security(("bearer" = [])),
    params(("conversationId" = Uuid, Path)),
    responses(
        (status = 200, description = "The conversation", body = ConversationView),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::NotFound,
    ))]
pub async fn get_conversation(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?.id;
    let id = path_uuid(&req, "conversationId")?;
    json(StatusCode::OK, &view(app, me, id).await?)
}

#[utoipa::path(get, path = "/conversations/{conversationId}/messages", tag = "chat", security(("bearer" = [])),
    params(("conversationId" = Uuid, Path), cs_http::openapi::PageQuery),
    responses(
        (status = 200, description = "Messages, newest first; deleted ones keep their place with an empty body", body = Page<MessageView>),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::NotFound,
    ))]
pub async fn messages(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?.id;
    let conversation = path_uuid(&req, "conversationId")?;
    let params = PageParams::from_request(&req)?;
    let client = app.db.get().await?;
    actions::members_for(&client, conversation, me, false).await?;
    let rows = repo::history(&client, conversation, &params).await?;
    Page::from_rows(rows, &params, |m| Cursor { at: m.created_at, id: m.id })
        .map(MessageView::from)
        .into_response(&req, &params)
}

#[utoipa::path(post, path = "/conversations/{conversationId}/messages", tag = "chat", request_body = NewMessageBody,
    security(("bearer" = [])),
    params(("conversationId" = Uuid, Path)),
    responses(
        (status = 200, description = "A retry: the message already stored under this clientId", body = MessageView),
        (status = 201, description = "Stored and pushed to the members' connections (as the `sendMessage` frame does)", body = MessageView,
            links(
                ("Edit" = (operation_id = "edit_message", parameters(("conversationId" = "$response.body#/conversationId"), ("messageId" = "$response.body#/id")))),
                ("Delete" = (operation_id = "delete_message", parameters(("conversationId" = "$response.body#/conversationId"), ("messageId" = "$response.body#/id")))),
                ("Messages" = (operation_id = "messages", parameters(("conversationId" = "$response.body#/conversationId")))),
            )),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::Forbidden,
        cs_http::openapi::NotFound,
    ))]
pub async fn send_message(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?.id;
    let conversation = path_uuid(&req, "conversationId")?;
    let body: NewMessageBody = json_body(&req)?;
    let sent = actions::store(app, me, conversation, &body.body, body.client_id.as_deref()).await?;
    actions::deliver(app, &sent, None).await;
    json(if sent.created { StatusCode::CREATED } else { StatusCode::OK }, &sent.message)
}

/// The message, when the caller is a member and its sender, and it is not deleted.
async fn own_message(app: &App, req: &Request) -> Result<(Vec<Uuid>, repo::MessageRow, cs_db::Client), ChatError> {
    let me = require_caller(req)?.id;
    let conversation = path_uuid(req, "conversationId")?;
    let id = path_uuid(req, "messageId")?;
    let client = app.db.get().await?;
    let members = actions::members_for(&client, conversation, me, false).await?;
    let m = repo::message_in(&client, conversation, id).await?.ok_or(ChatError::MessageNotFound)?;
    if m.sender_id != me {
        return Err(ChatError::NotSender);
    }
    if m.deleted {
        return Err(ChatError::MessageDeleted);
    }
    Ok((members, m, client))
}

#[utoipa::path(patch, path = "/conversations/{conversationId}/messages/{messageId}", tag = "chat",
    request_body = EditMessageBody, security(("bearer" = [])),
    params(("conversationId" = Uuid, Path), ("messageId" = Uuid, Path)),
    responses(
        (status = 200, description = "The edited message (also pushed to the members' connections)", body = MessageView),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::Forbidden,
        cs_http::openapi::NotFound,
        cs_http::openapi::Conflict,
    ))]
pub async fn edit_message(app: &App, req: Request) -> Reply {
    let body: EditMessageBody = json_body(&req)?;
    let text = domain::message_body(&body.body)?;
    let (members, m, client) = own_message(app, &req).await?;
    let edited = repo::edit(&client, m.id, &text).await?;
    drop(client);
    json(StatusCode::OK, &actions::changed(app, &members, edited).await?)
}

#[utoipa::path(delete, path = "/conversations/{conversationId}/messages/{messageId}", tag = "chat",
    security(("bearer" = [])),
    params(("conversationId" = Uuid, Path), ("messageId" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted: the text is gone, the place in the history stays (members' connections get it as a `message` frame with `deleted: true`)"),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::Forbidden,
        cs_http::openapi::NotFound,
        cs_http::openapi::Conflict,
    ))]
pub async fn delete_message(app: &App, req: Request) -> Reply {
    let (members, m, client) = own_message(app, &req).await?;
    let deleted = repo::delete(&client, m.id).await?;
    drop(client);
    actions::changed(app, &members, deleted).await?;
    no_content()
}

#[utoipa::path(post, path = "/conversations/{conversationId}/read", tag = "chat", request_body = Option<ReadBody>,
    security(("bearer" = [])),
    params(("conversationId" = Uuid, Path)),
    responses(
        (status = 200, description = "The caller's read marker and what is still unread (also pushed as a `read` frame)", body = ReadView),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::NotFound,
    ))]
pub async fn read(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?.id;
    let conversation = path_uuid(&req, "conversationId")?;
    let body: ReadBody = match req.body() {
        Body::Empty => ReadBody::default(),
        Body::Text(t) if t.trim().is_empty() => ReadBody::default(),
        _ => json_body(&req)?,
    };
    let message = body.message_id.as_deref().map(|id| parse_uuid("messageId", id)).transpose()?;
    json(StatusCode::OK, &actions::read(app, me, conversation, message).await?)
}
