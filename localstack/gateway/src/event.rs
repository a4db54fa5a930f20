//! The API Gateway HTTP API payload-2.0 event, built as AWS builds it, then read by
//! `lambda_http` exactly as on Lambda.

use std::collections::{BTreeMap, HashMap};

use base64::{engine::general_purpose::STANDARD, Engine};
use lambda_http::request::LambdaRequest;
use serde_json::{json, Map, Value};

use crate::{decode, routes::Route};

pub struct Incoming<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub raw_query: &'a str,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
    pub source_ip: String,
    pub request_id: &'a str,
    pub host: &'a str,
}

pub fn build(
    req: &Incoming<'_>,
    route: &Route,
    params: &[(String, String)],
    claims: Option<&Map<String, Value>>,
) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in req.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(value.split(';').map(|c| c.trim().to_string()));
            continue;
        }
        headers
            .entry(name.as_str().to_string())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
    }

    // API Gateway decodes values and joins repeated keys with commas.
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for pair in req.raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode::query(k), decode::query(v));
        query
            .entry(k)
            .and_modify(|e| {
                e.push(',');
                e.push_str(&v);
            })
            .or_insert(v);
    }

    let (body, is_base64) = match std::str::from_utf8(req.body) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (STANDARD.encode(req.body), true),
    };
    let now = chrono::Utc::now();
    let path_params: HashMap<&str, &str> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let mut event = json!({
        "version": "2.0",
        "routeKey": route.route_key(),
        "rawPath": req.path,
        "rawQueryString": req.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": req.host,
            "domainPrefix": req.host.split('.').next().unwrap_or("local"),
            "http": {
                "method": req.method,
                "path": req.path,
                "protocol": "HTTP/1.1",
                "sourceIp": req.source_ip,
                "userAgent": req.headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            "requestId": req.request_id,
            "routeKey": route.route_key(),
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": is_base64,
    });
    if !req.body.is_empty() {
        event["body"] = Value::String(body);
    }
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = json!(query);
    }
    if !path_params.is_empty() {
        event["pathParameters"] = json!(path_params);
    }
    if let Some(claims) = claims {
        // API Gateway hands claims to the function as strings.
        let claims: Map<String, Value> = claims
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.as_str().map_or_else(|| v.to_string(), str::to_string))))
            .collect();
        event["requestContext"]["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
    }
    event
}

/// The event as the function sees it, through the same conversion the Lambda runtime uses.
pub fn into_request(event: Value) -> anyhow::Result<lambda_http::Request> {
    let lambda: LambdaRequest = serde_json::from_value(event)?;
    Ok(lambda.into())
}
