//! One HTTP API request: CORS, the route, the authorizer, the payload-2.0 event, the
//! function within its timeout, and the access log.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use axum::{
    body::{to_bytes, Body as AxumBody},
    extract::Request,
    response::Response,
};
use cs_http::Problem;
use cs_manifest::Auth;
use http::{HeaderValue, Method, StatusCode};

use crate::{
    event, faults,
    gateway::Gateway,
    response::{internal_error, to_axum},
    routes::Match,
    statics,
};

/// API Gateway's own payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

impl Gateway {
    pub(crate) async fn handle(&self, req: Request, peer: SocketAddr) -> Response {
        let started = Instant::now();
        let request_id = uuid::Uuid::new_v4().to_string();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let origin = req.headers().get("origin").cloned();
        let (mut response, route_key) = self.dispatch(req, peer, &request_id).await;

        let headers = response.headers_mut();
        if let Ok(id) = HeaderValue::from_str(&request_id) {
            headers.insert("apigw-requestid", id.clone());
            headers.entry("x-request-id").or_insert(id);
        }
        self.cors.decorate(headers, origin);
        self.metrics.request(
            route_key.as_deref().unwrap_or("unmatched"),
            response.status().as_u16(),
            started.elapsed(),
        );
        tracing::info!(
            target: "access",
            requestId = %request_id,
            method = %method,
            path = %path,
            routeKey = route_key.as_deref().unwrap_or("-"),
            status = response.status().as_u16(),
            latencyMs = started.elapsed().as_secs_f64() * 1000.0,
            sourceIp = %peer.ip(),
        );
        response
    }

    async fn dispatch(&self, req: Request, peer: SocketAddr, request_id: &str) -> (Response, Option<String>) {
        let method = req.method().clone();
        let path = req.uri().path().to_string();

        if method == Method::OPTIONS && req.headers().contains_key("access-control-request-method") {
            return (self.cors.preflight(&req), Some("OPTIONS (CORS)".into()));
        }
        if path == "/health" {
            return (self.health().await, Some("GET /health".into()));
        }
        if let Some(s3) = self.s3_proxy.as_ref().filter(|s3| s3.handles(&path)) {
            return (s3.forward(req).await, Some("S3 (emulator)".into()));
        }
        if path == "/metrics" {
            self.metrics.database_up(self.database_ok(Duration::from_secs(1)).await);
            let mut r = Response::new(AxumBody::from(self.metrics.render()));
            r.headers_mut().insert("content-type", HeaderValue::from_static("text/plain; version=0.0.4"));
            return (r, Some("GET /metrics".into()));
        }
        if let Some(rest) = path.strip_prefix(faults::PREFIX) {
            let known = |name: &str| self.has_function(name);
            let r = match self.faults.handle(&method, rest, &known) {
                Ok((status, body)) => {
                    let mut r = Response::new(AxumBody::from(body));
                    *r.status_mut() = status;
                    r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
                    r
                }
                Err(p) => to_axum(p.into_response(Some(request_id))),
            };
            return (r, Some("local faults".into()));
        }
        let (route, params) = match self.router.find(method.as_str(), &path) {
            Match::Found(route, params) => (route, params),
            Match::MethodNotAllowed(allowed) => {
                let p = Problem::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    format!("{method} is not allowed on {path}"),
                )
                .header("allow", allowed.join(", "));
                return (to_axum(p.into_response(Some(request_id))), None);
            }
            Match::NotFound => {
                if method == Method::GET {
                    if let Some(dir) = &self.frontend_dir {
                        let accepts = statics::Accepts::from_headers(req.headers());
                        if let Some(file) = statics::serve(dir, &path, accepts).await {
                            let mut r = Response::new(AxumBody::from(file.bytes));
                            let headers = r.headers_mut();
                            headers.insert("content-type", HeaderValue::from_static(file.content_type));
                            headers.insert("cache-control", HeaderValue::from_static(file.cache_control));
                            headers.insert("vary", HeaderValue::from_static("accept, accept-encoding"));
                            if file.gzipped {
                                headers.insert("content-encoding", HeaderValue::from_static("gzip"));
                            }
                            return (r, Some("static".into()));
                        }
                    }
                }
                let p = Problem::not_found("route_not_found", format!("no route for {method} {path}"));
                return (to_axum(p.into_response(Some(request_id))), None);
            }
        };
        let route_key = Some(route.route_key());

        let claims = match route.auth {
            Auth::Jwt => {
                let header = req.headers().get("authorization").and_then(|v| v.to_str().ok());
                match self.authorizer.authorize(header) {
                    Some(claims) => Some(claims),
                    None => {
                        let p =
                            Problem::unauthorized("a valid access token is required: Authorization: Bearer <token>");
                        return (to_axum(p.into_response(Some(request_id))), route_key);
                    }
                }
            }
            Auth::Optional | Auth::None => None,
        };

        let (parts, body) = req.into_parts();
        let Ok(body) = to_bytes(body, MAX_PAYLOAD).await else {
            let p = Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the request body is over 10 MiB");
            return (to_axum(p.into_response(Some(request_id))), route_key);
        };
        let host = parts.headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or("localhost").to_string();
        let incoming = event::Incoming {
            method: parts.method.as_str(),
            path: &path,
            raw_query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body: &body,
            source_ip: peer.ip().to_string(),
            request_id,
            host: &host,
        };
        if self.faults.is_failing(&route.function) {
            self.functions.record_failure(&route.function, &self.metrics);
            return (to_axum(internal_error()), route_key);
        }
        let event = event::build(&incoming, route, &params, claims.as_ref());
        let Some(function) = self.functions.http(&route.function) else {
            return (to_axum(Problem::internal().into_response(Some(request_id))), route_key);
        };
        let limit = self.timeouts.get(&route.function).copied().unwrap_or(Duration::from_secs(30));
        let response = match tokio::time::timeout(limit, function(event)).await {
            Ok(response) => response,
            Err(_) => {
                tracing::error!(function = %route.function, timeout_ms = limit.as_millis(), "the function timed out");
                internal_error()
            }
        };
        (to_axum(response), route_key)
    }

    /// `SELECT 1` answered within `limit`.
    async fn database_ok(&self, limit: Duration) -> bool {
        let probe = async {
            match self.db.get().await {
                Ok(client) => client.simple_query("SELECT 1").await.is_ok(),
                Err(_) => false,
            }
        };
        tokio::time::timeout(limit, probe).await.unwrap_or(false)
    }

    async fn health(&self) -> Response {
        let db_ok = self.database_ok(Duration::from_secs(2)).await;
        let status = if db_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
        let body = serde_json::json!({ "status": if db_ok { "ok" } else { "degraded" }, "database": if db_ok { "ok" } else { "unreachable" } });
        let mut r = Response::new(AxumBody::from(body.to_string()));
        *r.status_mut() = status;
        r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
        r
    }
}
