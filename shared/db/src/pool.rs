use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::{error::SqlState, NoTls};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL is not set")]
    NoUrl,
    #[error("invalid DATABASE_URL: {0}")]
    BadUrl(#[source] tokio_postgres::Error),
    #[error("building the pool: {0}")]
    Build(String),
}

/// A pool over `url`. Lambda runs one request at a time per instance, so `max_size` is small
/// there; the local gateway serves many at once and asks for more.
pub fn connect(url: &str, max_size: usize) -> Result<Pool, DbError> {
    let config = tokio_postgres::Config::from_str(url).map_err(DbError::BadUrl)?;
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager).max_size(max_size).build().map_err(|e| DbError::Build(e.to_string()))
}

/// The pool of `DATABASE_URL`, sized by `DATABASE_POOL_SIZE` (default 2).
pub fn pool_from_env() -> Result<Pool, DbError> {
    let url = std::env::var("DATABASE_URL").map_err(|_| DbError::NoUrl)?;
    let size = std::env::var("DATABASE_POOL_SIZE").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    connect(&url, size)
}

/// The name of the unique constraint `err` violated, if that is what happened.
pub fn unique_violation(err: &tokio_postgres::Error) -> Option<&str> {
    let db = err.as_db_error()?;
    (db.code() == &SqlState::UNIQUE_VIOLATION).then(|| db.constraint().unwrap_or(""))
}
