//! Successful answers. Generic over the error so that a handler returns its service's own
//! error type; building a response fails only unexpectedly.

use lambda_http::{http::StatusCode, Body, Response};
use serde::Serialize;

pub fn json<T: Serialize, E: From<anyhow::Error>>(status: StatusCode, value: &T) -> Result<Response<Body>, E> {
    json_with_headers(status, value, &[])
}

pub fn json_with_headers<T: Serialize, E: From<anyhow::Error>>(
    status: StatusCode,
    value: &T,
    headers: &[(&str, String)],
) -> Result<Response<Body>, E> {
    let build = || -> anyhow::Result<Response<Body>> {
        let body = serde_json::to_string(value)?;
        let mut builder = Response::builder().status(status).header("content-type", "application/json");
        for (name, value) in headers {
            builder = builder.header(*name, value.as_str());
        }
        Ok(builder.body(Body::Text(body))?)
    };
    build().map_err(E::from)
}

pub fn no_content<E: From<anyhow::Error>>() -> Result<Response<Body>, E> {
    Response::builder().status(StatusCode::NO_CONTENT).body(Body::Empty).map_err(|e| E::from(e.into()))
}
