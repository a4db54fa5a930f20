//! The gateway: every function of the manifest built in-process, the routes, the
//! authorizer, and the queue pollers and schedules.

use std::{collections::HashMap, path::PathBuf, sync::Arc, time::Duration};

use cs_aws::{QueueSpec, SqsQueue};
use cs_manifest::{Manifest, Trigger};
use cs_platform::Platform;

use crate::{
    authorizer::Authorizer,
    config::GatewayConfig,
    cors::Cors,
    faults::Faults,
    functions::Functions,
    metrics::{FunctionStats, Metrics},
    queues::{self, Deliveries},
    routes::Router,
    runtime::{self, Pool},
    s3_proxy::S3Proxy,
    websocket::Sockets,
};

pub struct Gateway {
    pub(crate) metrics: Arc<Metrics>,
    /// The WebSocket API.
    pub sockets: Arc<Sockets>,
    /// The emulator's S3 on this origin, for presigned browser requests.
    pub(crate) s3_proxy: Option<S3Proxy>,
    manifest: Manifest,
    pub(crate) router: Router,
    pub(crate) functions: Functions,
    queue: Arc<SqsQueue>,
    pub(crate) authorizer: Authorizer,
    pub(crate) cors: Cors,
    pub(crate) frontend_dir: Option<PathBuf>,
    pub(crate) db: cs_db::Pool,
    /// Each function's timeout: past it the invocation is abandoned, as Lambda ends it.
    pub(crate) timeouts: HashMap<String, Duration>,
    /// Runtime mode: each function's processes, and how long an idle one lives.
    pub(crate) pools: Vec<Arc<Pool>>,
    pub(crate) idle_timeout: Duration,
    queue_pollers: usize,
    /// Functions made to fail on purpose (local only: `faults.rs`).
    pub(crate) faults: Faults,
}

impl Gateway {
    /// Builds every function's app once, provisions the local AWS resources they use, and
    /// reads the JWKS from the jwks function as API Gateway's authorizer would.
    /// `websocket_endpoint` is where the WebSocket API's management API answers.
    pub async fn build(mut config: GatewayConfig, websocket_endpoint: &str) -> anyhow::Result<Self> {
        let manifest = Manifest::load()?;
        config.platform.websocket_endpoint = Some(websocket_endpoint.to_string());
        let platform = Platform::new(config.platform.clone()).await;
        provision(&platform, &manifest, &config).await;

        let metrics = Arc::new(Metrics::default());
        let (functions, pools) = match &config.runtime {
            Some(runtime) => runtime::functions(&manifest, runtime, &config.platform, &metrics)?,
            None => {
                let mut functions = Functions::new(&manifest, Some(Arc::clone(&metrics)));
                functions.add::<user::App>(&platform, config.user.clone())?;
                functions.add::<media::App>(&platform, config.media.clone())?;
                functions.add::<feed::App>(&platform, config.feed.clone())?;
                functions.add::<chat::App>(&platform, ())?;
                functions.add::<market::App>(&platform, config.market.clone())?;
                functions.add::<search::App>(&platform, config.search.clone())?;
                let graphql = graphql::Config {
                    user: config.user.clone(),
                    feed: config.feed.clone(),
                    media: config.media.clone(),
                    market: config.market.clone(),
                    search: config.search.clone(),
                };
                functions.add::<graphql::App>(&platform, graphql)?;
                functions.add::<notify::App>(&platform, ())?;
                functions.add::<outbox::App>(&platform, ())?;
                functions.add::<api_docs::App>(&platform, ())?;
                functions.add::<migrate::App>(&platform, ())?;
                (functions, Vec::new())
            }
        };
        let queue = platform.queue();
        let db = platform.pool("cs_services")?;
        let jwks = platform.tokens()?.jwks();
        functions.check_against(&manifest)?;

        let websocket_routes = manifest
            .functions
            .iter()
            .filter_map(|f| match &f.trigger {
                Trigger::Websocket(route) => Some((route.clone(), Arc::clone(functions.http(&f.name)?))),
                _ => None,
            })
            .collect();
        let sockets = Arc::new(Sockets::new(
            websocket_routes,
            &manifest.websocket.route_selection,
            config.websocket_idle_timeout,
            config.websocket_hard_timeout,
            Arc::clone(&metrics),
        )?);
        let authorizer = Authorizer::from_jwks(&jwks, &manifest.http.jwt_issuer, &manifest.http.jwt_audience)?;
        let s3_proxy = match (&config.platform.media_public_endpoint, std::env::var("AWS_ENDPOINT_URL")) {
            (Some(_), Ok(upstream)) => {
                Some(S3Proxy::new(&[&config.platform.media_bucket, &config.platform.item_files_bucket], upstream))
            }
            _ => None,
        };
        let timeouts = manifest
            .functions
            .iter()
            .map(|f| {
                let limit = Duration::from_secs(manifest.timeout(f).into());
                (f.name.clone(), config.function_timeout.unwrap_or(limit))
            })
            .collect();
        let faults = Faults::from_env(&|name| manifest.functions.iter().any(|f| f.name == name));
        Ok(Gateway {
            faults,
            pools,
            idle_timeout: config.runtime.as_ref().map_or(Duration::MAX, |r| r.idle_timeout),
            queue_pollers: config.queue_pollers,
            timeouts,
            s3_proxy,
            metrics,
            sockets,
            router: Router::from_manifest(&manifest),
            manifest,
            functions,
            queue,
            authorizer,
            cors: Cors::new(config.cors_origins),
            frontend_dir: config.frontend_dir,
            db,
        })
    }

