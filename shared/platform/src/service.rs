use cs_events::{ScheduledHandler, SqsHandler};
use cs_http::Handler;

use crate::Platform;

/// One function of a service, by the kind of event it takes.
pub enum Function<A> {
    /// An API Gateway request: an HTTP route or a WebSocket route.
    Http(Handler<A>),
    Sqs(SqsHandler<A>),
    Scheduled(ScheduledHandler<A>),
}

/// A service's functions by manifest name.
pub type Functions<A> = Vec<(&'static str, Function<A>)>;

/// A service: what a Lambda binary of it and the local gateway both build.
pub trait Service: Sized + Send + Sync + 'static {
    /// The crate's name in the manifest (`crate = "…"`), which is also its binary's name.
    const CRATE: &'static str;
    /// Settings of this service alone.
    type Config: Clone + Send;

    fn config_from_env() -> anyhow::Result<Self::Config>;

    fn new(platform: &Platform, config: Self::Config) -> anyhow::Result<Self>;

    fn functions() -> Functions<Self>;

    /// What a Lambda of this service runs at cold start.
    fn from_env() -> impl std::future::Future<Output = anyhow::Result<Self>> + Send {
        async { Self::new(&Platform::from_env().await?, Self::config_from_env()?) }
    }

    fn function(name: &str) -> Option<Function<Self>> {
        Self::functions().into_iter().find(|(n, _)| *n == name).map(|(_, f)| f)
    }
}

impl<A> Function<A> {
    pub fn kind(&self) -> &'static str {
        match self {
            Function::Http(_) => "http",
            Function::Sqs(_) => "sqs",
            Function::Scheduled(_) => "schedule",
        }
    }
}
