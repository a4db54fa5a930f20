//! The notification endpoints.

use cs_http::{
    json, json_body, parse_uuids, query_param, require_caller, Body, HttpError, Page, PageParams, Problem, Request,
    Response,
};
use lambda_http::http::StatusCode;
use uuid::Uuid;

use crate::{
    domain::{Channel, Kind},
    repo,
    wire::*,
    App,
};

type Reply = Result<Response<Body>, HttpError>;

/// Views of notifications, with their actors (one query for all).
pub async fn views(
    db: &impl cs_db::GenericClient,
    rows: Vec<repo::NotificationRow>,
) -> anyhow::Result<Vec<NotificationView>> {
    let actor_ids: Vec<Uuid> = rows.iter().flat_map(|r| r.actor_ids.iter().copied()).collect();
    let actors = repo::actors(db, &actor_ids).await?;
    Ok(rows
        .into_iter()
        .map(|n| NotificationView {
            id: n.id,
            kind: n.kind,
            actors: n
                .actor_ids
                .iter()
                .filter_map(|id| actors.get(id))
                .map(|a| ActorView {
                    id: a.id,
                    username: a.username.clone(),
                    display_name: a.display_name.clone(),
                    avatar_url: a.avatar_url.clone(),
                })
                .collect(),
            actor_count: n.actor_count,
            subject_id: n.subject_id,
            read: n.read,
            created_at: n.created_at,
            updated_at: n.updated_at,
        })
        .collect())
}

#[utoipa::path(get, path = "/notifications", tag = "notifications",
    params(("type" = Option<Kind>, Query, description = "Only this kind"), cs_http::openapi::PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest activity first", body = Page<NotificationView>),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn list(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let params = PageParams::from_request(&req)?;
    let kind = match query_param(&req, "type") {
        None => None,
        Some(t) => Some(Kind::parse(&t).ok_or_else(|| {
            Problem::bad_request(
                "invalid_type",
                "type",
                "type must be one of follow, like, comment, mention, message, order",
            )
        })?),
    };
    let client = app.db.get().await.map_err(anyhow::Error::from)?;
    let rows = repo::page(&client, me.id, kind, &params).await?;
    let page = Page::from_rows(rows, &params, repo::cursor);
    let next_cursor = page.next_cursor;
    let views = Page { items: views(&client, page.items).await?, next_cursor };
    views.into_response(&req, &params)
}

#[utoipa::path(get, path = "/notifications/unread-count", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, description = "How many are unread", body = UnreadCount), cs_http::openapi::Unauthorized))]
pub async fn unread_count(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let client = app.db.get().await.map_err(anyhow::Error::from)?;
    json(StatusCode::OK, &UnreadCount { count: repo::unread_count(&client, me.id).await? })
}

#[utoipa::path(post, path = "/notifications/read", tag = "notifications",
    request_body = MarkReadBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many changed", body = MarkReadResponse),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn mark_read(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let body: MarkReadBody = json_body(&req)?;
    let ids = match (body.all, body.ids) {
        (Some(true), _) => None,
        (_, Some(ids)) => Some(parse_uuids("ids", &ids)?),
        _ => return Err(Problem::invalid("ids", "send ids, or all: true").into()),
    };
    let client = app.db.get().await.map_err(anyhow::Error::from)?;
    let updated = repo::mark_read(&client, me.id, ids.as_deref()).await?;
    json(StatusCode::OK, &MarkReadResponse { updated })
}

#[utoipa::path(get, path = "/notifications/preferences", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, description = "Every kind and its channel", body = Preferences), cs_http::openapi::Unauthorized))]
pub async fn get_preferences(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let client = app.db.get().await.map_err(anyhow::Error::from)?;
    json(StatusCode::OK, &Preferences::from_entries(&repo::preferences(&client, me.id).await?))
}

#[utoipa::path(put, path = "/notifications/preferences", tag = "notifications",
    request_body = Preferences,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every kind and its channel, after the change", body = Preferences),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn put_preferences(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let body: Preferences = json_body(&req)?;
    let mut client = app.db.get().await.map_err(anyhow::Error::from)?;
    let tx = client.transaction().await.map_err(anyhow::Error::from)?;
    for (kind, channel) in body.entries() {
        repo::set_preference(&tx, me.id, kind, channel).await?;
    }
    let all = repo::preferences(&tx, me.id).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    json(StatusCode::OK, &Preferences::from_entries(&all))
}

fn unsubscribe_claims(app: &App, req: &Request) -> Result<(Uuid, Kind), HttpError> {
    let bad = || Problem::bad_request("invalid_token", "token", "this unsubscribe link is not valid");
    let token = query_param(req, "token").ok_or_else(bad)?;
    let claims = app.tokens.verify_purpose(&token, "unsubscribe").map_err(|_| bad())?;
    let user = Uuid::parse_str(&claims.sub).map_err(|_| bad())?;
    let kind = Kind::parse(&claims.scope).ok_or_else(bad)?;
    Ok((user, kind))
}

#[utoipa::path(post, path = "/notifications/unsubscribe", tag = "notifications",
    params(("token" = String, Query, description = "From the email's List-Unsubscribe link; a link that is not valid is a 400")),
    responses(
        (status = 200, description = "Emails of that kind stop; in-app notifications go on", body = Unsubscribed),
        cs_http::openapi::Malformed,
    ))]
pub async fn unsubscribe(app: &App, req: Request) -> Reply {
    let (user, kind) = unsubscribe_claims(app, &req)?;
    let client = app.db.get().await.map_err(anyhow::Error::from)?;
    repo::set_preference(&client, user, kind, Channel::InApp).await?;
    json(StatusCode::OK, &Unsubscribed { kind, channel: Channel::InApp })
}

#[utoipa::path(get, path = "/notifications/unsubscribe", tag = "notifications",
    params(("token" = String, Query, description = "From the email's List-Unsubscribe link; a link that is not valid is a 400")),
    responses(
        (status = 200, description = "A page with a button that confirms (a GET never unsubscribes: link scanners follow GETs)", content_type = "text/html"),
        cs_http::openapi::Malformed,
    ))]
pub async fn unsubscribe_page(app: &App, req: Request) -> Reply {
    let (_, kind) = unsubscribe_claims(app, &req)?;
    let token = query_param(&req, "token").unwrap_or_default();
    let html = format!(
        "<!doctype html><meta charset=utf-8><title>Unsubscribe</title>\
         <form method=post action=\"/notifications/unsubscribe?token={token}\">\
         <p>Stop {} emails from ConnectSphere? You will still see them in the app.</p>\
         <button type=submit>Unsubscribe</button></form>",
        kind.as_str()
    );
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/html; charset=utf-8")
        .body(Body::Text(html))
        .map_err(anyhow::Error::from)?)
}
