//! The feed endpoints.

use cs_events::DomainEvent;
use cs_http::{
    json, json_body, no_content, optional_caller, parse_uuid, path_uuid, require_caller, Body, Page, PageParams,
    Problem, Request, Response,
};
use lambda_http::http::StatusCode;
use uuid::Uuid;

use crate::{
    domain::{mentions, text, MAX_COMMENT_CHARS, MAX_POST_CHARS},
    repo::{self, Entry},
    wire::*,
    App, FeedError,
};

type Reply = Result<Response<Body>, FeedError>;

fn viewer(app: &App, req: &Request) -> Result<Option<Uuid>, FeedError> {
    Ok(optional_caller(req, |token| app.tokens.verify(token).ok().and_then(|c| Uuid::parse_str(&c.sub).ok()))?)
}

/// `Mentioned` events for the users named in `text` (never the writer themself).
async fn mention_events(
    tx: &impl cs_db::GenericClient,
    text: &str,
    by: Uuid,
    post: Uuid,
    comment: Option<Uuid>,
) -> Result<Vec<i64>, FeedError> {
    let names = mentions(text);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut outbox = Vec::new();
    for user in repo::users_named(tx, &names).await?.into_iter().filter(|u| *u != by) {
        let event =
            DomainEvent::Mentioned { mentioned_id: user, by_id: by, post_id: post, comment_id: comment }.into_event();
        outbox.extend(cs_events::emit(tx, &event).await?);
    }
    Ok(outbox)
}

/// Views of posts, with their uploads (one query for all of them).
async fn views(app: &App, posts: Vec<repo::PostRow>) -> Result<Vec<PostView>, FeedError> {
    let ids: Vec<Uuid> = posts.iter().filter_map(|p| p.media_id).collect();
    let mut media = std::collections::HashMap::new();
    if !ids.is_empty() {
        let client = app.db.get().await?;
        for file in cs_readmodel::media_by_ids(&client, &ids).await? {
            media.insert(file.id, cs_readmodel::media_view(&app.store, file).await?);
        }
    }
    Ok(posts
        .into_iter()
        .map(|p| {
            let m = p.media_id.and_then(|id| media.get(&id).cloned());
            PostView::new(p, m)
        })
        .collect())
}

async fn post_view(app: &App, viewer: Option<Uuid>, id: Uuid) -> Result<PostView, FeedError> {
    let client = app.db.get().await?;
    let post = repo::post(&client, viewer, id).await?.ok_or(FeedError::PostNotFound)?;
    drop(client);
    views(app, vec![post]).await?.pop().ok_or_else(|| FeedError::PostNotFound)
}

#[utoipa::path(post, path = "/posts", tag = "feed", request_body = NewPostBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "The new post", body = PostView,
            links(
                ("GetPost" = (operation_id = "get_post", parameters(("id" = "$response.body#/id")))),
                ("UpdatePost" = (operation_id = "update_post", parameters(("id" = "$response.body#/id")))),
                ("DeletePost" = (operation_id = "delete_post", parameters(("id" = "$response.body#/id")))),
                ("Like" = (operation_id = "like", parameters(("id" = "$response.body#/id")))),
                ("Unlike" = (operation_id = "unlike", parameters(("id" = "$response.body#/id")))),
                ("Comment" = (operation_id = "create_comment", parameters(("id" = "$response.body#/id")))),
                ("Comments" = (operation_id = "list_comments", parameters(("id" = "$response.body#/id")))),
            )),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn create_post(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let body: NewPostBody = json_body(&req)?;
    let content = text("content", &body.content, MAX_POST_CHARS)?;
    let media_id = match &body.media_id {
        None => None,
        Some(raw) => {
            let id = parse_uuid("mediaId", raw)?;
            let client = app.db.get().await?;
            match cs_readmodel::media_by_id(&client, id).await? {
                Some(m) if m.owner_id == me.id && m.status == "ready" => Some(id),
                _ => {
                    return Err(Problem::invalid("mediaId", "mediaId must be one of your uploads that is ready").into())
                }
            }
        }
    };
    let id = Uuid::now_v7();
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let at = repo::insert_post(&tx, id, me.id, &content, media_id).await?;
    repo::add_own(&tx, id, me.id, at).await?;
    let mut outbox =
        cs_events::emit(&tx, &DomainEvent::PostCreated { post_id: id, author_id: me.id }.into_event()).await?;
    outbox.extend(mention_events(&tx, &content, me.id, id, None).await?);
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    json(StatusCode::CREATED, &post_view(app, Some(me.id), id).await?)
}

