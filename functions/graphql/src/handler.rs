//! `POST /graphql`: `{ query, variables?, operationName? }` in, a GraphQL response out
//! (HTTP 200 whenever the body is a GraphQL request; errors are in `errors`, each with
//! `extensions.code`).

use std::sync::Arc;

use async_graphql::{dataloader::DataLoader, ErrorExtensionValues, ServerError};
use cs_http::{bearer_token, json, json_body, Body, HttpError, Problem, Request, RequestExt, Response};
use lambda_http::{http::StatusCode, request::RequestContext};
use uuid::Uuid;

use crate::{
    loaders::{FollowLoader, MediaLoader, PostLoader},
    viewer::Viewer,
    App,
};

#[utoipa::path(post, path = "/graphql", tag = "graphql",
    request_body(content = GraphqlRequest, description = "A GraphQL request; the schema is frontend/schema.graphql"),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The GraphQL response: `data`, and `errors` each with `extensions.code` \
            (the REST problem code, `invalid_query`, `query_too_deep` or `query_too_complex`)", body = GraphqlResponse),
        cs_http::openapi::BadBody,
        cs_http::openapi::Unauthorized,
    ))]
pub async fn graphql(app: &App, req: Request) -> Result<Response<Body>, HttpError> {
    let request: async_graphql::Request = json_body(&req)?;
    if request.query.trim().is_empty() {
        return Err(Problem::invalid("query", "query is required: a GraphQL document").into());
    }
    let viewer = viewer(app, &req)?;
    json(StatusCode::OK, &execute(app, viewer, request).await)
}

/// Runs a GraphQL request for `viewer`, with loaders of its own (what one request loads is
/// batched and cached for that request alone: `likedByMe` is the viewer's).
pub async fn execute(app: &App, viewer: Viewer, request: async_graphql::Request) -> async_graphql::Response {
    let viewer_id = viewer.user.as_ref().map(|(id, _)| *id);
    let services = &app.services;
    let mut request = request;
    if let Some(me) = viewer_id {
        request =
            request.data(DataLoader::new(FollowLoader { user: Arc::clone(&services.user), viewer: me }, tokio::spawn));
    }
    let request = request
        .data(viewer)
        .data(Arc::clone(services))
        .data(DataLoader::new(PostLoader { feed: Arc::clone(&services.feed), viewer: viewer_id }, tokio::spawn))
        .data(DataLoader::new(MediaLoader { feed: Arc::clone(&services.feed) }, tokio::spawn));
    let mut response = app.schema.execute(request).await;
    for error in &mut response.errors {
        classify(error);
    }
    response
}

/// Errors of the query itself (not of a resolver) get a stable code too.
fn classify(error: &mut ServerError) {
    let has_code = error.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if has_code {
        return;
    }
    let code = if error.message.contains("nested too deep") {
        "query_too_deep"
    } else if error.message.contains("too complex") {
        "query_too_complex"
    } else {
        "invalid_query"
    };
    error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", code);
}

/// The caller of a valid Bearer token, or anonymous; a token that is sent must be valid (a
/// 401 for the whole request, as on the REST routes where a token is optional, so the web
/// app refreshes its session and retries).
fn viewer(app: &App, req: &Request) -> Result<Viewer, Problem> {
    let (source_ip, request_id) = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            (ctx.http.source_ip.clone().unwrap_or_default(), ctx.request_id.clone().unwrap_or_default())
        }
        _ => (String::new(), String::new()),
    };
    let user = match bearer_token(req) {
        None => None,
        Some(token) => {
            let claims = app.tokens.verify(token).ok();
            let user = claims.and_then(|c| Some((Uuid::parse_str(&c.sub).ok()?, c.username)));
            Some(user.ok_or_else(|| Problem::unauthorized("the access token is not valid"))?)
        }
    };
    Ok(Viewer { user, source_ip, request_id })
}

/// The body of `POST /graphql`.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase", example = json!({
    "query": "query Timeline($first: Int) { timeline(kind: PUBLIC, first: $first) { edges { node { id content author { username } } } pageInfo { hasNextPage endCursor } } }",
    "variables": { "first": 2 },
    "operationName": "Timeline"
}))]
#[allow(dead_code)]
pub struct GraphqlRequest {
    /// The GraphQL document.
    #[schema(min_length = 1)]
    query: String,
    /// Values of the operation's variables.
    variables: Option<serde_json::Map<String, serde_json::Value>>,
    /// Which operation of the document to run.
    #[schema(nullable)]
    operation_name: Option<String>,
}

/// A GraphQL response.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct GraphqlResponse {
    data: Option<serde_json::Value>,
    errors: Option<Vec<serde_json::Value>>,
}
