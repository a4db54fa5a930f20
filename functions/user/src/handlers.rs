//! One function per endpoint; each reads like its use case. SQL lives in `repo`, input
//! checks in `domain`, wire shapes in `wire`.

use chrono::{Duration as Days, Utc};
use cs_events::DomainEvent;
use cs_http::{
    caller, json, json_body, json_with_headers, no_content, optional_caller, parse_uuid, path_uuid, Body, Caller, Page,
    PageParams, Request, RequestExt, Response,
};
use lambda_http::{http::StatusCode, request::RequestContext};
use uuid::Uuid;

use crate::{
    domain::{avatar_url, profile_text, Email, Password, Username},
    repo::{self, Direction, NewUser, ProfileChange, UserRow},
    wire::*,
    App, UserError,
};

type Reply = Result<Response<Body>, UserError>;

/// How long a refresh token lives unused; each refresh issues a new one.
const REFRESH_TTL_DAYS: i64 = 30;

fn me(req: &Request) -> Result<Caller, UserError> {
    caller(req)?.ok_or(UserError::BadAccessToken)
}

/// The caller on a route where a token is optional.
fn viewer(app: &App, req: &Request) -> Result<Option<Uuid>, UserError> {
    Ok(optional_caller(req, |token| app.tokens.verify(token).ok().and_then(|c| Uuid::parse_str(&c.sub).ok()))?)
}

fn source_ip(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// A new login session: an access token and the first refresh token of a new family.
async fn start_session(
    app: &App,
    db: &impl cs_db::GenericClient,
    user: &UserRow,
) -> Result<(String, String, i64), UserError> {
    let (refresh, hash) = cs_auth::new_refresh_token();
    let expires = Utc::now() + Days::days(REFRESH_TTL_DAYS);
    repo::insert_refresh_token(db, Uuid::now_v7(), user.id, &hash, expires).await?;
    let (access, expires_in) = app.tokens.issue(user.id, &user.username)?;
    Ok((access, refresh, expires_in))
}

#[utoipa::path(post, path = "/users/register", tag = "users",
    request_body = RegisterBody,
    responses(
        (status = 201, description = "Registered; the user and a session", body = AuthResponse,
            links(
                ("GetUser" = (operation_id = "get_user", parameters(("userId" = "$response.body#/user/id")))),
                ("UpdateUser" = (operation_id = "update_user", parameters(("userId" = "$response.body#/user/id")))),
                ("UserPosts" = (operation_id = "user_posts", parameters(("userId" = "$response.body#/user/id")))),
                ("Block" = (operation_id = "block", request_body = json!({ "userId": "$response.body#/user/id" }))),
                ("Unblock" = (operation_id = "unblock", request_body = json!({ "userId": "$response.body#/user/id" }))),
                ("Converse" = (operation_id = "create_conversation",
                    request_body = json!({ "memberIds": ["$response.body#/user/id"] }))),
            )),
        cs_http::openapi::BadBody,
        cs_http::openapi::Conflict,
    ))]
pub async fn register(app: &App, req: Request) -> Reply {
    let body: RegisterBody = json_body(&req)?;
    let username = Username::parse(&body.username)?;
    let email = Email::parse(&body.email)?;
    let password = Password::parse(&body.password, "password")?;
    let hashed = cs_auth::hash_password(password.expose()).await?;

    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let new =
        NewUser { id: Uuid::now_v7(), username: username.as_str(), email: email.as_str(), hashed_password: &hashed };
    let user = repo::insert_user(&tx, &new).await?;
    let (access_token, refresh_token, expires_in) = start_session(app, &tx, &user).await?;
    let outbox = cs_events::emit(&tx, &DomainEvent::UserCreated { user_id: new.id }.into_event()).await?;
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;

    let view = UserView::for_viewer(user, Some(new.id));
    json(
        StatusCode::CREATED,
        &AuthResponse { user: view, access_token, refresh_token, expires_in, token_type: "Bearer" },
    )
}

#[utoipa::path(post, path = "/users/login", tag = "auth",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse,
            links(("GetUser" = (operation_id = "get_user", parameters(("userId" = "$response.body#/user/id")))))),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::TooManyRequests,
    ))]
