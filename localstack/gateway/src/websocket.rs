//! API Gateway's WebSocket API, locally: real WebSocket connections whose `$connect`,
//! `$disconnect` and message events (routed on the manifest's selection expression) go to
//! the functions as AWS sends them, and the `@connections/{id}` management API (POST, GET,
//! DELETE) the functions answer through with the real SDK client. API Gateway's limits
//! apply: 128 KB messages (a bigger one closes the connection with 1009), a 10-minute idle
//! timeout and a 2-hour connection limit.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    body::{to_bytes, Body as AxumBody},
    extract::{
        ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade},
        ConnectInfo, FromRequestParts, Request, State,
    },
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::{DateTime, Utc};
use futures::{SinkExt, StreamExt};
use http::{request::Parts, HeaderValue, Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::{decode, functions::Invoke, metrics::Metrics, response::to_axum};

/// API Gateway's message payload limit.
pub const MAX_MESSAGE: usize = 128 * 1024;
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
pub const HARD_TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);

const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_GOING_AWAY: u16 = 1001;

enum Outgoing {
    Frame(Message),
    Close(u16, &'static str),
}

struct Connection {
    tx: mpsc::UnboundedSender<Outgoing>,
    connected_at: DateTime<Utc>,
    /// When the client last sent anything (server pushes do not count, as in AWS).
    last_active: Mutex<(Instant, DateTime<Utc>)>,
    source_ip: String,
    user_agent: String,
    /// `DELETE @connections/{id}`: the server ends the connection.
    kicked: tokio::sync::Notify,
}

impl Connection {
    fn touch(&self) {
        if let Ok(mut at) = self.last_active.lock() {
            *at = (Instant::now(), Utc::now());
        }
    }

    fn last_active(&self) -> (Instant, DateTime<Utc>) {
        self.last_active.lock().map(|at| *at).unwrap_or_else(|_| (Instant::now(), Utc::now()))
    }
}

pub struct Sockets {
    /// Route key (`$connect`, `$disconnect`, `$default`, an action) → function.
    routes: HashMap<String, Invoke>,
    /// The body field of `$request.body.<field>`.
    selection: Vec<String>,
    connections: Mutex<HashMap<String, Arc<Connection>>>,
    idle_timeout: Duration,
    hard_timeout: Duration,
    metrics: Arc<Metrics>,
}

impl Sockets {
    pub fn new(
        routes: HashMap<String, Invoke>,
        route_selection: &str,
        idle_timeout: Duration,
        hard_timeout: Duration,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let field = route_selection
            .strip_prefix("$request.body.")
            .ok_or_else(|| anyhow::anyhow!("unsupported route selection expression {route_selection}"))?;
        Ok(Sockets {
            routes,
            selection: field.split('.').map(str::to_string).collect(),
            connections: Mutex::default(),
            idle_timeout,
            hard_timeout,
            metrics,
        })
    }

    pub fn open_connections(&self) -> usize {
        self.connections.lock().map(|c| c.len()).unwrap_or(0)
    }

    fn connection(&self, id: &str) -> Option<Arc<Connection>> {
        self.connections.lock().ok()?.get(id).cloned()
    }

    fn register(&self, id: &str, connection: Arc<Connection>) {
        if let Ok(mut c) = self.connections.lock() {
            c.insert(id.to_string(), connection);
            self.metrics.websocket_connections(c.len());
        }
    }

    fn unregister(&self, id: &str) {
        if let Ok(mut c) = self.connections.lock() {
            c.remove(id);
            self.metrics.websocket_connections(c.len());
        }
    }

    /// The route a frame takes: its selection field when a route has that key, else `$default`.
    fn route_of(&self, body: Option<&str>) -> &str {
        let selected = body.and_then(|b| serde_json::from_str::<Value>(b).ok()).and_then(|mut v| {
            for key in &self.selection {
                v = v.get_mut(key)?.take();
            }
            v.as_str().map(str::to_string)
        });
        match selected {
            Some(key) if !key.starts_with('$') => {
                self.routes.get_key_value(key.as_str()).map_or("$default", |(k, _)| k.as_str())
            }
            _ => "$default",
        }
    }

