#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

//! The harness black-box tests share: a gateway on a free port over a fresh database,
//! driven with a real HTTP client.

use std::net::SocketAddr;

use local_gateway::{migrations, spawn, GatewayConfig, Running};
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};

pub struct TestApp {
    pub url: String,
    pub db_url: String,
    pub http: Client,
    /// Prefixed to this app's queue names.
    pub queue_prefix: String,
    pub gateway: Running,
}

#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub email: String,
    pub password: String,
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A gateway over a fresh database; `tune` adjusts its configuration first.
    pub async fn spawn_with(tune: impl FnOnce(&mut GatewayConfig)) -> Self {
        cs_db::testing::load_local_env();
        // The gateway's logs show up beside a failing test's output.
        cs_http::init_tracing();
        let db_url = cs_db::testing::fresh_database(&migrations()).await.expect("fresh database");
        let mut config = GatewayConfig::from_env().expect("gateway config");
        config.platform.database_url = db_url.clone();
        config.platform.pool_size = 8;
        config.platform.rate_limit_prefix = format!("{}:", uuid::Uuid::new_v4());
        config.platform.queue_prefix = format!("t{}-", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        config.platform.media_bucket = format!("{}media", config.platform.queue_prefix);
        config.platform.item_files_bucket = format!("{}items", config.platform.queue_prefix);
        config.frontend_dir = None;
        config.websocket_addr = "127.0.0.1:0".parse().expect("addr");
        // The payment provider posts this gateway's events to its webhook, so the port is
        // chosen before the gateway starts.
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        config.market.webhook_url = Some(format!("http://127.0.0.1:{port}/payments/webhook"));
        tune(&mut config);
        let queue_prefix = config.platform.queue_prefix.clone();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let gateway = spawn(config, addr).await.expect("gateway");
        TestApp { url: gateway.url(), db_url, http: Client::new(), queue_prefix, gateway }
    }

    /// A gateway in runtime mode: every function runs as its Lambda binary (the dev
    /// profile's, which `make test` builds first), in processes of its own.
    pub async fn spawn_runtime(tune: impl FnOnce(&mut GatewayConfig)) -> Self {
        let binaries = lambda_binaries();
        Self::spawn_with(move |config| {
            config.runtime = Some(local_gateway::runtime::RuntimeConfig {
                binaries,
                idle_timeout: std::time::Duration::from_secs(60),
            });
            tune(config);
        })
        .await
    }

    /// This app's queues, through the real SDK client.
    pub async fn queues(&self) -> cs_aws::SqsQueue {
        let aws = cs_aws::sdk_config().await;
        cs_aws::SqsQueue::new(cs_aws::sqs(&aws), &self.queue_prefix)
    }

    pub async fn db(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.db_url, tokio_postgres::NoTls).await.expect("db");
        tokio::spawn(conn);
        client
    }

    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Response {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.request(Method::PUT, path, token, Some(body)).await
    }

    /// Registers a user with a unique name derived from `prefix`.
    pub async fn register(&self, prefix: &str) -> TestUser {
        let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let username = format!("{prefix}_{suffix}");
        let email = format!("{username}@example.com");
        let password = "correct horse battery".to_string();
        let res = self
            .post("/users/register", None, json!({ "username": username, "email": email, "password": password }))
            .await;
        assert_eq!(res.status(), 201, "register {username}");
        let body: Value = res.json().await.expect("json");
        TestUser {
            id: body["user"]["id"].as_str().expect("id").to_string(),
            username,
            email,
            password,
            access: body["accessToken"].as_str().expect("accessToken").to_string(),
            refresh: body["refreshToken"].as_str().expect("refreshToken").to_string(),
        }
    }

    /// Waits until `consumer` has applied at least `n` events (its processed-event keys,
    /// which commit with each event's effect): the positive signal to wait for before
    /// asserting that an event changed nothing more.
    pub async fn processed(&self, consumer: &str, n: i64) {
        let db = self.db().await;
        eventually(15, || async {
            let row = db
                .query_one("SELECT count(*) FROM processed_events WHERE consumer = $1", &[&consumer])
                .await
                .expect("processed events");
            (row.get::<_, i64>(0) >= n).then_some(())
        })
        .await
    }

    pub async fn follow(&self, who: &TestUser, whom: &TestUser) -> Response {
        self.post("/users/follow", Some(&who.access), json!({ "followerId": who.id, "followingId": whom.id })).await
    }

    pub async fn user(&self, id: &str) -> Value {
        let res = self.get(&format!("/users/{id}"), None).await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("json")
    }
}