pub async fn login(app: &App, req: Request) -> Reply {
    let body: LoginBody = json_body(&req)?;
    if body.email.trim().is_empty() {
        return Err(UserError::Invalid { field: "email", message: "email is required".into() });
    }
    let limit_headers = app.limits.check_login(app, &body.email, &source_ip(&req)).await?;

    let client = app.db.get().await?;
    let user = repo::user_by_email(&client, &body.email).await?;
    let ok = cs_auth::verify_password_or_dummy(body.password, user.as_ref().map(|u| u.hashed_password.clone())).await?;
    let user = match user {
        Some(user) if ok => user,
        _ => return Err(UserError::BadCredentials),
    };
    let (access_token, refresh_token, expires_in) = start_session(app, &client, &user).await?;
    let view = UserView::for_viewer(user.clone(), Some(user.id));
    json_with_headers(
        StatusCode::OK,
        &AuthResponse { user: view, access_token, refresh_token, expires_in, token_type: "Bearer" },
        &limit_headers,
    )
}

#[utoipa::path(get, path = "/users/{userId}", tag = "users",
    params(("userId" = Uuid, Path, description = "The user's id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The user; with `email` when the caller is that user", body = UserView),
        cs_http::openapi::Malformed,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::NotFound,
    ))]
pub async fn get_user(app: &App, req: Request) -> Reply {
    let id = path_uuid(&req, "userId")?;
    let viewer = viewer(app, &req)?;
    let client = app.db.get().await?;
    let user = repo::user_by_id(&client, id).await?.ok_or(UserError::NotFound { field: None })?;
    json(StatusCode::OK, &UserView::for_viewer(user, viewer))
}

#[utoipa::path(put, path = "/users/{userId}", tag = "users",
    params(("userId" = Uuid, Path, description = "The user's id; must be the caller")),
    request_body = UpdateUserBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated user", body = UserView),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::Forbidden,
        cs_http::openapi::NotFound,
        cs_http::openapi::Conflict,
    ))]
pub async fn update_user(app: &App, req: Request) -> Reply {
    let id = path_uuid(&req, "userId")?;
    let me = me(&req)?;
    if me.id != id {
        return Err(UserError::NotYou { field: Some("userId") });
    }
    let body: UpdateUserBody = json_body(&req)?;
    let mut change = ProfileChange {
        username: body.username.as_deref().map(Username::parse).transpose()?.map(|u| u.as_str().to_string()),
        email: body.email.as_deref().map(Email::parse).transpose()?.map(|e| e.as_str().to_string()),
        display_name: body
            .display_name
            .map(|v| v.map_or(Ok(None), |s| profile_text("displayName", &s, 50, false)))
            .transpose()?,
        bio: body.bio.map(|v| v.map_or(Ok(None), |s| profile_text("bio", &s, 500, true))).transpose()?,
        avatar_url: body.avatar_url.map(|v| v.map_or(Ok(None), |s| avatar_url(&s))).transpose()?,
        hashed_password: None,
    };
    let new_password = body.password.as_deref().map(|p| Password::parse(p, "password")).transpose()?;

    let mut client = app.db.get().await?;
    let current = repo::user_by_id(&client, id).await?.ok_or(UserError::NotFound { field: None })?;
    let email_changes = change.email.as_ref().is_some_and(|e| *e != current.email);
    if email_changes || new_password.is_some() {
        let given = body.current_password.ok_or(UserError::CurrentPasswordRequired { field: "currentPassword" })?;
        if !cs_auth::verify_password(given, current.hashed_password.clone()).await? {
            return Err(UserError::WrongPassword);
        }
    }
    if let Some(p) = &new_password {
        change.hashed_password = Some(cs_auth::hash_password(p.expose()).await?);
    }

    let tx = client.transaction().await?;
    let user = repo::update_user(&tx, id, &change).await?.ok_or(UserError::NotFound { field: None })?;
    if new_password.is_some() {
        // A new password signs out every other session.
        repo::revoke_all_for_user(&tx, id).await?;
    }
    let outbox = cs_events::emit(&tx, &DomainEvent::UserUpdated { user_id: id }.into_event()).await?;
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    json(StatusCode::OK, &UserView::for_viewer(user, Some(me.id)))
}

