//! Runtime mode: every function runs as its real Lambda binary, started by the gateway with
//! `AWS_LAMBDA_RUNTIME_API` pointing at a Runtime API the gateway serves, one invocation at
//! a time per process, as on Lambda. HTTP and WebSocket requests go to them as the
//! payload-2.0 and WebSocket events the in-process mode builds, queues as `SqsEvent`
//! batches, schedules as EventBridge events; each invocation is reported as Lambda's REPORT
//! line reports it, and counted in `/metrics`.

mod api;
mod environment;
mod pool;
pub mod sample;

use std::{collections::HashMap, path::PathBuf, sync::Arc, time::Duration};

use base64::{engine::general_purpose::STANDARD, Engine};
use cs_events::{BatchItemFailure, SqsBatchResponse};
use cs_manifest::{Manifest, Trigger};
use cs_platform::Settings;
use serde::Deserialize;
use serde_json::{json, Value};

pub use api::Outcome;
pub use environment::{InvokeError, LogSink, Spec, Usage};
pub use pool::{Pool, Report};

use crate::{functions::Functions, metrics::Metrics, response::internal_error};

/// Where the functions' binaries are, and how long an idle process lives.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// `<dir>/<crate>/bootstrap` (what `cargo lambda build` writes) or `<dir>/<crate>` (a
    /// cargo profile's output directory).
    pub binaries: PathBuf,
    pub idle_timeout: Duration,
}

/// Lambda gives each execution environment of a function this many database connections.
pub const LAMBDA_POOL_SIZE: usize = 2;

impl RuntimeConfig {
    pub fn binary(&self, crate_name: &str) -> PathBuf {
        let bootstrap = self.binaries.join(crate_name).join("bootstrap");
        if bootstrap.is_file() {
            bootstrap
        } else {
            self.binaries.join(crate_name)
        }
    }

    /// The environment a function's process gets: the platform's settings as variables (on
    /// top of the gateway's own environment, which the service-specific settings come
    /// from), and what Lambda sets.
    pub fn env(settings: &Settings, manifest: &Manifest, function: &cs_manifest::Function) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = settings.to_env().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        env.retain(|(k, _)| k != "DATABASE_POOL_SIZE");
        env.extend([
            ("DATABASE_POOL_SIZE".to_string(), LAMBDA_POOL_SIZE.to_string()),
            ("CS_FUNCTION".into(), function.name.clone()),
            ("AWS_LAMBDA_FUNCTION_NAME".into(), function.name.clone()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), manifest.memory(function).to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
            ("AWS_LAMBDA_LOG_GROUP_NAME".into(), format!("/aws/lambda/{}", function.name)),
            ("AWS_LAMBDA_LOG_STREAM_NAME".into(), "local".into()),
            ("AWS_EXECUTION_ENV".into(), "AWS_Lambda_provided.al2023".into()),
        ]);
        env
    }
}

/// Every function of the manifest as a pool of processes of its binary; the pools, for the
/// reaper.
pub fn functions(
    manifest: &Manifest,
    config: &RuntimeConfig,
    settings: &Settings,
    metrics: &Arc<Metrics>,
) -> anyhow::Result<(Functions, Vec<Arc<Pool>>)> {
    let missing: Vec<String> = manifest
        .functions
        .iter()
        .map(|f| config.binary(&f.crate_name))
        .filter(|b| !b.is_file())
        .map(|b| b.display().to_string())
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "runtime mode needs the functions' binaries (make build-lambdas, or make lambdas-dev): missing {missing:?}"
    );
    let mut functions = Functions::new(manifest, Some(Arc::clone(metrics)));
    let mut pools = Vec::new();
    let log_metrics = Arc::clone(metrics);
    let log: LogSink = Arc::new(move |function: &str, line: &str| {
        // An EMF line: a JSON object with CloudWatch metadata (keys in any order).
        if line.starts_with('{') && line.contains(r#""_aws":{"#) {
            log_metrics.emf_line(function);
        }
        println!("{line}");
    });
    for f in &manifest.functions {
        let pool = Arc::new(Pool::new(Spec {
            function: f.name.clone(),
            binary: config.binary(&f.crate_name),
            env: RuntimeConfig::env(settings, manifest, f),
            memory_mb: manifest.memory(f),
            timeout: Duration::from_secs(manifest.timeout(f).into()),
            log: Arc::clone(&log),
        }));
        pools.push(Arc::clone(&pool));
        let meta = functions.meta(&f.name);
        let metrics = Arc::clone(metrics);
        match &f.trigger {
            Trigger::Http(_) | Trigger::Websocket(_) => {
                functions.insert_http(
                    &f.name,
                    Arc::new(move |event: Value| {
                        let (pool, metrics, meta) = (Arc::clone(&pool), Arc::clone(&metrics), meta.clone());
                        Box::pin(async move {
                            let (outcome, report) = pool.invoke(serde_json::to_vec(&event).unwrap_or_default()).await;
                            let response = match outcome {
                                Ok(Outcome::Response(body)) => proxy_response(&body).unwrap_or_else(|err| {
                                    tracing::error!(function = %meta.function, error = %err, "malformed response");
                                    internal_error()
                                }),
                                Ok(Outcome::Error(body)) => {
                                    tracing::error!(function = %meta.function, error = %String::from_utf8_lossy(&body), "function error");
                                    internal_error()
                                }
                                Err(err) => {
                                    tracing::error!(function = %meta.function, error = %err, "invocation failed");
                                    internal_error()
                                }
                            };
                            let class = cs_platform::meter::status_class(response.status().as_u16());
                            meta.record(&metrics, class, &report);
                            response
                        })
                    }),
                );
            }
            Trigger::Sqs(_) => functions.insert_sqs(
                &f.name,
                Arc::new(move |batch: cs_events::SqsEvent| {
                    let (pool, metrics, meta) = (Arc::clone(&pool), Arc::clone(&metrics), meta.clone());
                    Box::pin(async move {
                        let ids: Vec<String> = batch.records.iter().filter_map(|r| r.message_id.clone()).collect();
                        let (outcome, report) = pool.invoke(serde_json::to_vec(&batch).unwrap_or_default()).await;
                        let parsed = match outcome {
                            Ok(Outcome::Response(body)) => serde_json::from_slice::<SqsBatchResponse>(&body).ok(),
                            _ => None,
                        };
                        let (response, class) = match parsed {
                            Some(r) if r.batch_item_failures.is_empty() => (r, "ok"),
                            Some(r) => (r, "partial"),
                            None => (all_failed(ids), "error"),
                        };
                        meta.record(&metrics, class, &report);
                        response
                    })
                }),
            ),
            Trigger::Schedule(_) | Trigger::Deploy(_) => {
                let arn = format!("arn:aws:events:us-east-1:000000000000:rule/{}", f.name);
                functions.insert_scheduled(
                    &f.name,
                    Arc::new(move || {
                        let (pool, metrics, meta, arn) =
                            (Arc::clone(&pool), Arc::clone(&metrics), meta.clone(), arn.clone());
                        Box::pin(async move {
                            let (outcome, report) = pool.invoke(scheduled_event(&arn).to_string().into_bytes()).await;
                            let result = match outcome {
                                Ok(Outcome::Response(body)) => Ok(serde_json::from_slice(&body)?),
                                Ok(Outcome::Error(body)) => Err(anyhow::anyhow!("{}", String::from_utf8_lossy(&body))),
                                Err(err) => Err(anyhow::Error::new(err)),
                            };
                            meta.record(&metrics, if result.is_ok() { "ok" } else { "error" }, &report);
                            result
                        })
                    }),
                );
            }
        }
    }
    Ok((functions, pools))
}

