//! The user service: accounts, sessions, profiles and the follow graph.

mod domain;
mod error;
pub mod handlers;
mod limits;
pub mod openapi;
pub mod repo;
pub mod wire;

use std::sync::Arc;

use cs_auth::Tokens;
use cs_aws::RateLimiter;
use cs_db::{Migration, Pool};
use cs_events::Relay;
use cs_http::handler;
use cs_platform::{Function::Http, Functions, Platform, Service};

pub use error::UserError;
pub use limits::LoginLimits;

pub const MIGRATIONS: &[Migration] = &[
    Migration { id: "user/0001_users", sql: include_str!("../migrations/0001_users.sql") },
    Migration { id: "user/0002_blocks", sql: include_str!("../migrations/0002_blocks.sql") },
    Migration { id: "user/0003_read_model", sql: include_str!("../migrations/0003_read_model.sql") },
];

/// What every user-service function needs, built once per cold start.
pub struct App {
    pub db: Pool,
    pub tokens: Tokens,
    pub limiter: Arc<dyn RateLimiter>,
    pub limits: LoginLimits,
    /// Publishes events right after the commit that wrote them.
    pub relay: Relay,
}

/// The user service's own settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub login_limits: LoginLimits,
}

impl Service for App {
    const CRATE: &'static str = "user";
    type Config = Config;

    fn config_from_env() -> anyhow::Result<Config> {
        Ok(Config { login_limits: LoginLimits::from_env() })
    }

    fn new(platform: &Platform, config: Config) -> anyhow::Result<Self> {
        let db = platform.pool("cs_user")?;
        Ok(App {
            relay: platform.relay(&db),
            db,
            tokens: platform.tokens()?,
            limiter: Arc::new(platform.rate_limiter()),
            limits: config.login_limits,
        })
    }

    fn functions() -> Functions<App> {
        vec![
            ("user-register", Http(handler!(App, handlers::register))),
            ("user-login", Http(handler!(App, handlers::login))),
            ("user-get", Http(handler!(App, handlers::get_user))),
            ("user-update", Http(handler!(App, handlers::update_user))),
            ("user-follow", Http(handler!(App, handlers::follow))),
            ("user-unfollow", Http(handler!(App, handlers::unfollow))),
            ("user-block", Http(handler!(App, handlers::block))),
            ("user-unblock", Http(handler!(App, handlers::unblock))),
            ("user-followers", Http(handler!(App, handlers::followers))),
            ("user-following", Http(handler!(App, handlers::following))),
            ("auth-refresh", Http(handler!(App, handlers::refresh))),
            ("auth-logout", Http(handler!(App, handlers::logout))),
            ("auth-jwks", Http(handler!(App, handlers::jwks))),
            ("auth-openid-configuration", Http(handler!(App, handlers::openid_configuration))),
        ]
    }
}
