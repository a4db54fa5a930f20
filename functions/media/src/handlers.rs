use chrono::Utc;
use cs_http::{
    json, json_body, optional_caller, path_uuid, require_caller, Body, HttpError, Problem, Request, Response,
};
use lambda_http::http::StatusCode;
use uuid::Uuid;

use crate::{domain::Purpose, repo, wire::*, App, UPLOAD_PREFIX, URL_TTL};

type Reply = Result<Response<Body>, HttpError>;

#[utoipa::path(post, path = "/media/uploads", tag = "media", request_body = UploadBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Where to PUT the file; `GET /media/{id}` says when it is ready", body = UploadTicket,
            links(("GetMedia" = (operation_id = "get_media", parameters(("id" = "$response.body#/mediaId")))))),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn create_upload(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let body: UploadBody = json_body(&req)?;
    let purpose = Purpose::parse(body.purpose.as_deref())
        .ok_or_else(|| Problem::invalid("purpose", "purpose must be post, avatar, item_file or item_preview"))?;
    let max = app.limits.max_for_purpose(purpose, &body.content_type).ok_or_else(|| {
        Problem::invalid(
            "contentType",
            match purpose {
                Purpose::ItemFile => {
                    "contentType must be application/pdf, application/zip, application/epub+zip, audio/mpeg, \
                     audio/flac, image/jpeg, image/png, image/webp, image/gif, video/mp4 or video/webm"
                }
                _ => "contentType must be image/jpeg, image/png, image/webp, image/gif, video/mp4 or video/webm",
            },
        )
    })?;
    if body.size < 1 || body.size > max {
        return Err(
            Problem::invalid("size", format!("size must be from 1 to {max} bytes for {}", body.content_type)).into()
        );
    }
    let id = Uuid::now_v7();
    let key = format!("{UPLOAD_PREFIX}{}/{id}", me.id);
    let store = if purpose == Purpose::ItemFile { &app.item_files } else { &app.store };
    let upload_url = store.presign_put(&key, &body.content_type, body.size, URL_TTL).await?;
    let client = app.db.get().await.map_err(anyhow::Error::from)?;
    repo::insert(&client, id, me.id, &key, &body.content_type, body.size, purpose.as_str()).await?;
    let expires_at = Utc::now() + chrono::Duration::from_std(URL_TTL).map_err(anyhow::Error::from)?;
    json(StatusCode::CREATED, &UploadTicket { media_id: id, upload_url, expires_at })
}

#[utoipa::path(get, path = "/media/{id}", tag = "media", params(("id" = Uuid, Path)), security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The upload's state, with presigned URLs once ready", body = MediaView),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::NotFound,
    ))]
pub async fn get_media(app: &App, req: Request) -> Reply {
    let id = path_uuid(&req, "id")?;
    let viewer =
        optional_caller(&req, |token| app.tokens.verify(token).ok().and_then(|c| Uuid::parse_str(&c.sub).ok()))?;
    let client = app.db.get().await.map_err(anyhow::Error::from)?;
    let not_found = || Problem::not_found("media_not_found", "media not found");
    let row = repo::by_id(&client, id).await?.ok_or_else(not_found)?;
    if row.purpose == Purpose::ItemFile.as_str() {
        // Private: its uploader alone sees it here, through a short presigned URL.
        if viewer != Some(row.owner_id) {
            return Err(not_found().into());
        }
        let url = match row.status.as_str() {
            "ready" => Some(app.item_files.presign_get(&row.object_key, URL_TTL).await?),
            _ => None,
        };
        let view = MediaView {
            id: row.id,
            size: row.size.unwrap_or(row.declared_size),
            status: row.status,
            content_type: row.content_type,
            width: row.width,
            height: row.height,
            url,
            thumbnail_url: None,
            reason: row.reason,
        };
        return json(StatusCode::OK, &view);
    }
    json(StatusCode::OK, &cs_readmodel::media_view(&app.store, row).await?)
}
