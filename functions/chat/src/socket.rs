//! The WebSocket API's routes. `$connect` checks the access token and records the
//! connection; `sendMessage`, `typing` and `markRead` act for the connection's user;
//! `$default` answers frames no route takes. A frame that fails gets an `error` frame back
//! on its own connection, which stays open.

use cs_http::{json_body, parse_uuid, Body, HttpError, Problem, Request, RequestExt, Response};
use lambda_http::{http::StatusCode, request::RequestContext};
use uuid::Uuid;

use crate::{actions, domain, wire::*, App, ChatError, CONNECTION_TTL};

type Reply = Result<Response<Body>, HttpError>;

pub const ACTIONS: &[&str] = &["sendMessage", "typing", "markRead"];

fn connection_id(req: &Request) -> Result<String, HttpError> {
    match req.request_context_ref() {
        Some(RequestContext::WebSocket(ctx)) => ctx.connection_id.clone(),
        _ => None,
    }
    .ok_or_else(|| anyhow::anyhow!("not a WebSocket event: no requestContext.connectionId").into())
}

fn ok() -> Reply {
    Ok(Response::builder().status(StatusCode::OK).body(Body::Empty).map_err(anyhow::Error::from)?)
}

pub async fn connect(app: &App, req: Request) -> Reply {
    let connection = connection_id(&req)?;
    let query = req.query_string_parameters();
    let protocols = req.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok());
    let Some((token, protocol)) = domain::connect_token(query.first("token"), protocols) else {
        return Err(Problem::unauthorized(
            "an access token is required: the query parameter `token` or a Sec-WebSocket-Protocol entry",
        )
        .into());
    };
    let claims = app.tokens.verify(&token).map_err(|_| Problem::unauthorized("the access token is not valid"))?;
    let user = Uuid::parse_str(&claims.sub).map_err(|_| Problem::unauthorized("token subject is not a user"))?;
    app.realtime.connections.add(&connection, user, CONNECTION_TTL).await?;
    app.remember(&connection, user);
    let mut response = Response::builder().status(StatusCode::OK);
    if let Some(protocol) = protocol {
        response = response.header("sec-websocket-protocol", protocol);
    }
    Ok(response.body(Body::Empty).map_err(anyhow::Error::from)?)
}

pub async fn disconnect(app: &App, req: Request) -> Reply {
    let connection = connection_id(&req)?;
    if let Some(user) = app.user_of(&connection).await? {
        app.realtime.connections.remove(user, &connection).await?;
    }
    app.forget(&connection);
    ok()
}

/// Frames that are not JSON, have no `action`, or an action no route takes.
pub async fn default(app: &App, req: Request) -> Reply {
    let connection = connection_id(&req)?;
    let text = match req.body() {
        Body::Text(t) => t.as_str(),
        _ => "",
    };
    let problem = match serde_json::from_str::<serde_json::Value>(text) {
        Err(_) => Problem::new(StatusCode::BAD_REQUEST, "malformed_json", "frames must be JSON objects"),
        Ok(v) => match v.get("action").and_then(|a| a.as_str()) {
            None => Problem::bad_request("missing_action", "action", "the frame has no action"),
            Some(action) => Problem::bad_request(
                "unknown_action",
                "action",
                format!("unknown action {action:?}; the actions are {}", ACTIONS.join(", ")),
            ),
        },
    };
    reply(app, &connection, None, None, Err(problem.into())).await
}

/// Sends an `error` frame for a failed frame back down its connection.
async fn reply(
    app: &App,
    connection: &str,
    action: Option<&str>,
    client_id: Option<&str>,
    outcome: Result<(), HttpError>,
) -> Reply {
    let problem = match outcome {
        Ok(()) => return ok(),
        Err(HttpError::Problem(p)) => p,
        Err(HttpError::Unexpected(err)) => {
            tracing::error!(connection, action, error = ?err, "unexpected error");
            Problem::internal()
        }
    };
    let frame = ServerFrame::Error {
        code: &problem.code,
        detail: &problem.detail,
        field: problem.field.as_deref(),
        status: problem.status,
        action,
        client_id,
    };
    if let Err(err) = app.realtime.push.post(connection, &frame.to_bytes()).await {
        tracing::info!(connection, error = %err, "could not send an error frame");
    }
    ok()
}

/// The user of the frame's connection.
async fn sender(app: &App, connection: &str) -> Result<Uuid, HttpError> {
    app.user_of(connection).await?.ok_or_else(|| Problem::unauthorized("this connection is not signed in").into())
}

pub async fn send_message(app: &App, req: Request) -> Reply {
    let connection = connection_id(&req)?;
    let frame: Result<SendMessageFrame, Problem> = json_body(&req);
    let client_id = frame.as_ref().ok().and_then(|f| f.client_id.clone());
    let outcome = async {
        let me = sender(app, &connection).await?;
        let frame = frame?;
        let conversation = parse_uuid("conversationId", &frame.conversation_id)?;
        let sent = actions::store(app, me, conversation, &frame.body, frame.client_id.as_deref()).await?;
        actions::deliver(app, &sent, Some(&connection)).await;
        Ok::<_, HttpError>(())
    };
    let outcome = outcome.await;
    reply(app, &connection, Some("sendMessage"), client_id.as_deref(), outcome).await
}

pub async fn typing(app: &App, req: Request) -> Reply {
    let connection = connection_id(&req)?;
    let outcome = async {
        let me = sender(app, &connection).await?;
        let frame: TypingFrame = json_body(&req)?;
        let conversation = parse_uuid("conversationId", &frame.conversation_id)?;
        let client = app.db.get().await.map_err(ChatError::from)?;
        let members = actions::members_for(&client, conversation, me, false).await?;
        drop(client);
        let others: Vec<Uuid> = members.into_iter().filter(|u| *u != me).collect();
        let frame = ServerFrame::Typing { conversation_id: conversation, user_id: me };
        app.realtime.broadcast(&others, &frame.to_bytes()).await?;
        Ok::<_, HttpError>(())
    };
    let outcome = outcome.await;
    reply(app, &connection, Some("typing"), None, outcome).await
}

pub async fn mark_read(app: &App, req: Request) -> Reply {
    let connection = connection_id(&req)?;
    let outcome = async {
        let me = sender(app, &connection).await?;
        let frame: MarkReadFrame = json_body(&req)?;
        let conversation = parse_uuid("conversationId", &frame.conversation_id)?;
        let message = parse_uuid("messageId", &frame.message_id)?;
        actions::read(app, me, conversation, Some(message)).await?;
        Ok::<_, HttpError>(())
    };
    let outcome = outcome.await;
    reply(app, &connection, Some("markRead"), None, outcome).await
}