    async fn invoke(&self, route: &str, event: Value) -> Option<lambda_http::Response<lambda_http::Body>> {
        let started = Instant::now();
        let function = self.routes.get(route)?;
        let response = function(event).await;
        self.metrics.request(&format!("WS {route}"), response.status().as_u16(), started.elapsed());
        Some(response)
    }

    /// An upgrade request: `$connect` decides; a non-2xx answer is the handshake's answer.
    async fn connect(self: Arc<Self>, upgrade: WebSocketUpgrade, parts: Parts, peer: SocketAddr) -> Response {
        let id = connection_id();
        let now = Utc::now();
        let user_agent = header(&parts.headers, "user-agent");
        let mut event = self.event("$connect", "CONNECT", &id, now, &peer.ip().to_string(), &user_agent);
        let mut headers = serde_json::Map::new();
        let mut multi: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in &parts.headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            multi.entry(name.to_string()).or_default().push(value.clone());
            headers.insert(name.to_string(), Value::String(value));
        }
        event["headers"] = Value::Object(headers);
        event["multiValueHeaders"] = json!(multi);
        let mut query: HashMap<String, Vec<String>> = HashMap::new();
        for pair in parts.uri.query().unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            query.entry(decode::query(k)).or_default().push(decode::query(v));
        }
        if !query.is_empty() {
            let single: HashMap<&String, &String> =
                query.iter().filter_map(|(k, v)| v.last().map(|last| (k, last))).collect();
            event["queryStringParameters"] = json!(single);
            event["multiValueQueryStringParameters"] = json!(query);
        }
        let Some(answer) = self.invoke("$connect", event).await else {
            return status(StatusCode::INTERNAL_SERVER_ERROR);
        };
        if !answer.status().is_success() {
            return to_axum(answer);
        }
        let mut upgrade = upgrade.max_message_size(MAX_MESSAGE * 2).max_frame_size(MAX_MESSAGE * 2);
        if let Some(protocol) = answer.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()) {
            upgrade = upgrade.protocols([protocol.to_string()]);
        }
        // Registered before the handshake answer leaves, so a push right after it arrives.
        let (tx, rx) = mpsc::unbounded_channel();
        let connection = Arc::new(Connection {
            tx,
            connected_at: now,
            last_active: Mutex::new((Instant::now(), now)),
            source_ip: peer.ip().to_string(),
            user_agent,
            kicked: tokio::sync::Notify::new(),
        });
        self.register(&id, Arc::clone(&connection));
        let (failed, failed_id) = (Arc::clone(&self), id.clone());
        upgrade
            .on_failed_upgrade(move |_| {
                tokio::spawn(async move { failed.closed(&failed_id, 1006, "Upgrade failed").await });
            })
            .on_upgrade(move |socket| self.run(id, socket, connection, rx))
    }

    /// One open connection: frames in go to their route, one at a time; frames out come
    /// from the management API.
    async fn run(
        self: Arc<Self>,
        id: String,
        socket: WebSocket,
        connection: Arc<Connection>,
        mut rx: mpsc::UnboundedReceiver<Outgoing>,
    ) {
        let (mut sink, mut stream) = socket.split();
        let writer = tokio::spawn(async move {
            while let Some(out) = rx.recv().await {
                match out {
                    Outgoing::Frame(frame) => {
                        if sink.send(frame).await.is_err() {
                            break;
                        }
                    }
                    Outgoing::Close(code, reason) => {
                        let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                        break;
                    }
                }
            }
        });
        let hard_deadline = Instant::now() + self.hard_timeout;
        let (code, reason): (u16, String) = loop {
            let deadline = (connection.last_active().0 + self.idle_timeout).min(hard_deadline);
            let frame = tokio::select! {
                frame = stream.next() => frame,
                () = connection.kicked.notified() => break (1000, "Closed by the server".into()),
                () = tokio::time::sleep_until(deadline.into()) => {
                    if Instant::now() < connection.last_active().0 + self.idle_timeout && Instant::now() < hard_deadline {
                        continue;
                    }
                    let why = if Instant::now() >= hard_deadline { "Connection duration limit" } else { "Idle timeout" };
                    let _ = connection.tx.send(Outgoing::Close(CLOSE_GOING_AWAY, "Going away"));
                    break (CLOSE_GOING_AWAY, why.to_string());
                }
            };
            let (body, base64) = match frame {
                None | Some(Err(_)) => break (1006, "Connection closed abnormally".into()),
                Some(Ok(Message::Close(frame))) => {
                    break frame.map_or((1005, String::new()), |f| (f.code, f.reason.to_string()));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                    connection.touch();
                    continue;
                }
                Some(Ok(Message::Text(text))) => (text.to_string(), false),
                Some(Ok(Message::Binary(bytes))) => (STANDARD.encode(&bytes), true),
            };
            connection.touch();
            let size = if base64 { body.len() / 4 * 3 } else { body.len() };
            if size > MAX_MESSAGE {
                let _ = connection.tx.send(Outgoing::Close(CLOSE_TOO_BIG, "Message too big"));
                break (CLOSE_TOO_BIG, "Message too big".into());
            }
            self.message(&id, &connection, body, base64).await;
        };
        drop(connection);
        self.closed(&id, code, &reason).await;
        let _ = writer.await;
    }

    /// Forgets a connection and tells `$disconnect`.
    async fn closed(&self, id: &str, code: u16, reason: &str) {
        let Some(connection) = self.connection(id) else { return };
        self.unregister(id);
        let mut event = self.event(
            "$disconnect",
            "DISCONNECT",
            id,
            connection.connected_at,
            &connection.source_ip,
            &connection.user_agent,
        );
        drop(connection);
        event["requestContext"]["disconnectStatusCode"] = json!(code);
        event["requestContext"]["disconnectReason"] = json!(reason);
        self.invoke("$disconnect", event).await;
    }

    async fn message(&self, id: &str, connection: &Connection, body: String, base64: bool) {
        let route = self.route_of((!base64).then_some(body.as_str())).to_string();
        let mut event =
            self.event(&route, "MESSAGE", id, connection.connected_at, &connection.source_ip, &connection.user_agent);
        event["requestContext"]["messageId"] = json!(short_id());
        event["body"] = Value::String(body);
        event["isBase64Encoded"] = json!(base64);
        let answer = self.invoke(&route, event).await;
        if answer.is_none_or(|a| a.status().is_server_error()) {
            // What API Gateway sends when the integration fails.
            let frame = json!({ "message": "Internal server error", "connectionId": id, "requestId": short_id() });
            let _ = connection.tx.send(Outgoing::Frame(Message::Text(frame.to_string().into())));
        }
    }

    /// A WebSocket event as API Gateway sends it to Lambda.
    fn event(&self, route: &str, kind: &str, id: &str, connected_at: DateTime<Utc>, ip: &str, agent: &str) -> Value {
        event(route, kind, id, connected_at, ip, agent)
    }

    /// `POST|GET|DELETE /@connections/{id}` (with or without a stage prefix).
    async fn manage(&self, method: &Method, id: &str, body: AxumBody) -> Response {
        let Some(connection) = self.connection(id) else {
            return aws_error(StatusCode::GONE, "GoneException", &format!("connection {id} is gone"));
        };
        match *method {
            Method::POST => {
                let Ok(bytes) = to_bytes(body, MAX_MESSAGE + 1).await else {
                    return aws_error(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLargeException", "over 128 KB");
                };
                let frame = match String::from_utf8(bytes.to_vec()) {
                    Ok(text) => Message::Text(text.into()),
                    Err(_) => Message::Binary(bytes),
                };
                if connection.tx.send(Outgoing::Frame(frame)).is_err() {
                    return aws_error(StatusCode::GONE, "GoneException", &format!("connection {id} is gone"));
                }
                status(StatusCode::OK)
            }
            Method::GET => {
                let body = json!({
                    "connectedAt": connection.connected_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "lastActiveAt": connection.last_active().1.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "identity": { "sourceIp": connection.source_ip, "userAgent": connection.user_agent },
                });
                let mut r = Response::new(AxumBody::from(body.to_string()));
                r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
                r
            }
            Method::DELETE => {
                let _ = connection.tx.send(Outgoing::Close(1000, "Closed by the server"));
                connection.kicked.notify_one();
                status(StatusCode::NO_CONTENT)
            }
            _ => status(StatusCode::METHOD_NOT_ALLOWED),
        }
    }
}