#[utoipa::path(get, path = "/posts/{id}", tag = "feed", params(("id" = Uuid, Path)), security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The post", body = PostView),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::NotFound,
    ))]
pub async fn get_post(app: &App, req: Request) -> Reply {
    let id = path_uuid(&req, "id")?;
    json(StatusCode::OK, &post_view(app, viewer(app, &req)?, id).await?)
}

/// The post's author must be the caller: 404 if there is no post, 403 if it is not theirs.
async fn own_post(app: &App, me: Uuid, id: Uuid) -> Result<(), FeedError> {
    let client = app.db.get().await?;
    match repo::post_author(&client, id).await? {
        None => Err(FeedError::PostNotFound),
        Some(author) if author != me => Err(FeedError::NotAuthor),
        Some(_) => Ok(()),
    }
}

#[utoipa::path(put, path = "/posts/{id}", tag = "feed", params(("id" = Uuid, Path)), request_body = EditPostBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "The edited post (`updatedAt` moves, `createdAt` stays)", body = PostView),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::Forbidden,
        cs_http::openapi::NotFound,
    ))]
pub async fn update_post(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    let body: EditPostBody = json_body(&req)?;
    let content = text("content", &body.content, MAX_POST_CHARS)?;
    own_post(app, me.id, id).await?;
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    repo::update_post(&tx, id, &content).await?;
    let outbox = cs_events::emit(&tx, &DomainEvent::PostUpdated { post_id: id, author_id: me.id }.into_event()).await?;
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    json(StatusCode::OK, &post_view(app, Some(me.id), id).await?)
}

#[utoipa::path(delete, path = "/posts/{id}", tag = "feed", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted, with its comments, likes and timeline entries"),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::Forbidden,
        cs_http::openapi::NotFound,
    ))]
pub async fn delete_post(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    own_post(app, me.id, id).await?;
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    repo::delete_post(&tx, id).await?;
    let outbox = cs_events::emit(&tx, &DomainEvent::PostDeleted { post_id: id, author_id: me.id }.into_event()).await?;
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    no_content()
}

async fn like_state(app: &App, me: Uuid, id: Uuid) -> Reply {
    let post = post_view(app, Some(me), id).await?;
    json(StatusCode::OK, &LikeState { liked_by_me: post.liked_by_me, like_count: post.like_count })
}

#[utoipa::path(post, path = "/posts/{id}/like", tag = "feed", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "Liked (also when already liked; notifies the author once)", body = LikeState),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::NotFound,
    ))]
pub async fn like(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let outbox = if repo::like(&tx, id, me.id).await? {
        let author = repo::post_author(&tx, id).await?.ok_or(FeedError::PostNotFound)?;
        cs_events::emit(&tx, &DomainEvent::PostLiked { post_id: id, author_id: author, liker_id: me.id }.into_event())
            .await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    like_state(app, me.id, id).await
}

#[utoipa::path(delete, path = "/posts/{id}/like", tag = "feed", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "Not liked (also when it was not)", body = LikeState),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::NotFound,
    ))]
pub async fn unlike(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    let client = app.db.get().await?;
    repo::unlike(&client, id, me.id).await?;
    like_state(app, me.id, id).await
}

#[utoipa::path(post, path = "/posts/{id}/comments", tag = "feed", params(("id" = Uuid, Path)), request_body = NewCommentBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "The comment", body = CommentView,
            links(
                ("DeleteComment" = (operation_id = "delete_comment", parameters(("id" = "$response.body#/id")))),
                ("Comments" = (operation_id = "list_comments", parameters(("id" = "$response.body#/postId")))),
            )),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::NotFound,
    ))]
