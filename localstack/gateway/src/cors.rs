//! CORS for the web app's origins, as the HTTP API's CORS configuration answers.

use axum::{body::Body as AxumBody, extract::Request, response::Response};
use http::{HeaderMap, HeaderValue, StatusCode};

pub struct Cors {
    origins: Vec<String>,
}

impl Cors {
    pub fn new(origins: Vec<String>) -> Self {
        Cors { origins }
    }

    fn allowed(&self, origin: &HeaderValue) -> bool {
        let origin = origin.to_str().unwrap_or("");
        self.origins.iter().any(|o| o == "*" || o == origin)
    }

    /// The headers a response to an allowed `origin` carries.
    pub fn decorate(&self, headers: &mut HeaderMap, origin: Option<HeaderValue>) {
        if let Some(origin) = origin.filter(|o| self.allowed(o)) {
            headers.insert("access-control-allow-origin", origin);
            headers.insert("vary", HeaderValue::from_static("origin"));
            headers.insert(
                "access-control-expose-headers",
                HeaderValue::from_static(
                    "link, x-request-id, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset",
                ),
            );
        }
    }

    pub fn preflight(&self, req: &Request) -> Response {
        let mut r = Response::new(AxumBody::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        if req.headers().get("origin").is_some_and(|o| self.allowed(o)) {
            let h = r.headers_mut();
            h.insert(
                "access-control-allow-methods",
                HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
            );
            h.insert(
                "access-control-allow-headers",
                HeaderValue::from_static("authorization, content-type, idempotency-key, x-request-id"),
            );
            h.insert("access-control-max-age", HeaderValue::from_static("600"));
        }
        r
    }
}
