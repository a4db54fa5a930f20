//! A function's Lambda response as the HTTP response the gateway sends.

use axum::{body::Body as AxumBody, response::Response};

pub fn to_axum(r: lambda_http::Response<lambda_http::Body>) -> Response {
    let (parts, body) = r.into_parts();
    let body = match body {
        lambda_http::Body::Empty => AxumBody::empty(),
        lambda_http::Body::Text(t) => AxumBody::from(t),
        lambda_http::Body::Binary(b) => AxumBody::from(b),
        _ => AxumBody::empty(),
    };
    Response::from_parts(parts, body)
}
