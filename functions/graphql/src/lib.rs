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

use std::sync::Arc;

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

/// The services the schema calls, each built as its own Lambda would build it.
pub struct Services {
    pub user: Arc<user::App>,
    pub feed: Arc<feed::App>,
    pub media: Arc<media::App>,
    pub chat: Arc<chat::App>,
    pub notify: Arc<notify::App>,
    pub market: Arc<market::App>,
    pub search: Arc<search::App>,
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
            user: Arc::new(user::App::new(platform, config.user)?),
            feed: Arc::new(feed::App::new(platform, config.feed)?),
            media: Arc::new(media::App::new(platform, config.media)?),
            chat: Arc::new(<chat::App as Service>::new(platform, ())?),
            notify: Arc::new(<notify::App as Service>::new(platform, ())?),
            market: Arc::new(market::App::new(platform, config.market)?),
            search: Arc::new(search::App::new(platform, config.search)?),
        });
        Ok(App { schema: schema_builder().finish(), services, tokens: platform.tokens()? })
    }

    fn functions() -> Functions<App> {
        vec![("graphql", Http(handler!(App, handler::graphql)))]
    }
}
