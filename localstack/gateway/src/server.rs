use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    body::{to_bytes, Body as AxumBody},
    extract::{ConnectInfo, Request, State},
    response::Response,
    Router as AxumRouter,
};
use cs_aws::{DynamoConnections, QueueSpec, SqsQueue};
use cs_http::Problem;
use cs_manifest::{Auth, Manifest, Trigger};
use cs_platform::{Platform, Service, Settings};
use http::{HeaderValue, Method, StatusCode};

use crate::{
    authorizer::Authorizer,
    event,
    functions::Functions,
    metrics::Metrics,
    queues::{self, Deliveries},
    routes::{Match, Router},
    statics,
    websocket::{self, Sockets},
};

/// API Gateway's own payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

/// What the local gateway runs with: the platform's shared settings and each service's own
/// (both read from the environment exactly as a Lambda reads them), and the gateway's own.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub platform: Settings,
    pub user: user::Config,
    pub media: media::Config,
    pub feed: feed::Config,
    pub market: market::Config,
    pub frontend_dir: Option<PathBuf>,
    pub cors_origins: Vec<String>,
    /// Overrides every queue's visibility timeout (tests use seconds, not minutes).
    pub visibility_timeout: Option<u32>,
    /// Poll queues and run schedules (off for tools that only serve HTTP).
    pub background: bool,
    /// Where the WebSocket API listens (port 0: any free port).
    pub websocket_addr: SocketAddr,
    pub websocket_idle_timeout: Duration,
    pub websocket_hard_timeout: Duration,
}

/// The repository root, for default paths under `.local/` and `frontend/`.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl GatewayConfig {
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |k: &str| std::env::var(k).ok();
        let mut platform = Settings::from_env()?;
        // Many requests at once here, where a Lambda serves one.
        platform.pool_size = var("DATABASE_POOL_SIZE").and_then(|v| v.parse().ok()).unwrap_or(16);
        Ok(GatewayConfig {
            platform,
            user: user::App::config_from_env()?,
            media: media::App::config_from_env()?,
            feed: feed::App::config_from_env()?,
            market: market::App::config_from_env()?,
            frontend_dir: Some(var("FRONTEND_DIST").map_or_else(|| repo_root().join("frontend/dist"), PathBuf::from)),
            cors_origins: var("CORS_ORIGINS")
                .unwrap_or_else(|| {
                    "http://localhost:5173,http://127.0.0.1:5173,http://localhost:3000,http://127.0.0.1:3000".into()
                })
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            visibility_timeout: None,
            background: true,
            websocket_addr: SocketAddr::from((
                [127, 0, 0, 1],
                var("WEBSOCKET_PORT").and_then(|p| p.parse().ok()).unwrap_or(Manifest::load()?.websocket.local_port),
            )),
            websocket_idle_timeout: websocket::IDLE_TIMEOUT,
            websocket_hard_timeout: websocket::HARD_TIMEOUT,
        })
    }
}

pub struct Gateway {
    metrics: Arc<Metrics>,
    /// The WebSocket API.
    pub sockets: Arc<Sockets>,
    /// `/<bucket>/` on this origin is the emulator's S3 (see `GatewayConfig::media_public_endpoint`).
    s3_proxy: Option<(String, String, reqwest::Client)>,
    manifest: Manifest,
    router: Router,
    functions: Functions,
    queue: Arc<SqsQueue>,
    authorizer: Authorizer,
    cors_origins: Vec<String>,
    frontend_dir: Option<PathBuf>,
    db: cs_db::Pool,
}

impl Gateway {
    /// Builds every function's app once, provisions the local AWS resources they use, and
    /// reads the JWKS from the jwks function as API Gateway's authorizer would.
    /// `websocket_endpoint` is where the WebSocket API's management API answers.
    pub async fn build(mut config: GatewayConfig, websocket_endpoint: &str) -> anyhow::Result<Self> {
        let manifest = Manifest::load()?;
        config.platform.websocket_endpoint = Some(websocket_endpoint.to_string());
        let platform = Platform::new(config.platform.clone()).await;
        provision(&platform, &manifest, &config).await;

        let mut functions = Functions::default();
        functions.add::<user::App>(&platform, config.user.clone())?;
        functions.add::<media::App>(&platform, config.media.clone())?;
        functions.add::<feed::App>(&platform, config.feed.clone())?;
        functions.add::<chat::App>(&platform, ())?;
        functions.add::<market::App>(&platform, config.market.clone())?;
        functions.add::<notify::App>(&platform, ())?;
        functions.add::<outbox::App>(&platform, ())?;
        functions.add::<api_docs::App>(&platform, ())?;
        let queue = platform.queue();
        let db = platform.pool("cs_services")?;
        let jwks = platform.tokens()?.jwks();
        functions.check_against(&manifest)?;

        let metrics = Arc::new(Metrics::default());
        let websocket_routes = manifest
            .functions
            .iter()
            .filter_map(|f| match &f.trigger {
                Trigger::Websocket(route) => Some((route.clone(), Arc::clone(functions.http(&f.name)?))),
                _ => None,
            })
            .collect();
        let sockets = Arc::new(Sockets::new(
            websocket_routes,
            &manifest.websocket.route_selection,
            config.websocket_idle_timeout,
            config.websocket_hard_timeout,
            Arc::clone(&metrics),
        )?);
        let authorizer = Authorizer::from_jwks(&jwks, &manifest.http.jwt_issuer, &manifest.http.jwt_audience)?;
        let s3_proxy = match (&config.platform.media_public_endpoint, std::env::var("AWS_ENDPOINT_URL")) {
            (Some(_), Ok(upstream)) => {
                Some((format!("/{}/", config.platform.media_bucket), upstream, reqwest::Client::new()))
            }
            _ => None,
        };
        Ok(Gateway {
            s3_proxy,
            metrics,
            sockets,
            router: Router::from_manifest(&manifest),
            manifest,
            functions,
            queue,
            authorizer,
            cors_origins: config.cors_origins,
            frontend_dir: config.frontend_dir.filter(|d| d.join("index.html").is_file()),
            db,
        })
    }

