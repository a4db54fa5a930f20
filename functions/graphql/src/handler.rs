//! `POST /graphql`: `{ query, variables?, operationName? }` in, a GraphQL response out
//! (HTTP 200 whenever the body is a GraphQL request; errors are in `errors`, each with
//! `extensions.code`).

use std::sync::Arc;

use async_graphql::{dataloader::DataLoader, ErrorExtensionValues, ServerError};
use cs_http::{bearer_token, json, json_body, Body, HttpError, Request, RequestExt, Response};
use lambda_http::{http::StatusCode, request::RequestContext};
use uuid::Uuid;

use crate::{
    loaders::{MediaLoader, PostLoader},
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
    ))]
pub async fn graphql(app: &App, req: Request) -> Result<Response<Body>, HttpError> {
    let request: async_graphql::Request = json_body(&req)?;
    let viewer = viewer(app, &req);
    let viewer_id = viewer.user.as_ref().map(|(id, _)| *id);
    let services = &app.services;
    let request = request
        .data(viewer)
        .data(Arc::clone(services))
        .data(DataLoader::new(PostLoader { feed: Arc::clone(&services.feed), viewer: viewer_id }, tokio::spawn))
        .data(DataLoader::new(MediaLoader { feed: Arc::clone(&services.feed) }, tokio::spawn));
    let mut response = app.schema.execute(request).await;
    for error in &mut response.errors {
        classify(error);
    }
    json(StatusCode::OK, &response)
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

fn viewer(app: &App, req: &Request) -> Viewer {
    let (source_ip, request_id) = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            (ctx.http.source_ip.clone().unwrap_or_default(), ctx.request_id.clone().unwrap_or_default())
        }
        _ => (String::new(), String::new()),
    };
    let mut viewer = Viewer { source_ip, request_id, ..Viewer::default() };
    if let Some(token) = bearer_token(req) {
        match app.tokens.verify(token) {
            Ok(claims) => match Uuid::parse_str(&claims.sub) {
                Ok(id) => viewer.user = Some((id, claims.username)),
                Err(_) => viewer.bad_token = true,
            },
            Err(_) => viewer.bad_token = true,
        }
    }
    viewer
}

/// The body of `POST /graphql`.
#[derive(utoipa::ToSchema)]
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
