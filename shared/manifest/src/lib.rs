//! `functions/manifest.toml`: the single list of functions, their triggers and settings.

use serde::Deserialize;

/// The manifest as committed, compiled in so that every binary agrees with it: as JSON,
/// which `build.rs` writes from the TOML (a tenth of the parse time at a cold start).
const MANIFEST_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/manifest.json"));

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub defaults: Defaults,
    pub http: HttpApi,
    pub websocket: WebSocketApi,
    #[serde(rename = "function")]
    pub functions: Vec<Function>,
    #[serde(rename = "queue", default)]
    pub queues: Vec<Queue>,
}

/// An SQS queue, with its dead-letter queue `<name>-dlq`.
#[derive(Debug, Clone, Deserialize)]
pub struct Queue {
    pub name: String,
    pub visibility_timeout: u32,
    pub max_receive_count: u32,
    pub batch_size: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Defaults {
    pub memory: u32,
    pub timeout: u32,
    pub architecture: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpApi {
    pub local_port: u16,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub jwks_path: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebSocketApi {
    pub route_selection: String,
    pub local_port: u16,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Function {
    pub name: String,
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub trigger: Trigger,
    pub auth: Auth,
    pub memory: Option<u32>,
    pub timeout: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// `"METHOD /path/{param}"`
    Http(String),
    Websocket(String),
    Sqs(String),
    Schedule(String),
    /// Invoked once by each deploy (`"migrations"`: after the database exists).
    Deploy(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    Jwt,
    Optional,
    None,
}

impl Function {
    /// `(METHOD, /path)` of an HTTP function.
    pub fn http_route(&self) -> Option<(&str, &str)> {
        match &self.trigger {
            Trigger::Http(route) => route.split_once(' '),
            _ => None,
        }
    }
}

impl Manifest {
    pub fn load() -> anyhow::Result<Self> {
        Ok(serde_json::from_str(MANIFEST_JSON)?)
    }

    pub fn queue(&self, name: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.name == name)
    }

    pub fn memory(&self, f: &Function) -> u32 {
        f.memory.unwrap_or(self.defaults.memory)
    }

    pub fn timeout(&self, f: &Function) -> u32 {
        f.timeout.unwrap_or(self.defaults.timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_committed_manifest_is_valid() {
        let m = Manifest::load().unwrap();
        let mut names = HashSet::new();
        let mut routes = HashSet::new();
        let mut socket_routes = HashSet::new();
        for f in &m.functions {
            assert!(names.insert(&f.name), "duplicate function {}", f.name);
            if let Trigger::Http(route) = &f.trigger {
                let (method, path) = f.http_route().unwrap_or_else(|| panic!("{}: bad route {route}", f.name));
                assert!(["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method), "{}", f.name);
                assert!(path.starts_with('/'), "{}", f.name);
                assert!(routes.insert(route.clone()), "duplicate route {route}");
            }
            if let Trigger::Websocket(route) = &f.trigger {
                assert!(socket_routes.insert(route.clone()), "two functions for WebSocket route {route}");
            }
            assert!(m.memory(f) >= 128 && m.timeout(f) >= 1);
            if let Trigger::Sqs(queue) = &f.trigger {
                let q = m.queue(queue).unwrap_or_else(|| panic!("{}: no [[queue]] named {queue}", f.name));
                assert!(
                    m.timeout(f) < q.visibility_timeout,
                    "{}: timeout must be below the visibility timeout",
                    f.name
                );
            }
        }
        for required in ["$connect", "$disconnect", "$default"] {
            assert!(socket_routes.contains(required), "no function for WebSocket route {required}");
        }
    }
}
