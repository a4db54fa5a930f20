use lambda_http::{http::StatusCode, Body, Response};
use serde::Serialize;

use crate::HttpError;

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Response<Body>, HttpError> {
    json_with_headers(status, value, &[])
}

pub fn json_with_headers<T: Serialize>(
    status: StatusCode,
    value: &T,
    headers: &[(&str, String)],
) -> Result<Response<Body>, HttpError> {
    let body = serde_json::to_string(value).map_err(anyhow::Error::from)?;
    let mut builder = Response::builder().status(status).header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    Ok(builder.body(Body::Text(body)).map_err(anyhow::Error::from)?)
}

pub fn no_content() -> Result<Response<Body>, HttpError> {
    Ok(Response::builder().status(StatusCode::NO_CONTENT).body(Body::Empty).map_err(anyhow::Error::from)?)
}
