//! Every function of the manifest, built in-process with its service's `App` (or, in
//! runtime mode, as a pool of processes of its binary: `runtime.rs`).

use std::{collections::HashMap, sync::Arc, time::Instant};

use cs_events::{BoxBatch, BoxJob, SqsEvent};
use cs_http::BoxResponse;
use cs_manifest::{Manifest, Trigger};
use cs_platform::{
    meter::{self, Front},
    Function, Invocation, Platform, Service,
};

use crate::{metrics::Metrics, runtime::Report};

/// A function invoked with an API Gateway event (HTTP payload 2.0 or WebSocket), as JSON.
pub type Invoke = Arc<dyn Fn(serde_json::Value) -> BoxResponse + Send + Sync>;
pub type Consume = Arc<dyn Fn(SqsEvent) -> BoxBatch + Send + Sync>;
pub type Job = Arc<dyn Fn() -> BoxJob + Send + Sync>;

#[derive(Default)]
pub struct Functions {
    /// Functions invoked with an API Gateway request: HTTP routes and WebSocket routes.
    http: HashMap<String, Invoke>,
    sqs: HashMap<String, Consume>,
    scheduled: HashMap<String, Job>,
    meta: HashMap<String, Meta>,
    metrics: Option<Arc<Metrics>>,
}

/// What an invocation of a function is priced and labelled by.
#[derive(Clone)]
pub struct Meta {
    pub function: Arc<str>,
    pub route: Arc<str>,
    pub front: Front,
    pub memory_mb: u32,
}

impl Meta {
    fn new(manifest: &Manifest, f: &cs_manifest::Function) -> Self {
        let (route, front) = meter::route_of(&f.trigger);
        Meta { function: f.name.as_str().into(), route: route.into(), front, memory_mb: manifest.memory(f) }
    }

    /// Counts one invocation in the gateway's metrics.
    pub fn record(&self, metrics: &Metrics, status_class: &str, report: &Report) {
        let invocation = Invocation {
            function: &self.function,
            route: &self.route,
            status_class,
            cold_start: report.init.is_some(),
            duration: report.usage.duration,
            init: report.init,
            memory_mb: self.memory_mb,
            front: self.front,
        };
        metrics.invocation(&invocation, report.usage.cpu, report.usage.max_rss_kb);
    }
}

pub use migrate::migrations;

/// The in-process handler's time as a report (no init: the app was built with the gateway).
fn in_process(started: Instant) -> Report {
    Report {
        request_id: String::new(),
        usage: crate::runtime::Usage { duration: started.elapsed(), ..Default::default() },
        init: None,
    }
}

impl Functions {
    /// Functions counted in `metrics` (when given) under the manifest's names and memory.
    pub fn new(manifest: &Manifest, metrics: Option<Arc<Metrics>>) -> Self {
        let meta = manifest.functions.iter().map(|f| (f.name.clone(), Meta::new(manifest, f))).collect();
        Functions { meta, metrics, ..Default::default() }
    }

    pub(crate) fn meta(&self, name: &str) -> Meta {
        self.meta.get(name).cloned().unwrap_or_else(|| Meta {
            function: name.into(),
            route: name.into(),
            front: Front::None,
            memory_mb: 128,
        })
    }

    /// An invocation that failed before its handler ran (a local fault), counted as a 5xx.
    pub(crate) fn record_failure(&self, name: &str, metrics: &Metrics) {
        self.meta(name).record(metrics, "5xx", &in_process(Instant::now()));
    }

    /// Builds service `S` as its Lambda would be built, and mounts every function of it.
    pub fn add<S: Service>(&mut self, platform: &Platform, config: S::Config) -> anyhow::Result<()> {
        let app = Arc::new(S::new(platform, config)?);
        for (name, function) in S::functions() {
            let app = Arc::clone(&app);
            let (meta, metrics) = (self.meta(name), self.metrics.clone());
            match function {
                Function::Http(handler) => self.insert_http(
                    name,
                    Arc::new(move |event| {
                        let (app, meta, metrics) = (Arc::clone(&app), meta.clone(), metrics.clone());
                        Box::pin(async move {
                            let started = Instant::now();
                            let response = match crate::event::into_request(event) {
                                Ok(req) => handler(app, req).await,
                                Err(err) => {
                                    tracing::error!(error = ?err, function = %meta.function, "building the Lambda request");
                                    crate::response::internal_error()
                                }
                            };
                            if let Some(m) = &metrics {
                                meta.record(m, meter::status_class(response.status().as_u16()), &in_process(started));
                            }
                            response
                        })
                    }),
                ),
                Function::Sqs(handler) => self.insert_sqs(
                    name,
                    Arc::new(move |batch| {
                        let (app, meta, metrics) = (Arc::clone(&app), meta.clone(), metrics.clone());
                        Box::pin(async move {
                            let started = Instant::now();
                            let response = handler(app, batch).await;
                            if let Some(m) = &metrics {
                                let class = if response.batch_item_failures.is_empty() { "ok" } else { "partial" };
                                meta.record(m, class, &in_process(started));
                            }
                            response
                        })
                    }),
                ),
                Function::Scheduled(handler) => self.insert_scheduled(
                    name,
                    Arc::new(move || {
                        let (app, meta, metrics) = (Arc::clone(&app), meta.clone(), metrics.clone());
                        Box::pin(async move {
                            let started = Instant::now();
                            let report = handler(app).await;
                            if let Some(m) = &metrics {
                                meta.record(m, if report.is_ok() { "ok" } else { "error" }, &in_process(started));
                            }
                            report
                        })
                    }),
                ),
            }
        }
        Ok(())
    }

    pub(crate) fn insert_http(&mut self, name: &str, invoke: Invoke) {
        self.http.insert(name.into(), invoke);
    }

    pub(crate) fn insert_sqs(&mut self, name: &str, consume: Consume) {
        self.sqs.insert(name.into(), consume);
    }

    pub(crate) fn insert_scheduled(&mut self, name: &str, job: Job) {
        self.scheduled.insert(name.into(), job);
    }

    pub fn http(&self, name: &str) -> Option<&Invoke> {
        self.http.get(name)
    }

    pub fn sqs(&self, name: &str) -> Option<&Consume> {
        self.sqs.get(name)
    }

    pub fn scheduled(&self, name: &str) -> Option<&Job> {
        self.scheduled.get(name)
    }

    /// Every function in the manifest must have a handler of its kind.
    pub fn check_against(&self, manifest: &Manifest) -> anyhow::Result<()> {
        let missing: Vec<&str> = manifest
            .functions
            .iter()
            .filter(|f| match &f.trigger {
                Trigger::Http(_) | Trigger::Websocket(_) => !self.http.contains_key(&f.name),
                Trigger::Sqs(_) => !self.sqs.contains_key(&f.name),
                Trigger::Schedule(_) | Trigger::Deploy(_) => !self.scheduled.contains_key(&f.name),
            })
            .map(|f| f.name.as_str())
            .collect();
        anyhow::ensure!(missing.is_empty(), "manifest functions with no handler: {missing:?}");
        Ok(())
    }
}
