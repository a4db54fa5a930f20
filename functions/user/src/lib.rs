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
use cs_aws::{DynamoRateLimiter, RateLimiter, SqsQueue};
use cs_db::{Migration, Pool};
use cs_events::Relay;
use cs_http::{handler, Handler};

pub use error::UserError;
pub use limits::LoginLimits;

pub const MIGRATIONS: &[Migration] = &[
    Migration { id: "user/0001_users", sql: include_str!("../migrations/0001_users.sql") },
    Migration { id: "user/0002_blocks", sql: include_str!("../migrations/0002_blocks.sql") },
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

impl App {
    /// From the environment: `DATABASE_URL`, the JWT key (see `cs_auth::SigningKey::from_env`),
    /// `RATE_LIMIT_TABLE`, and the `LOGIN_LIMIT_*` settings.
    pub async fn from_env() -> anyhow::Result<Self> {
        let aws = cs_aws::sdk_config().await;
        let table = std::env::var("RATE_LIMIT_TABLE").unwrap_or_else(|_| "connectsphere-rate-limits".into());
        let queue = SqsQueue::new(cs_aws::sqs(&aws), std::env::var("QUEUE_PREFIX").unwrap_or_default());
        let db = cs_db::pool_from_env()?;
        Ok(App {
            relay: Relay::new(db.clone(), Arc::new(queue)),
            db,
            tokens: Tokens::from_env()?,
            limiter: Arc::new(DynamoRateLimiter::new(cs_aws::dynamodb(&aws), table, "")),
            limits: LoginLimits::from_env(),
        })
    }
}

/// Every function of this crate by its manifest name: what the local gateway mounts.
/// Each bin in `src/bin/` runs the same handler on Lambda.
pub fn functions() -> Vec<(&'static str, Handler<App>)> {
    vec![
        ("user-register", handler!(App, handlers::register)),
        ("user-login", handler!(App, handlers::login)),
        ("user-get", handler!(App, handlers::get_user)),
        ("user-update", handler!(App, handlers::update_user)),
        ("user-follow", handler!(App, handlers::follow)),
        ("user-unfollow", handler!(App, handlers::unfollow)),
        ("user-block", handler!(App, handlers::block)),
        ("user-unblock", handler!(App, handlers::unblock)),
        ("user-followers", handler!(App, handlers::followers)),
        ("user-following", handler!(App, handlers::following)),
        ("auth-refresh", handler!(App, handlers::refresh)),
        ("auth-logout", handler!(App, handlers::logout)),
        ("auth-jwks", handler!(App, handlers::jwks)),
    ]
}