/// Where the functions' binaries are: `LAMBDA_BINARIES` when set (e.g. release builds in
/// `target/lambda`), else the dev profile's, which `make test` builds first (`make
/// lambdas-dev`). Not built from here: cargo run inside a test sees the test's environment,
/// which build scripts watch, and would rebuild the world each time.
pub fn lambda_binaries() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("LAMBDA_BINARIES") {
        return dir.into();
    }
    let dir = local_gateway::target_dir().join("debug");
    let manifest = cs_manifest::Manifest::load().expect("manifest");
    let missing: Vec<&str> =
        manifest.functions.iter().map(|f| f.crate_name.as_str()).filter(|c| !dir.join(c).is_file()).collect();
    assert!(missing.is_empty(), "no dev binaries of {missing:?} in {}: run `make lambdas-dev`", dir.display());
    dir
}

/// Asserts a problem+json response with this status, code and (if given) field.
pub async fn assert_problem(res: Response, status: u16, code: &str, field: Option<&str>) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(ct, "application/problem+json");
    let body: Value = res.json().await.expect("problem body");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    if let Some(f) = field {
        assert_eq!(body["field"], f, "{body}");
    }
    assert!(body["requestId"].is_string(), "{body}");
    body
}

/// Polls `check` until it returns `Some`, for at most `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "condition not met within {secs}s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The messages the local SMTP server stored for `to` (raw RFC 5322 text).
pub fn mails_to(to: &str) -> Vec<String> {
    let dir = std::env::var("MAILDIR").expect("MAILDIR (make services starts the SMTP server)");
    let mut found = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(std::path::Path::new(&dir).join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let (headers, _) = text.split_once("\n\n").unwrap_or((&text, ""));
            if headers
                .lines()
                .any(|l| l.to_lowercase().starts_with("to:") && l.to_lowercase().contains(&to.to_lowercase()))
            {
                found.push(text);
            }
        }
    }
    found
}

/// A header's value in a raw message (unfolded).
pub fn header(mail: &str, name: &str) -> Option<String> {
    let (headers, _) = mail.split_once("\n\n")?;
    let unfolded = headers.replace("\n ", " ").replace("\n\t", " ");
    unfolded
        .lines()
        .find(|l| l.to_lowercase().starts_with(&format!("{}:", name.to_lowercase())))
        .map(|l| l[name.len() + 1..].trim().to_string())
}

