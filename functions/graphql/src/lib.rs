//! The GraphQL API (`POST /graphql`): one schema over every service, for the web app. It
//! builds the other services' Apps in process, as the local gateway does, and calls their
//! code: the same handlers as their REST routes (through [`invoke`]), and for posts, their
//! repositories through batched loaders ([`loaders`]), so a page of posts costs a fixed
//! number of queries. Errors carry the REST problem's `code` in `extensions`. Each service's
//! tables are still written only by that service's code, through its own database role.

pub mod handler;
pub mod hits;
pub mod invoke;
pub mod loaders;
pub mod mutation;
pub mod openapi;
pub mod query;
pub mod types;
pub mod viewer;

use std::sync::{Arc, OnceLock};

use async_graphql::{EmptySubscription, Schema};
use cs_auth::Tokens;
use cs_http::handler;
use cs_platform::{Function::Http, Functions, Platform, Service};

pub use async_graphql;

/// Deeper than any screen of the web app needs (a timeline's post's author's followers is 8).
pub const MAX_DEPTH: usize = 12;
/// A page of 100 posts with every field and their first 20 comments is under this.
pub const MAX_COMPLEXITY: usize = 10_000;

pub type ApiSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// The services the schema calls, each built as its own Lambda would build it. Every request
/// loads posts and people, so the feed and user services are built at cold start; the others
/// at the first request that calls them (a timeline builds no marketplace, chat or search).
pub struct Services {
    pub user: Arc<user::App>,
    pub feed: Arc<feed::App>,
    platform: Platform,
    config: Config,
    media: OnceLock<Arc<media::App>>,
    chat: OnceLock<Arc<chat::App>>,
    notify: OnceLock<Arc<notify::App>>,
    market: OnceLock<Arc<market::App>>,
    search: OnceLock<Arc<search::App>>,
}

/// `cell`'s service, built on first use; a service that cannot be built is a 500 of this
/// request (and is tried again by the next).
fn built<S>(cell: &OnceLock<Arc<S>>, build: impl FnOnce() -> anyhow::Result<S>) -> async_graphql::Result<&Arc<S>> {
    cs_platform::get_or_try_init(cell, || build().map(Arc::new)).map_err(|e| {
        tracing::error!(error = format!("{e:#}"), "building a service");
        invoke::internal()
    })
}

impl Services {
    pub fn media(&self) -> async_graphql::Result<&Arc<media::App>> {
        built(&self.media, || media::App::new(&self.platform, self.config.media.clone()))
    }

    pub fn chat(&self) -> async_graphql::Result<&Arc<chat::App>> {
        built(&self.chat, || <chat::App as Service>::new(&self.platform, ()))
    }

    pub fn notify(&self) -> async_graphql::Result<&Arc<notify::App>> {
        built(&self.notify, || <notify::App as Service>::new(&self.platform, ()))
    }

    pub fn market(&self) -> async_graphql::Result<&Arc<market::App>> {
        built(&self.market, || market::App::new(&self.platform, self.config.market.clone()))
    }

    pub fn search(&self) -> async_graphql::Result<&Arc<search::App>> {
        built(&self.search, || search::App::new(&self.platform, self.config.search.clone()))
    }
}

pub struct App {
    pub schema: ApiSchema,
    pub services: Arc<Services>,
    /// Checks the Bearer token (the route's auth is `optional`).
    pub tokens: Tokens,
}

/// The settings of the services it builds.
#[derive(Debug, Clone)]
pub struct Config {
    pub user: user::Config,
    pub feed: feed::Config,
    pub media: media::Config,
    pub market: market::Config,
    pub search: search::Config,
}

/// The schema, without services: what `frontend/schema.graphql` is printed from.
pub fn schema_builder() -> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
}

/// The schema in SDL, as committed in `frontend/schema.graphql`.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

impl Service for App {
    const CRATE: &'static str = "graphql";
    type Config = Config;

    fn config_from_env() -> anyhow::Result<Config> {
        Ok(Config {
            user: user::App::config_from_env()?,
            feed: feed::App::config_from_env()?,
            media: media::App::config_from_env()?,
            market: market::App::config_from_env()?,
            search: search::App::config_from_env()?,
        })
    }

    fn new(platform: &Platform, config: Config) -> anyhow::Result<Self> {
        let services = Arc::new(Services {
            user: Arc::new(user::App::new(platform, config.user.clone())?),
            feed: Arc::new(feed::App::new(platform, config.feed.clone())?),
            platform: platform.clone(),
            config,
            media: OnceLock::new(),
            chat: OnceLock::new(),
            notify: OnceLock::new(),
            market: OnceLock::new(),
            search: OnceLock::new(),
        });
        Ok(App { schema: schema_builder().finish(), services, tokens: platform.tokens()? })
    }

    fn functions() -> Functions<App> {
        vec![("graphql", Http(handler!(App, handler::graphql)))]
    }
}
