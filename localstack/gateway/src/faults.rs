//! Local-only fault injection, for trying alerts: while a function is listed here, its HTTP
//! route answers API Gateway's 500 without running it, counted as a 5xx invocation (what a
//! crashing Lambda looks like in the metrics). `PUT /__local/faults/{function}` lists one,
//! `DELETE` unlists it, `GET /__local/faults` shows the list; `CS_FAULTS=a,b` lists some at
//! start. Nothing like it exists in AWS: these paths are the local gateway's alone.

use std::{collections::BTreeSet, sync::Mutex};

use cs_http::Problem;
use http::{Method, StatusCode};

pub const PREFIX: &str = "/__local/faults";

#[derive(Default)]
pub struct Faults {
    failing: Mutex<BTreeSet<String>>,
}

impl Faults {
    pub fn from_env(known: &dyn Fn(&str) -> bool) -> Self {
        let names = std::env::var("CS_FAULTS").unwrap_or_default();
        let failing = names.split(',').map(str::trim).filter(|n| !n.is_empty() && known(n)).map(String::from).collect();
        Faults { failing: Mutex::new(failing) }
    }

    pub fn is_failing(&self, function: &str) -> bool {
        self.failing.lock().map(|f| f.contains(function)).unwrap_or(false)
    }

    /// `rest` is the path after [`PREFIX`]; `known` says whether a function exists.
    pub fn handle(
        &self,
        method: &Method,
        rest: &str,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<(StatusCode, String), Problem> {
        let Ok(mut failing) = self.failing.lock() else {
            return Err(Problem::internal());
        };
        let list = |f: &BTreeSet<String>| serde_json::json!({ "failing": f }).to_string();
        match (method, rest.strip_prefix('/')) {
            (&Method::GET, None | Some("")) => Ok((StatusCode::OK, list(&failing))),
            (&Method::PUT | &Method::DELETE, Some(name)) if !name.is_empty() && !name.contains('/') => {
                if !known(name) {
                    return Err(Problem::not_found(
                        "function_not_found",
                        format!("no function named {name} in the manifest"),
                    )
                    .field("function"));
                }
                if method == Method::PUT {
                    failing.insert(name.to_string());
                } else {
                    failing.remove(name);
                }
                Ok((StatusCode::OK, list(&failing)))
            }
            _ => Err(Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{method} {PREFIX}{rest}: use GET {PREFIX}, PUT or DELETE {PREFIX}/{{function}}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_unlists_known_functions_only() {
        let known = |n: &str| n == "user-get";
        let f = Faults::default();
        assert_eq!(f.handle(&Method::PUT, "/user-get", &known).map(|r| r.0).ok(), Some(StatusCode::OK));
        assert!(f.is_failing("user-get"));
        assert!(f.handle(&Method::PUT, "/nope", &known).is_err());
        assert!(!f.is_failing("nope"));
        let (_, body) = f.handle(&Method::GET, "", &known).unwrap();
        assert_eq!(body, r#"{"failing":["user-get"]}"#);
        f.handle(&Method::DELETE, "/user-get", &known).unwrap();
        assert!(!f.is_failing("user-get"));
        assert!(f.handle(&Method::POST, "/user-get", &known).is_err());
    }
}