    /// Starts the queue pollers and schedules of the manifest's functions.
    pub(crate) fn background(&self, deliveries: &Arc<Deliveries>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        for f in &self.manifest.functions {
            match &f.trigger {
                Trigger::Sqs(queue_name) => {
                    let (Some(consume), Some(spec)) = (self.functions.sqs(&f.name), self.manifest.queue(queue_name))
                    else {
                        continue;
                    };
                    let batch = i32::try_from(spec.batch_size).unwrap_or(10);
                    tasks.push(tokio::spawn(queues::poll(
                        Arc::clone(&self.queue),
                        queue_name.clone(),
                        batch,
                        Arc::clone(consume),
                        Arc::clone(deliveries),
                        Arc::clone(&self.metrics),
                        self.queue_pollers,
                    )));
                    tasks.push(tokio::spawn(queues::watch_dlq(
                        Arc::clone(&self.queue),
                        queue_name.clone(),
                        Arc::clone(&self.metrics),
                    )));
                }
                Trigger::Schedule(rate) => {
                    let (Some(job), Some(period)) = (self.functions.scheduled(&f.name), queues::parse_rate(rate))
                    else {
                        continue;
                    };
                    tasks.push(tokio::spawn(queues::schedule(f.name.clone(), period, Arc::clone(job))));
                }
                _ => {}
            }
        }
        if !self.pools.is_empty() {
            tasks.push(tokio::spawn(runtime::reap(self.pools.clone(), self.idle_timeout)));
        }
        tasks
    }

    /// Each function's invocations so far (what `/metrics` shows), for `make cost`.
    pub fn function_stats(&self) -> std::collections::BTreeMap<String, FunctionStats> {
        self.metrics.functions()
    }

    pub(crate) fn has_function(&self, name: &str) -> bool {
        self.manifest.functions.iter().any(|f| f.name == name)
    }

    /// Runtime mode: how many idle processes each function has.
    pub fn idle_environments(&self) -> HashMap<String, usize> {
        self.pools.iter().map(|p| (p.spec.function.clone(), p.idle())).collect()
    }

    /// Runs a scheduled function now (tests and the `sweep` command).
    pub async fn run_scheduled(&self, name: &str) -> anyhow::Result<serde_json::Value> {
        let job = self.functions.scheduled(name).ok_or_else(|| anyhow::anyhow!("no scheduled function {name}"))?;
        job().await
    }
}

/// Creates the AWS resources the functions use (in AWS the CDK app does): the rate-limit and
/// connections tables, the manifest's queues, and the media bucket notifying its queue. A
/// failure is logged, not fatal: the rest of the platform still serves.
async fn provision(platform: &Platform, manifest: &Manifest, config: &GatewayConfig) {
    if let Err(err) = platform.rate_limiter().ensure_table().await {
        tracing::warn!(error = format!("{err:#}"), "could not create the rate-limit table; logins will not be limited");
    }
    if let Err(err) = platform.connections().ensure_table().await {
        tracing::warn!(error = format!("{err:#}"), "could not create the connections table; chat will not work");
    }
    let queue = platform.queue();
    for q in &manifest.queues {
        let spec = QueueSpec {
            name: &q.name,
            visibility_timeout: config.visibility_timeout.unwrap_or(q.visibility_timeout),
            max_receive_count: q.max_receive_count,
        };
        if let Err(err) = queue.ensure(spec).await {
            tracing::warn!(queue = %q.name, error = format!("{err:#}"), "could not create the queue");
        }
    }
    let media_queue = async { queue.arn(&queue.url("media").await?).await };
    match media_queue.await {
        Ok(arn) => {
            let store = platform.media_store();
            if let Err(err) = store.ensure_bucket(&arn, media::UPLOAD_PREFIX, &config.cors_origins).await {
                tracing::warn!(error = format!("{err:#}"), "could not set up the media bucket");
            }
            let files = platform.item_files_store();
            if let Err(err) = files.ensure_bucket(&arn, media::UPLOAD_PREFIX, &config.cors_origins).await {
                tracing::warn!(error = format!("{err:#}"), "could not set up the item-files bucket");
            }
        }
        Err(err) => tracing::warn!(error = format!("{err:#}"), "no media queue; uploads will not be processed"),
    }
}
