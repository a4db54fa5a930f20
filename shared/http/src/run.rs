use std::{convert::Infallible, future::Future, pin::Pin, sync::Arc};

use lambda_http::{request::RequestContext, service_fn, Body, Request, RequestExt, Response};

use crate::{HttpError, Problem};

pub type BoxResponse = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// A function's handler bound to its service's `App`: what a Lambda bin runs and what the
/// local gateway mounts. Build one with [`handler!`](crate::handler).
pub type Handler<A> = fn(Arc<A>, Request) -> BoxResponse;

/// Turns `async fn(&App, Request) -> Result<Response<Body>, E>` into a [`Handler`].
#[macro_export]
macro_rules! handler {
    ($app:ty, $f:path) => {{
        let h: $crate::Handler<$app> = |app, req| {
            ::std::boxed::Box::pin(async move {
                let request_id = $crate::request_id(&req);
                $crate::respond($f(&app, req).await, request_id.as_deref())
            })
        };
        h
    }};
}

/// API Gateway's id of this request (`requestContext.requestId`).
pub fn request_id(req: &Request) -> Option<String> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
        _ => None,
    }
}

/// The handler's result as the HTTP response: problems as problem+json, anything
/// unexpected logged in full and answered as a bare 500.
pub fn respond<E: Into<HttpError>>(result: Result<Response<Body>, E>, request_id: Option<&str>) -> Response<Body> {
    let mut response = match result.map_err(Into::into) {
        Ok(response) => response,
        Err(HttpError::Problem(problem)) => problem.into_response(request_id),
        Err(HttpError::Unexpected(err)) => {
            tracing::error!(request_id, error = ?err, "unexpected error");
            Problem::internal().into_response(request_id)
        }
    };
    if let Some(id) = request_id.and_then(|id| id.parse().ok()) {
        response.headers_mut().insert("x-request-id", id);
    }
    response
}

/// JSON logs, one object per line; `RUST_LOG` filters (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_postgres=warn"));
    let _ = tracing_subscriber::fmt().json().with_env_filter(filter).with_current_span(false).without_time().try_init();
}

/// The body of a Lambda bin: serve `handler` with `app`, built once at cold start.
pub async fn run<A: Send + Sync + 'static>(app: A, handler: Handler<A>) -> Result<(), lambda_http::Error> {
    let app = Arc::new(app);
    lambda_http::run(service_fn(move |req: Request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(handler(app, req).await) }
    }))
    .await
}
