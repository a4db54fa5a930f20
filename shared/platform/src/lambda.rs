use std::{
    convert::Infallible,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use lambda_http::{service_fn, Request};
use lambda_runtime::LambdaEvent;

use crate::{
    meter::{self, Front, Invocation},
    Function, Service,
};

/// A service's Lambda binary: runs the function named by `CS_FUNCTION` (the manifest name,
/// which the CDK app sets on every function; `AWS_LAMBDA_FUNCTION_NAME` when unset, as under
/// `cargo lambda watch`). The service is built once, at cold start. Every invocation writes
/// one EMF line ([`Invocation::emf`]).
pub async fn lambda_main<S: Service>() -> Result<(), lambda_runtime::Error> {
    let started = Instant::now();
    cs_http::init_tracing();
    let name = std::env::var("CS_FUNCTION")
        .or_else(|_| std::env::var("AWS_LAMBDA_FUNCTION_NAME"))
        .map_err(|_| "CS_FUNCTION is not set: it names the manifest function this Lambda runs")?;
    let function = S::function(&name).ok_or_else(|| format!("the {} service has no function {name}", S::CRATE))?;
    if cs_aws::secrets::SECRETS.iter().any(|(arn, _)| std::env::var_os(arn).is_some()) {
        let aws = cs_aws::sdk_config().await;
        // Before anything reads the environment, and before the handler's first request.
        for (name, value) in cs_aws::secrets::resolve(&aws, |k| std::env::var(k).ok()).await? {
            std::env::set_var(name, value);
        }
    }
    let app = Arc::new(S::from_env().await?);
    let meter = Arc::new(Meter::new(&name, started.elapsed()));
    match function {
        Function::Http(handler) => {
            lambda_http::run(service_fn(move |req: Request| {
                let (app, meter) = (Arc::clone(&app), Arc::clone(&meter));
                async move {
                    let at = Instant::now();
                    let response = handler(app, req).await;
                    meter.record(meter::status_class(response.status().as_u16()), at.elapsed());
                    Ok::<_, Infallible>(response)
                }
            }))
            .await
        }
        Function::Sqs(handler) => {
            lambda_runtime::run(service_fn(move |event: LambdaEvent<cs_events::SqsEvent>| {
                let (app, meter) = (Arc::clone(&app), Arc::clone(&meter));
                async move {
                    let at = Instant::now();
                    let response = handler(app, event.payload).await;
                    let class = if response.batch_item_failures.is_empty() { "ok" } else { "partial" };
                    meter.record(class, at.elapsed());
                    Ok::<_, lambda_runtime::Error>(response)
                }
            }))
            .await
        }
        Function::Scheduled(handler) => {
            lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| {
                let (app, meter) = (Arc::clone(&app), Arc::clone(&meter));
                async move {
                    let at = Instant::now();
                    let report = handler(app).await;
                    meter.record(if report.is_ok() { "ok" } else { "error" }, at.elapsed());
                    report.map_err(lambda_runtime::Error::from)
                }
            }))
            .await
        }
    }
}

/// This execution environment's invocations, priced and written as EMF lines on stdout
/// (Lambda ships stdout to CloudWatch Logs, which extracts the metrics: no API call).
struct Meter {
    function: String,
    route: String,
    front: Front,
    memory_mb: u32,
    init: Duration,
    cold: AtomicBool,
    /// Only on Lambda (or the gateway's runtime mode), never in tests of the handlers.
    enabled: bool,
}

impl Meter {
    fn new(function: &str, init: Duration) -> Self {
        let manifest = cs_manifest::Manifest::load().ok();
        let entry = manifest.as_ref().and_then(|m| m.functions.iter().find(|f| f.name == function));
        let (route, front) = entry.map_or_else(|| (function.to_string(), Front::None), |f| meter::route_of(&f.trigger));
        let memory_mb = std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
            .ok()
            .and_then(|m| m.parse().ok())
            .or_else(|| Some(manifest.as_ref()?.memory(entry?)))
            .unwrap_or(128);
        Meter {
            function: function.to_string(),
            route,
            front,
            memory_mb,
            init,
            cold: AtomicBool::new(true),
            enabled: std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some(),
        }
    }

    fn record(&self, status_class: &str, duration: Duration) {
        let cold_start = self.cold.swap(false, Ordering::Relaxed);
        if !self.enabled {
            return;
        }
        let invocation = Invocation {
            function: &self.function,
            route: &self.route,
            status_class,
            cold_start,
            duration,
            init: cold_start.then_some(self.init),
            memory_mb: self.memory_mb,
            front: self.front,
        };
        println!("{}", invocation.emf(chrono_now_ms()));
    }
}

fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
