//! Every function of the manifest, built in-process with its service's `App`.

use std::{collections::HashMap, sync::Arc};

use cs_events::{BoxBatch, BoxJob, SqsEvent};
use cs_http::BoxResponse;
use cs_manifest::{Manifest, Trigger};
use cs_platform::{Function, Platform, Service};

pub type Invoke = Arc<dyn Fn(lambda_http::Request) -> BoxResponse + Send + Sync>;
pub type Consume = Arc<dyn Fn(SqsEvent) -> BoxBatch + Send + Sync>;
pub type Job = Arc<dyn Fn() -> BoxJob + Send + Sync>;

#[derive(Default)]
pub struct Functions {
    /// Functions invoked with an API Gateway request: HTTP routes and WebSocket routes.
    http: HashMap<String, Invoke>,
    sqs: HashMap<String, Consume>,
    scheduled: HashMap<String, Job>,
}

pub use migrate::migrations;

impl Functions {
    /// Builds service `S` as its Lambda would be built, and mounts every function of it.
    pub fn add<S: Service>(&mut self, platform: &Platform, config: S::Config) -> anyhow::Result<()> {
        let app = Arc::new(S::new(platform, config)?);
        for (name, function) in S::functions() {
            let app = Arc::clone(&app);
            match function {
                Function::Http(handler) => {
                    self.http.insert(name.into(), Arc::new(move |req| handler(Arc::clone(&app), req)));
                }
                Function::Sqs(handler) => {
                    self.sqs.insert(name.into(), Arc::new(move |batch| handler(Arc::clone(&app), batch)));
                }
                Function::Scheduled(handler) => {
                    self.scheduled.insert(name.into(), Arc::new(move || handler(Arc::clone(&app))));
                }
            }
        }
        Ok(())
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

    /// Every function in the manifest must have an in-process handler of its kind.
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
        anyhow::ensure!(missing.is_empty(), "manifest functions with no in-process handler: {missing:?}");
        Ok(())
    }
}
