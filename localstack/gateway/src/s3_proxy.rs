//! The emulator's S3 under `/<bucket>/` on the gateway's own origin, for the media bucket and
//! the marketplace's private item files: moto's S3 answers a CORS preflight 403, so a browser
//! cannot PUT to it directly.

use axum::{
    body::{to_bytes, Body as AxumBody},
    extract::Request,
    response::Response,
};
use http::StatusCode;

pub struct S3Proxy {
    prefixes: Vec<String>,
    upstream: String,
    client: reqwest::Client,
}

impl S3Proxy {
    pub fn new(buckets: &[&str], upstream: String) -> Self {
        let prefixes = buckets.iter().map(|b| format!("/{b}/")).collect();
        S3Proxy { prefixes, upstream, client: reqwest::Client::new() }
    }

    pub fn handles(&self, path: &str) -> bool {
        self.prefixes.iter().any(|p| path.starts_with(p))
    }

    /// Forwards a (presigned) S3 request to the emulator, as browsers would send it to S3.
    pub async fn forward(&self, req: Request) -> Response {
        let (client, upstream) = (&self.client, &self.upstream);
        let (parts, body) = req.into_parts();
        let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let failed = |status: StatusCode| {
            let mut r = Response::new(AxumBody::empty());
            *r.status_mut() = status;
            r
        };
        let Ok(body) = to_bytes(body, usize::MAX).await else { return failed(StatusCode::BAD_REQUEST) };
        let mut forward =
            client.request(parts.method.clone(), format!("{}{path_and_query}", upstream.trim_end_matches('/')));
        for (name, value) in &parts.headers {
            if name != http::header::HOST && name != http::header::ORIGIN {
                forward = forward.header(name, value);
            }
        }
        let Ok(res) = forward.body(body).send().await else { return failed(StatusCode::BAD_GATEWAY) };
        let status = res.status();
        let headers = res.headers().clone();
        let Ok(bytes) = res.bytes().await else { return failed(StatusCode::BAD_GATEWAY) };
        let mut out = Response::new(AxumBody::from(bytes));
        *out.status_mut() = status;
        for name in [
            http::header::CONTENT_TYPE,
            http::header::CONTENT_DISPOSITION,
            http::header::ETAG,
            http::header::LAST_MODIFIED,
        ] {
            if let Some(v) = headers.get(&name) {
                out.headers_mut().insert(name, v.clone());
            }
        }
        out
    }
}