    /// Starts the queue pollers and schedules of the manifest's functions.
    fn background(&self, deliveries: &Arc<Deliveries>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        for f in &self.manifest.functions {
            match &f.trigger {
                Trigger::Sqs(queue_name) => {
                    let (Some(consume), Some(spec)) = (self.functions.sqs(&f.name), self.manifest.queue(queue_name))
                    else {
                        continue;
                    };
                    let batch = i32::try_from(spec.batch_size).unwrap_or(10);
                    tasks.push(tokio::spawn(queues::poll(
                        Arc::clone(&self.queue),
                        queue_name.clone(),
                        batch,
                        Arc::clone(consume),
                        Arc::clone(deliveries),
                        Arc::clone(&self.metrics),
                    )));
                    tasks.push(tokio::spawn(queues::watch_dlq(
                        Arc::clone(&self.queue),
                        queue_name.clone(),
                        Arc::clone(&self.metrics),
                    )));
                }
                Trigger::Schedule(rate) => {
                    let (Some(job), Some(period)) = (self.functions.scheduled(&f.name), queues::parse_rate(rate))
                    else {
                        continue;
                    };
                    tasks.push(tokio::spawn(queues::schedule(f.name.clone(), period, Arc::clone(job))));
                }
                _ => {}
            }
        }
        tasks
    }

    /// Runs a scheduled function now (tests and the `sweep` command).
    pub async fn run_scheduled(&self, name: &str) -> anyhow::Result<serde_json::Value> {
        let job = self.functions.scheduled(name).ok_or_else(|| anyhow::anyhow!("no scheduled function {name}"))?;
        job().await
    }