/// A WebSocket API event of `kind` (`CONNECT`, `MESSAGE`, `DISCONNECT`) on `route`, as AWS
/// sends it (without headers or body, which the caller adds).
pub(crate) fn event(route: &str, kind: &str, id: &str, connected_at: DateTime<Utc>, ip: &str, agent: &str) -> Value {
    let now = Utc::now();
    json!({
        "requestContext": {
            "routeKey": route,
            "eventType": kind,
            "extendedRequestId": short_id(),
            "requestTime": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "messageDirection": "IN",
            "stage": "local",
            "connectedAt": connected_at.timestamp_millis(),
            "requestTimeEpoch": now.timestamp_millis(),
            "identity": { "sourceIp": ip, "userAgent": agent },
            "requestId": short_id(),
            "domainName": "127.0.0.1",
            "connectionId": id,
            "apiId": "local",
        },
        "isBase64Encoded": false,
    })
}

fn status(code: StatusCode) -> Response {
    let mut r = Response::new(AxumBody::empty());
    *r.status_mut() = code;
    r
}

/// An error as the management API's REST-JSON protocol reports it.
fn aws_error(code: StatusCode, kind: &'static str, message: &str) -> Response {
    let mut r = Response::new(AxumBody::from(json!({ "message": message }).to_string()));
    *r.status_mut() = code;
    r.headers_mut().insert("x-amzn-errortype", HeaderValue::from_static(kind));
    r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    r
}