/// The edge named by a follow body, checked: the caller acts only for themself.
fn edge(req: &Request) -> Result<(Uuid, Uuid), UserError> {
    let me = me(req)?;
    let body: FollowBody = json_body(req)?;
    let follower = parse_uuid("followerId", &body.follower_id)?;
    let following = parse_uuid("followingId", &body.following_id)?;
    if follower != me.id {
        return Err(UserError::NotYou { field: Some("followerId") });
    }
    if follower == following {
        return Err(UserError::FollowSelf);
    }
    Ok((follower, following))
}

#[utoipa::path(post, path = "/users/follow", tag = "follows",
    request_body = FollowBody,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Following (also when already following)"),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::Forbidden,
        cs_http::openapi::NotFound,
    ))]
pub async fn follow(app: &App, req: Request) -> Reply {
    let (follower, following) = edge(&req)?;
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let outbox = if repo::follow(&tx, follower, following).await? {
        let event = DomainEvent::Followed { follower_id: follower, following_id: following }.into_event();
        cs_events::emit(&tx, &event).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    no_content()
}

#[utoipa::path(post, path = "/users/unfollow", tag = "follows",
    request_body = FollowBody,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not following (also when already not following)"),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::Forbidden,
        cs_http::openapi::NotFound,
    ))]
pub async fn unfollow(app: &App, req: Request) -> Reply {
    let (follower, following) = edge(&req)?;
    let mut client = app.db.get().await?;
    if !repo::user_exists(&client, following).await? {
        return Err(UserError::NotFound { field: Some("followingId") });
    }
    let tx = client.transaction().await?;
    let outbox = if repo::unfollow(&tx, follower, following).await? {
        let event = DomainEvent::Unfollowed { follower_id: follower, following_id: following }.into_event();
        cs_events::emit(&tx, &event).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    app.relay.publish(&mut client, &outbox).await;
    no_content()
}

fn block_target(req: &Request) -> Result<(Uuid, Uuid), UserError> {
    let me = me(req)?;
    let body: BlockBody = json_body(req)?;
    let other = parse_uuid("userId", &body.user_id)?;
    if other == me.id {
        return Err(UserError::Invalid { field: "userId", message: "you cannot block yourself".into() });
    }
    Ok((me.id, other))
}

#[utoipa::path(post, path = "/users/block", tag = "follows",
    request_body = BlockBody,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Blocked (also when already blocked): neither can message the other in a direct conversation"),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
        cs_http::openapi::NotFound,
    ))]
pub async fn block(app: &App, req: Request) -> Reply {
    let (me, other) = block_target(&req)?;
    let client = app.db.get().await?;
    if !repo::block(&client, me, other).await? {
        return Err(UserError::NotFound { field: Some("userId") });
    }
    no_content()
}

#[utoipa::path(post, path = "/users/unblock", tag = "follows",
    request_body = BlockBody,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not blocked (also when it was not)"),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn unblock(app: &App, req: Request) -> Reply {
    let (me, other) = block_target(&req)?;
    let client = app.db.get().await?;
    repo::unblock(&client, me, other).await?;
    no_content()
}

async fn follow_list(app: &App, req: Request, direction: Direction) -> Reply {
    let subject = path_uuid(&req, "userId")?;
    let params = PageParams::from_request(&req)?;
    let client = app.db.get().await?;
    let rows = repo::follow_page(&client, subject, direction, &params).await?;
    if rows.is_empty() && !repo::user_exists(&client, subject).await? {
        return Err(UserError::NotFound { field: None });
    }
    Page::from_rows(rows, &params, repo::edge_cursor)
        .map(|(user, _)| UserView::public(user))
        .into_response(&req, &params)
}

#[utoipa::path(get, path = "/users/{userId}/followers", tag = "follows",
    params(("userId" = Uuid, Path, description = "Whose followers"), cs_http::openapi::PageQuery),
    responses(
        (status = 200, description = "Followers, newest first; a `Link: rel=\"next\"` header when more follow", body = Page<UserView>),
        cs_http::openapi::Malformed,
        cs_http::openapi::NotFound,
    ))]
