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

/// What API Gateway answers when the function fails or times out: not our problem+json, but
/// its own body.
pub fn internal_error() -> lambda_http::Response<lambda_http::Body> {
    let mut r = lambda_http::Response::new(lambda_http::Body::from(r#"{"message":"Internal Server Error"}"#));
    *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    r.headers_mut().insert("content-type", http::HeaderValue::from_static("application/json"));
    r
}