fn header(headers: &http::HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// Connection ids look like AWS's: 12 random bytes, base64 (`L0SM9cOFvHcCIhw=`-like).
fn connection_id() -> String {
    STANDARD.encode(&uuid::Uuid::new_v4().as_bytes()[..10])
}

fn short_id() -> String {
    STANDARD.encode(&uuid::Uuid::new_v4().as_bytes()[..8])
}

/// The id in a management API path: `/@connections/{id}` or `/{stage}/@connections/{id}`.
fn management_id(path: &str) -> Option<String> {
    let (_, encoded) = path.split_once("/@connections/")?;
    Some(decode::path(encoded))
}

/// Everything on the WebSocket port: upgrades and the management API.
pub async fn entry(
    State(sockets): State<Arc<Sockets>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let (mut parts, body) = req.into_parts();
    if let Some(id) = management_id(parts.uri.path()) {
        return sockets.manage(&parts.method, &id, body).await;
    }
    match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => sockets.connect(upgrade, parts, peer).await,
        Err(rejection) => rejection.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sockets(actions: &[&str]) -> Sockets {
        let noop: Invoke = Arc::new(|_| Box::pin(async { lambda_http::Response::new(lambda_http::Body::Empty) }));
        let routes = actions.iter().map(|a| (a.to_string(), Arc::clone(&noop))).collect();
        Sockets::new(routes, "$request.body.action", IDLE_TIMEOUT, HARD_TIMEOUT, Arc::default()).unwrap()
    }

    #[test]
    fn frames_route_on_their_action_and_fall_back_to_default() {
        let s = sockets(&["$connect", "$default", "sendMessage"]);
        assert_eq!(s.route_of(Some(r#"{"action":"sendMessage","body":"x"}"#)), "sendMessage");
        assert_eq!(s.route_of(Some(r#"{"action":"fly"}"#)), "$default");
        assert_eq!(s.route_of(Some(r#"{"action":"$connect"}"#)), "$default");
        assert_eq!(s.route_of(Some(r#"{"action":7}"#)), "$default");
        assert_eq!(s.route_of(Some("not json")), "$default");
        assert_eq!(s.route_of(None), "$default");
    }

    #[test]
    fn management_paths_with_or_without_a_stage() {
        assert_eq!(management_id("/@connections/abc%3D").as_deref(), Some("abc="));
        assert_eq!(management_id("/prod/@connections/abc").as_deref(), Some("abc"));
        assert_eq!(management_id("/chat"), None);
    }
}
