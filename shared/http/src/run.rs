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
        Err(HttpError::Unexpected(err)) if nul_in_text(&err) => Problem::new(
            lambda_http::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
            "text may not contain the NUL character (U+0000)",
        )
        .into_response(request_id),
        Err(HttpError::Unexpected(err)) if database_unavailable(&err) => {
            tracing::error!(request_id, error = ?err, "the database is unavailable");
            Problem::new(
                lambda_http::http::StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "the service is briefly unavailable; nothing was changed, try again",
            )
            .header("retry-after", "1")
            .into_response(request_id)
        }
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

/// Whether `err` is Postgres refusing a NUL character in text (which no text column can
/// hold): the client's input, wherever it came from (a body, a query, a signed event).
fn nul_in_text(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<tokio_postgres::Error>()
            .and_then(tokio_postgres::Error::code)
            .is_some_and(|c| *c == tokio_postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE)
    })
}

/// Whether `err` is the database being unreachable or restarting (no connection, a closed
/// one, or the server shutting down or starting up) rather than a fault of ours: a request
/// that met it changed nothing (its transaction never committed), so it may be retried.
fn database_unavailable(err: &anyhow::Error) -> bool {
    use tokio_postgres::error::SqlState;
    err.chain().any(|e| {
        if let Some(pool) = e.downcast_ref::<deadpool_postgres::PoolError>() {
            return matches!(pool, deadpool_postgres::PoolError::Backend(_) | deadpool_postgres::PoolError::Timeout(_));
        }
        let Some(pg) = e.downcast_ref::<tokio_postgres::Error>() else { return false };
        let connection_lost = pg.is_closed()
            || std::error::Error::source(pg).is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some());
        let shutting_down = pg.code().is_some_and(|c| {
            [SqlState::ADMIN_SHUTDOWN, SqlState::CRASH_SHUTDOWN, SqlState::CANNOT_CONNECT_NOW].contains(c)
                || c.code().starts_with("08")
        });
        connection_lost || shutting_down
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_database_is_a_503_to_retry_and_anything_else_a_500() {
        let config: tokio_postgres::Config = "postgres://nobody@127.0.0.1:9/none".parse().unwrap();
        let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
        let pool = deadpool_postgres::Pool::builder(manager).max_size(1).build().unwrap();
        let err = pool.get().await.unwrap_err();
        let res = respond::<HttpError>(Err(HttpError::Unexpected(err.into())), Some("r1"));
        assert_eq!(res.status(), 503);
        assert_eq!(res.headers()["retry-after"], "1");
        let res = respond::<HttpError>(Err(HttpError::Unexpected(anyhow::anyhow!("a bug"))), Some("r2"));
        assert_eq!(res.status(), 500);
    }
}