pub async fn followers(app: &App, req: Request) -> Reply {
    follow_list(app, req, Direction::Followers).await
}

#[utoipa::path(get, path = "/users/{userId}/following", tag = "follows",
    params(("userId" = Uuid, Path, description = "Whose followings"), cs_http::openapi::PageQuery),
    responses(
        (status = 200, description = "Users followed, newest first; a `Link: rel=\"next\"` header when more follow", body = Page<UserView>),
        cs_http::openapi::Malformed,
        cs_http::openapi::NotFound,
    ))]
pub async fn following(app: &App, req: Request) -> Reply {
    follow_list(app, req, Direction::Following).await
}

#[utoipa::path(post, path = "/auth/refresh", tag = "auth",
    request_body = RefreshBody,
    responses(
        (status = 200, description = "A new access token and the next refresh token (the one sent is now spent)", body = TokenResponse),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn refresh(app: &App, req: Request) -> Reply {
    let body: RefreshBody = json_body(&req)?;
    let hash = cs_auth::hash_refresh_token(&body.refresh_token);
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let token = repo::refresh_token_for_update(&tx, &hash).await?.ok_or(UserError::BadRefreshToken)?;
    if token.revoked_at.is_some() || token.expires_at <= Utc::now() {
        return Err(UserError::BadRefreshToken);
    }
    if token.replaced_at.is_some() {
        // A spent token came back: someone holds a copy. End every session of this login.
        repo::revoke_family(&tx, token.family_id).await?;
        tx.commit().await?;
        return Err(UserError::RefreshTokenReused);
    }
    let user = repo::user_by_id(&tx, token.user_id).await?.ok_or(UserError::BadRefreshToken)?;
    repo::mark_replaced(&tx, token.id).await?;
    let (refresh_token, next_hash) = cs_auth::new_refresh_token();
    repo::insert_refresh_token(&tx, token.family_id, user.id, &next_hash, Utc::now() + Days::days(REFRESH_TTL_DAYS))
        .await?;
    tx.commit().await?;
    let (access_token, expires_in) = app.tokens.issue(user.id, &user.username)?;
    json(StatusCode::OK, &TokenResponse { access_token, refresh_token, expires_in, token_type: "Bearer" })
}

#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    request_body = RefreshBody,
    responses(
        (status = 204, description = "The session of this refresh token is ended (also when it already was)"),
        cs_http::openapi::BadBody,
    ))]
pub async fn logout(app: &App, req: Request) -> Reply {
    let body: RefreshBody = json_body(&req)?;
    let hash = cs_auth::hash_refresh_token(&body.refresh_token);
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    if let Some(token) = repo::refresh_token_for_update(&tx, &hash).await? {
        repo::revoke_family(&tx, token.family_id).await?;
    }
    tx.commit().await?;
    no_content()
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "The keys that verify access tokens (RS256)", body = Jwks)))]
pub async fn jwks(app: &App, _req: Request) -> Reply {
    json_with_headers(StatusCode::OK, &app.tokens.jwks(), &[("cache-control", "public, max-age=300".to_string())])
}

#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "auth",
    responses((status = 200, description = "Where the keys of the access tokens' issuer are (API Gateway's JWT authorizer reads this)", body = OpenIdConfiguration)))]
pub async fn openid_configuration(app: &App, req: Request) -> Reply {
    let issuer = app.tokens.issuer.clone();
    // In AWS the issuer is the API's https URL; locally it is a name, and the keys are here.
    let base = if issuer.starts_with("https://") || issuer.starts_with("http://") {
        issuer.trim_end_matches('/').to_string()
    } else {
        let host = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:3000");
        format!("http://{host}")
    };
    let document = OpenIdConfiguration {
        jwks_uri: format!("{base}/.well-known/jwks.json"),
        issuer,
        id_token_signing_alg_values_supported: vec!["RS256"],
    };
    json_with_headers(StatusCode::OK, &document, &[("cache-control", "public, max-age=300".to_string())])
}