    async fn handle(&self, req: Request, peer: SocketAddr) -> Response {
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
        if let Some(origin) = origin.filter(|o| self.origin_allowed(o)) {
            headers.insert("access-control-allow-origin", origin);
            headers.insert("vary", HeaderValue::from_static("origin"));
            headers.insert(
                "access-control-expose-headers",
                HeaderValue::from_static(
                    "link, x-request-id, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset",
                ),
            );
        }
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

    fn origin_allowed(&self, origin: &HeaderValue) -> bool {
        let origin = origin.to_str().unwrap_or("");
        self.cors_origins.iter().any(|o| o == "*" || o == origin)
    }

    async fn dispatch(&self, req: Request, peer: SocketAddr, request_id: &str) -> (Response, Option<String>) {
        let method = req.method().clone();
        let path = req.uri().path().to_string();

        if method == Method::OPTIONS && req.headers().contains_key("access-control-request-method") {
            return (self.preflight(&req), Some("OPTIONS (CORS)".into()));
        }
        if path == "/health" {
            return (self.health().await, Some("GET /health".into()));
        }
        if let Some((prefix, upstream, client)) = &self.s3_proxy {
            if path.starts_with(prefix.as_str()) {
                return (proxy(client, upstream, req).await, Some("S3 (emulator)".into()));
            }
        }
        if path == "/metrics" {
            let mut r = Response::new(AxumBody::from(self.metrics.render()));
            r.headers_mut().insert("content-type", HeaderValue::from_static("text/plain; version=0.0.4"));
            return (r, Some("GET /metrics".into()));
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
                        if let Some((bytes, content_type)) = statics::serve(dir, &path).await {
                            let mut r = Response::new(AxumBody::from(bytes));
                            r.headers_mut().insert("content-type", HeaderValue::from_static(content_type));
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
        let event = event::build(&incoming, route, &params, claims.as_ref());
        let Some(function) = self.functions.http(&route.function) else {
            return (to_axum(Problem::internal().into_response(Some(request_id))), route_key);
        };
        let response = match event::into_request(event) {
            Ok(lambda_req) => function(lambda_req).await,
            Err(err) => {
                tracing::error!(error = ?err, "building the Lambda event");
                Problem::internal().into_response(Some(request_id))
            }
        };
        (to_axum(response), route_key)
    }

    fn preflight(&self, req: &Request) -> Response {
        let mut r = Response::new(AxumBody::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        if req.headers().get("origin").is_some_and(|o| self.origin_allowed(o)) {
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

    async fn health(&self) -> Response {
        let db_ok = match tokio::time::timeout(Duration::from_secs(2), self.db.get()).await {
            Ok(Ok(client)) => client.simple_query("SELECT 1").await.is_ok(),
            _ => false,
        };
        let status = if db_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
        let body = serde_json::json!({ "status": if db_ok { "ok" } else { "degraded" }, "database": if db_ok { "ok" } else { "unreachable" } });
        let mut r = Response::new(AxumBody::from(body.to_string()));
        *r.status_mut() = status;
        r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
        r
    }
}

/// Creates the AWS resources the functions use (in AWS the CDK app does): the rate-limit and
/// connections tables, the manifest's queues, and the media bucket notifying its queue. A
/// failure is logged, not fatal: the rest of the platform still serves.
async fn provision(platform: &Platform, manifest: &Manifest, config: &GatewayConfig) {
    if let Err(err) = platform.rate_limiter().ensure_table().await {
        tracing::warn!(error = format!("{err:#}"), "could not create the rate-limit table; logins will not be limited");
    }
    let connections = DynamoConnections::new(cs_aws::dynamodb(&platform.aws), &platform.settings.connections_table);
    if let Err(err) = connections.ensure_table().await {
        tracing::warn!(error = format!("{err:#}"), "could not create the connections table; chat will not work");
    }
    let queue = platform.queue();
    for q in &manifest.queues {
        let spec = QueueSpec {
            name: &q.name,
            visibility_timeout: config.visibility_timeout.unwrap_or(q.visibility_timeout),
            max_receive_count: q.max_receive_count,
        };
        if let Err(err) = queue.ensure(spec).await {
            tracing::warn!(queue = %q.name, error = format!("{err:#}"), "could not create the queue");
        }
    }
    let media_queue = async { queue.arn(&queue.url("media").await?).await };
    match media_queue.await {
        Ok(arn) => {
            let store = platform.media_store();
            if let Err(err) = store.ensure_bucket(&arn, media::UPLOAD_PREFIX, &config.cors_origins).await {
                tracing::warn!(error = format!("{err:#}"), "could not set up the media bucket");
            }
            let files = platform.item_files_store();
            if let Err(err) = files.ensure_bucket(&arn, media::UPLOAD_PREFIX, &config.cors_origins).await {
                tracing::warn!(error = format!("{err:#}"), "could not set up the item-files bucket");
            }
        }
        Err(err) => tracing::warn!(error = format!("{err:#}"), "no media queue; uploads will not be processed"),
    }
}

/// Forwards a (presigned) S3 request to the emulator, as browsers would send it to S3.
async fn proxy(client: &reqwest::Client, upstream: &str, req: Request) -> Response {
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
    for name in [http::header::CONTENT_TYPE, http::header::ETAG, http::header::LAST_MODIFIED] {
        if let Some(v) = headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

pub(crate) fn to_axum(r: lambda_http::Response<lambda_http::Body>) -> Response {
    let (parts, body) = r.into_parts();
    let body = match body {
        lambda_http::Body::Empty => AxumBody::empty(),
        lambda_http::Body::Text(t) => AxumBody::from(t),
        lambda_http::Body::Binary(b) => AxumBody::from(b),
        _ => AxumBody::empty(),
    };
    Response::from_parts(parts, body)
}

async fn entry(State(gw): State<Arc<Gateway>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request) -> Response {
    gw.handle(req, peer).await
}

/// A gateway serving on `listener`'s address until the process ends or the handle drops.
pub struct Running {
    pub addr: SocketAddr,
    /// The WebSocket API's address.
    pub ws_addr: SocketAddr,
    pub gateway: Arc<Gateway>,
    /// How often each SQS message was handed to a consumer.
    pub deliveries: Arc<Deliveries>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

pub async fn spawn(mut config: GatewayConfig, addr: SocketAddr) -> anyhow::Result<Running> {
    let background = config.background;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    if config.platform.media_public_endpoint.is_none() && std::env::var_os("AWS_ENDPOINT_URL").is_some() {
        config.platform.media_public_endpoint = Some(format!("http://{addr}"));
    }
    let ws_listener = tokio::net::TcpListener::bind(config.websocket_addr).await?;
    let ws_addr = ws_listener.local_addr()?;
    let gateway = Arc::new(Gateway::build(config, &format!("http://{ws_addr}")).await?);
    let deliveries = Arc::new(Deliveries::default());
    let mut tasks = if background { gateway.background(&deliveries) } else { Vec::new() };
    let app = AxumRouter::new().fallback(entry).with_state(Arc::clone(&gateway));
    tasks.push(tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await {
            tracing::error!(error = ?err, "gateway stopped");
        }
    }));
    let ws_app = AxumRouter::new().fallback(websocket::entry).with_state(Arc::clone(&gateway.sockets));
    tasks.push(tokio::spawn(async move {
        if let Err(err) = axum::serve(ws_listener, ws_app.into_make_service_with_connect_info::<SocketAddr>()).await {
            tracing::error!(error = ?err, "WebSocket API stopped");
        }
    }));
    Ok(Running { addr, ws_addr, gateway, deliveries, tasks })
}