/// Ends processes idle past the timeout, every second, as Lambda retires idle environments.
pub async fn reap(pools: Vec<Arc<Pool>>, idle_timeout: Duration) {
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    loop {
        ticks.tick().await;
        for pool in &pools {
            let ended = pool.reap(idle_timeout);
            if ended > 0 {
                tracing::debug!(function = %pool.spec.function, ended, "idle environments reaped");
            }
        }
    }
}

fn all_failed(ids: Vec<String>) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for id in ids {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        response.batch_item_failures.push(failure);
    }
    response
}

/// An EventBridge scheduled event, as a rule sends it.
pub fn scheduled_event(rule_arn: &str) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": "us-east-1",
        "resources": [rule_arn],
        "detail": {},
    })
}

/// A function's answer (API Gateway's proxy response: payload 2.0, or the WebSocket API's)
/// as the response API Gateway sends.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProxyResponse {
    status_code: u16,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default)]
    multi_value_headers: HashMap<String, Vec<String>>,
    #[serde(default)]
    cookies: Vec<String>,
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: bool,
}

pub fn proxy_response(body: &[u8]) -> anyhow::Result<lambda_http::Response<lambda_http::Body>> {
    let p: ProxyResponse = serde_json::from_slice(body)?;
    let body = match p.body {
        None => lambda_http::Body::Empty,
        Some(b) if p.is_base64_encoded => lambda_http::Body::Binary(STANDARD.decode(b)?),
        Some(b) => lambda_http::Body::Text(b),
    };
    let mut builder = lambda_http::Response::builder().status(p.status_code);
    for (name, values) in &p.multi_value_headers {
        for value in values {
            builder = builder.header(name, value);
        }
    }
    for (name, value) in &p.headers {
        if !p.multi_value_headers.contains_key(name) {
            builder = builder.header(name, value);
        }
    }
    for cookie in &p.cookies {
        builder = builder.header("set-cookie", cookie);
    }
    Ok(builder.body(body)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn payload_two_responses_become_http_responses() {
        let r = proxy_response(
            br#"{"statusCode":201,"headers":{"content-type":"application/json"},"multiValueHeaders":{},"body":"{}","isBase64Encoded":false,"cookies":["a=1","b=2"]}"#,
        )
        .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(r.headers().get_all("set-cookie").iter().count(), 2);
        assert!(matches!(r.body(), lambda_http::Body::Text(t) if t == "{}"));
    }

    #[test]
    fn websocket_responses_carry_multi_value_headers_and_binary_bodies() {
        let r = proxy_response(
            br#"{"statusCode":200,"headers":{},"multiValueHeaders":{"x-a":["1","2"]},"body":"AAE=","isBase64Encoded":true}"#,
        )
        .unwrap();
        assert_eq!(r.headers().get_all("x-a").iter().count(), 2);
        assert!(matches!(r.body(), lambda_http::Body::Binary(b) if b == &[0u8, 1]));
    }
}
