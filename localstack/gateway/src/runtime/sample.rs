//! One plausible event per function, for measuring cold starts (`make bench-cold`): an HTTP
//! request with fresh ids in its path, no token and an empty JSON body; a WebSocket event of
//! the route's kind; an empty SQS batch; a scheduled event. What the first invocation then
//! pays is the runtime's and the handler's first steps (parsing, validation, for most reads
//! a first database connection), not a full happy path.

use cs_manifest::{Function, Trigger};
use serde_json::{json, Value};

use crate::{event, routes::Route, websocket};

pub fn event(f: &Function) -> Value {
    match &f.trigger {
        Trigger::Http(route_key) => {
            let (method, path) = route_key.split_once(' ').unwrap_or(("GET", route_key));
            let route = Route::new(&f.name, method, path, f.auth);
            let mut params = Vec::new();
            let concrete: Vec<String> = path
                .split('/')
                .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => {
                        let id = uuid::Uuid::now_v7().to_string();
                        params.push((name.to_string(), id.clone()));
                        id
                    }
                    None => segment.to_string(),
                })
                .collect();
            let concrete = concrete.join("/");
            let mut headers = http::HeaderMap::new();
            headers.insert("content-type", http::HeaderValue::from_static("application/json"));
            headers.insert("user-agent", http::HeaderValue::from_static("bench-cold"));
            let body: &[u8] = if matches!(method, "POST" | "PUT" | "PATCH") { b"{}" } else { b"" };
            let request_id = uuid::Uuid::new_v4().to_string();
            let incoming = event::Incoming {
                method,
                path: &concrete,
                raw_query: "",
                headers: &headers,
                body,
                source_ip: "127.0.0.1".into(),
                request_id: &request_id,
                host: "127.0.0.1",
            };
            event::build(&incoming, &route, &params, None)
        }
        Trigger::Websocket(route) => {
            let kind = match route.as_str() {
                "$connect" => "CONNECT",
                "$disconnect" => "DISCONNECT",
                _ => "MESSAGE",
            };
            let mut e = websocket::event(route, kind, "benchCold=", chrono::Utc::now(), "127.0.0.1", "bench-cold");
            if kind == "MESSAGE" {
                e["body"] = Value::String(json!({ "action": route }).to_string());
            }
            e
        }
        Trigger::Sqs(_) => json!({ "Records": [] }),
        Trigger::Schedule(_) | Trigger::Deploy(_) => {
            super::scheduled_event(&format!("arn:aws:events:us-east-1:000000000000:rule/{}", f.name))
        }
    }
}