/// A WebSocket client of the local WebSocket API.
pub struct Socket {
    stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

/// How long a test waits for a frame it expects.
const FRAME_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Socket {
    /// Connects with the access token in the `token` query parameter.
    pub async fn connect(app: &TestApp, token: &str) -> Socket {
        Self::try_connect(&format!("{}/?token={token}", app.gateway.ws_url()), None).await.expect("ws connect").0
    }

    /// Connects to `url`, offering `protocols`; the handshake's error (401, …) on refusal.
    pub async fn try_connect(
        url: &str,
        protocols: Option<&str>,
    ) -> Result<(Socket, Option<String>), tokio_tungstenite::tungstenite::Error> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = url.into_client_request()?;
        if let Some(p) = protocols {
            request.headers_mut().insert("sec-websocket-protocol", p.parse().expect("protocol header"));
        }
        let (stream, response) = tokio_tungstenite::connect_async(request).await?;
        let protocol =
            response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()).map(str::to_string);
        Ok((Socket { stream }, protocol))
    }

    pub async fn send(&mut self, frame: Value) {
        self.send_text(frame.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        use futures::SinkExt;
        self.stream.send(tokio_tungstenite::tungstenite::Message::Text(text.into())).await.expect("ws send");
    }

    /// The next message the server sends, or what ended the connection.
    pub async fn next(&mut self) -> Result<Value, Option<u16>> {
        use futures::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        loop {
            match tokio::time::timeout(FRAME_WAIT, self.stream.next()).await {
                Err(_) => panic!("no frame within {FRAME_WAIT:?}"),
                Ok(Some(Ok(Message::Text(t)))) => return Ok(serde_json::from_str(&t).expect("frame is JSON")),
                Ok(Some(Ok(Message::Close(frame)))) => return Err(frame.map(|f| u16::from(f.code))),
                Ok(None | Some(Err(_))) => return Err(None),
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// The next frame, which must be of `kind` (`message`, `typing`, `read`, `error`, …).
    /// Notification frames come whenever the queue consumer gets to them, so they are
    /// passed over unless they are what is expected.
    pub async fn expect(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next().await.unwrap_or_else(|close| panic!("closed ({close:?}) waiting for {kind}"));
            if frame["type"] == "notification" && kind != "notification" {
                continue;
            }
            assert_eq!(frame["type"], kind, "{frame}");
            return frame;
        }
    }

    /// Asserts nothing arrives for a while.
    pub async fn expect_silence(&mut self, wait: std::time::Duration) {
        use futures::StreamExt;
        if let Ok(frame) = tokio::time::timeout(wait, self.stream.next()).await {
            panic!("expected silence, got {frame:?}");
        }
    }

    /// A WebSocket ping (control frame), as clients send to keep a connection alive.
    pub async fn ping(&mut self) {
        use futures::SinkExt;
        self.stream.send(tokio_tungstenite::tungstenite::Message::Ping(Vec::new().into())).await.expect("ws ping");
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// The connections table the gateway uses, through the real SDK client.
pub async fn connections() -> cs_aws::DynamoConnections {
    let aws = cs_aws::sdk_config().await;
    let table = std::env::var("CONNECTIONS_TABLE").unwrap_or_else(|_| cs_aws::DEFAULT_CONNECTIONS_TABLE.into());
    cs_aws::DynamoConnections::new(cs_aws::dynamodb(&aws), table)
}

/// A small valid PDF, for item files.
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// An `item_file` upload of `who`'s, uploaded and checked (ready).
pub async fn item_file(app: &TestApp, who: &TestUser) -> String {
    let res = app
        .post(
            "/media/uploads",
            Some(&who.access),
            json!({ "contentType": "application/pdf", "size": PDF.len(), "purpose": "item_file" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let ticket: Value = res.json().await.unwrap();
    let url = ticket["uploadUrl"].as_str().unwrap();
    assert!(url.starts_with(&app.url), "the browser uploads through the gateway's origin: {url}");
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, url)
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.headers()["access-control-allow-origin"], "http://localhost:5173");
    let put = app.http.put(url).header("content-type", "application/pdf").body(PDF.to_vec()).send().await.unwrap();
    assert!(put.status().is_success(), "PUT {}", put.status());
    let id = ticket["mediaId"].as_str().unwrap().to_string();
    let m: Value = eventually(20, || async {
        let m: Value = app.get(&format!("/media/{id}"), Some(&who.access)).await.json().await.unwrap();
        (m["status"] != "pending").then_some(m)
    })
    .await;
    assert_eq!(m["status"], "ready", "{m}");
    id
}

/// An item of `seller`s (a ready item_file, a title, a price), with `extra` fields.
pub async fn create_item(app: &TestApp, seller: &TestUser, extra: Value) -> Value {
    let file = item_file(app, seller).await;
    let mut body = json!({
        "title": "Film presets, vol. 1",
        "description": "Twelve presets.",
        "price": { "amount": "12.50", "currency": "EUR" },
        "fileMediaId": file,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let res = app.post("/items", Some(&seller.access), body).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// What a benchmark cell measured: latencies in milliseconds, and how many per second.
#[derive(Debug, Clone, Copy)]
pub struct Latencies {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    pub rate: f64,
    pub n: usize,
}

impl Latencies {
    /// From samples in milliseconds, taken over `elapsed`.
    pub fn from_ms(mut ms: Vec<f64>, elapsed: std::time::Duration) -> Self {
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() as f64 * q) as usize).min(ms.len() - 1)];
        Latencies {
            p50: at(0.5),
            p99: at(0.99),
            max: at(1.0),
            rate: ms.len() as f64 / elapsed.as_secs_f64(),
            n: ms.len(),
        }
    }

    pub fn from_durations(samples: &[std::time::Duration], elapsed: std::time::Duration) -> Self {
        Self::from_ms(samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect(), elapsed)
    }
}

/// The provider's `payment.succeeded` for `order` (as `GET /orders/{id}` shows it), signed with
/// `secret` as the provider signs it, posted to the gateway's webhook.
pub async fn post_payment_succeeded(app: &TestApp, secret: &str, order: &Value) -> Response {
    let body = json!({
        "id": format!("evt_test_{}", uuid::Uuid::new_v4().simple()),
        "type": "payment.succeeded",
        "created": chrono::Utc::now().timestamp(),
        "data": { "paymentId": order["payment"]["id"], "orderId": order["id"], "amount": order["amount"] },
    })
    .to_string();
    let header = market::signature::header(&[secret], chrono::Utc::now().timestamp(), body.as_bytes());
    app.http
        .post(format!("{}/payments/webhook", app.url))
        .header("payment-signature", header)
        .body(body)
        .send()
        .await
        .unwrap()
}
