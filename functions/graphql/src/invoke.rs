//! Calls a service's function in process, exactly as the gateway or Lambda would run it:
//! the handler the service's `Service::functions` table names, given an API Gateway
//! payload-2.0 request with the caller's claims where the JWT authorizer would put them.
//! Its answer is the REST answer: JSON on success, a problem+json otherwise, which becomes
//! a GraphQL error with the same `code` (and `field`, `status`) in its extensions.

use std::sync::Arc;

use async_graphql::{Error, ErrorExtensions};
use cs_http::Problem;
use cs_platform::{Function, Service};
use lambda_http::request::LambdaRequest;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use crate::viewer::Viewer;

/// A request to one of the services' functions.
pub struct Call<'a> {
    function: &'static str,
    method: &'static str,
    path: String,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, String)>,
    body: Option<Value>,
    viewer: &'a Viewer,
}

impl<'a> Call<'a> {
    pub fn new(viewer: &'a Viewer, function: &'static str, method: &'static str, path: impl Into<String>) -> Self {
        Call {
            function,
            method,
            path: path.into(),
            path_params: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            viewer,
        }
    }

    pub fn param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.path_params.push((name, value.into()));
        self
    }

    pub fn query(mut self, name: &'static str, value: Option<impl ToString>) -> Self {
        if let Some(v) = value {
            self.query.push((name, v.to_string()));
        }
        self
    }

    /// `?limit=&cursor=` from a connection's `first` and `after`.
    pub fn page(self, first: Option<i32>, after: Option<String>) -> Self {
        self.query("limit", first).query("cursor", after)
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn event(&self) -> Value {
        let query: Map<String, Value> = self.query.iter().map(|(k, v)| ((*k).to_string(), json!(v))).collect();
        let raw_query = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        let mut headers: Map<String, Value> = self.headers.iter().map(|(k, v)| ((*k).to_string(), json!(v))).collect();
        headers.insert("content-type".into(), json!("application/json"));
        let mut event = json!({
            "version": "2.0",
            "routeKey": format!("{} {}", self.method, self.path),
            "rawPath": self.path,
            "rawQueryString": raw_query,
            "headers": headers,
            "requestContext": {
                "accountId": "000000000000",
                "apiId": "graphql",
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": self.viewer.source_ip,
                    "userAgent": "graphql",
                },
                "requestId": self.viewer.request_id,
                "routeKey": format!("{} {}", self.method, self.path),
                "stage": "$default",
                "time": "",
                "timeEpoch": 0,
            },
            "isBase64Encoded": false,
        });
        if let Some(body) = &self.body {
            event["body"] = Value::String(body.to_string());
        }
        if !query.is_empty() {
            event["queryStringParameters"] = Value::Object(query);
        }
        if !self.path_params.is_empty() {
            let params: Map<String, Value> =
                self.path_params.iter().map(|(k, v)| ((*k).to_string(), json!(v))).collect();
            event["pathParameters"] = Value::Object(params);
        }
        if let Some(claims) = self.viewer.claims() {
            event["requestContext"]["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
        }
        event
    }

    /// Runs the function; its JSON answer (`null` for a 204).
    pub async fn send<S: Service>(self, app: &Arc<S>) -> Result<Value, Error> {
        let Some(Function::Http(handler)) = S::function(self.function) else {
            tracing::error!(function = self.function, "no such HTTP function");
            return Err(internal());
        };
        let lambda: LambdaRequest = serde_json::from_value(self.event()).map_err(|e| {
            tracing::error!(error = %e, "could not build the request");
            internal()
        })?;
        let response = handler(Arc::clone(app), lambda.into()).await;
        let status = response.status();
        let body: &[u8] = response.body().as_ref();
        let value: Value =
            if body.is_empty() { Value::Null } else { serde_json::from_slice(body).unwrap_or(Value::Null) };
        if status.is_success() {
            return Ok(value);
        }
        match serde_json::from_value::<ProblemBody>(value) {
            Ok(p) => Err(problem_error(status.as_u16(), &p.code, &p.detail, p.field.as_deref())),
            Err(_) => Err(problem_error(status.as_u16(), "internal", "something went wrong on our side", None)),
        }
    }

    /// Runs the function and reads its JSON answer as `T`.
    pub async fn fetch<S: Service, T: DeserializeOwned>(self, app: &Arc<S>) -> Result<T, Error> {
        let function = self.function;
        let value = self.send(app).await?;
        serde_json::from_value(value).map_err(|e| {
            tracing::error!(function, error = %e, "the function's answer is not of the expected shape");
            internal()
        })
    }
}

#[derive(serde::Deserialize)]
struct ProblemBody {
    code: String,
    detail: String,
    #[serde(default)]
    field: Option<String>,
}

/// A GraphQL error carrying a REST problem's `code`, HTTP `status` and `field`. The fields
/// of a list's `?limit=&cursor=` are the connection's `first` and `after`.
pub fn problem_error(status: u16, code: &str, detail: &str, field: Option<&str>) -> Error {
    let field = field.map(|f| match f {
        "limit" => "first",
        "cursor" => "after",
        other => other,
    });
    Error::new(detail).extend_with(|_, e| {
        e.set("code", code);
        e.set("status", status);
        if let Some(field) = field {
            e.set("field", field);
        }
    })
}

/// A problem a service's error type converts to.
pub fn from_problem(p: &Problem) -> Error {
    problem_error(p.status, &p.code, &p.detail, p.field.as_deref())
}

/// A service error as GraphQL sees it: the problem it is answered with over REST, or (when
/// unexpected) logged in full and answered as `internal`.
pub fn service_error(err: impl Into<cs_http::HttpError>) -> Error {
    match err.into() {
        cs_http::HttpError::Problem(p) => from_problem(&p),
        cs_http::HttpError::Unexpected(e) => {
            tracing::error!(error = ?e, "unexpected error");
            internal()
        }
    }
}

pub fn internal() -> Error {
    problem_error(500, "internal", "something went wrong on our side; quote the request id if you report it", None)
}

pub fn unauthorized() -> Error {
    problem_error(401, "unauthorized", "a valid access token is required", None)
}