pub async fn create_comment(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let post = path_uuid(&req, "id")?;
    let body: NewCommentBody = json_body(&req)?;
    let content = text("content", &body.content, MAX_COMMENT_CHARS)?;
    let id = Uuid::now_v7();
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    repo::insert_comment(&tx, id, post, me.id, &content).await?;
    let author = repo::post_author(&tx, post).await?.ok_or(FeedError::PostNotFound)?;
    let mut outbox = Vec::new();
    if author != me.id {
        let event =
            DomainEvent::PostCommented { post_id: post, author_id: author, comment_id: id, commenter_id: me.id };
        outbox.extend(cs_events::emit(&tx, &event.into_event()).await?);
    }
    outbox.extend(mention_events(&tx, &content, me.id, post, Some(id)).await?);
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    let client = app.db.get().await?;
    let comment = repo::comment(&client, id).await?.ok_or(FeedError::CommentNotFound)?;
    json(StatusCode::CREATED, &CommentView::from(comment))
}

#[utoipa::path(get, path = "/posts/{id}/comments", tag = "feed",
    params(("id" = Uuid, Path), cs_http::openapi::PageQuery),
    responses(
        (status = 200, description = "Oldest first", body = Page<CommentView>),
        cs_http::openapi::Malformed,
        cs_http::openapi::NotFound,
    ))]
pub async fn list_comments(app: &App, req: Request) -> Reply {
    let post = path_uuid(&req, "id")?;
    let params = PageParams::from_request(&req)?;
    let client = app.db.get().await?;
    let rows = repo::comments(&client, post, &params).await?;
    if rows.is_empty() && repo::post_author(&client, post).await?.is_none() {
        return Err(FeedError::PostNotFound);
    }
    Page::from_rows(rows, &params, |c| cs_http::Cursor { at: c.created_at, id: c.id })
        .map(CommentView::from)
        .into_response(&req, &params)
}

#[utoipa::path(delete, path = "/comments/{id}", tag = "feed", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted (by the comment's author or the post's)"),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::Forbidden,
        cs_http::openapi::NotFound,
    ))]
pub async fn delete_comment(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let id = path_uuid(&req, "id")?;
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let comment = repo::comment(&tx, id).await?.ok_or(FeedError::CommentNotFound)?;
    let post_author = repo::post_author(&tx, comment.post_id).await?;
    if comment.author.id != me.id && post_author != Some(me.id) {
        return Err(FeedError::NotAuthor);
    }
    repo::delete_comment(&tx, id, comment.post_id).await?;
    tx.commit().await?;
    no_content()
}

/// A page of posts from a page of timeline entries.
async fn timeline_page(
    app: &App,
    req: &Request,
    params: &PageParams,
    viewer: Option<Uuid>,
    entries: Vec<Entry>,
) -> Reply {
    let page = Page::from_rows(entries, params, repo::entry_cursor);
    let ids: Vec<Uuid> = page.items.iter().map(|e| e.0).collect();
    let client = app.db.get().await?;
    let posts = repo::posts(&client, viewer, &ids).await?;
    drop(client);
    Page { items: views(app, posts).await?, next_cursor: page.next_cursor }.into_response(req, params)
}

#[utoipa::path(get, path = "/timeline/home", tag = "feed",
    params(cs_http::openapi::PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "Posts of the people you follow and your own, newest first", body = Page<PostView>),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn home(app: &App, req: Request) -> Reply {
    let me = require_caller(&req)?;
    let params = PageParams::from_request(&req)?;
    let client = app.db.get().await?;
    let entries = repo::home(&client, me.id, app.celebrity_followers, &params).await?;
    drop(client);
    timeline_page(app, &req, &params, Some(me.id), entries).await
}

#[utoipa::path(get, path = "/users/{userId}/posts", tag = "feed",
    params(("userId" = Uuid, Path), cs_http::openapi::PageQuery), security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The user's posts, newest first", body = Page<PostView>),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn user_posts(app: &App, req: Request) -> Reply {
    let author = path_uuid(&req, "userId")?;
    let params = PageParams::from_request(&req)?;
    let viewer = viewer(app, &req)?;
    let client = app.db.get().await?;
    let entries = repo::by_author(&client, author, &params).await?;
    drop(client);
    timeline_page(app, &req, &params, viewer, entries).await
}

#[utoipa::path(get, path = "/timeline/public", tag = "feed",
    params(cs_http::openapi::PageQuery), security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Every post, newest first", body = Page<PostView>),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn public(app: &App, req: Request) -> Reply {
    let params = PageParams::from_request(&req)?;
    let viewer = viewer(app, &req)?;
    let client = app.db.get().await?;
    let entries = repo::public(&client, &params).await?;
    drop(client);
    timeline_page(app, &req, &params, viewer, entries).await
}
