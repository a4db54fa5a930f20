use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::{error::SqlState, NoTls};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid DATABASE_URL: {0}")]
    BadUrl(#[source] tokio_postgres::Error),
    #[error("building the pool: {0}")]
    Build(String),
}

/// A pool over `url`. Lambda runs one request at a time per instance, so `max_size` is small
/// there; the local gateway serves many at once and asks for more.
pub fn connect(url: &str, max_size: usize) -> Result<Pool, DbError> {
    pool(tokio_postgres::Config::from_str(url).map_err(DbError::BadUrl)?, max_size)
}

/// A pool over `url` whose sessions act as `role` (set at connection start), so that what the
/// role was granted is all its queries can touch.
pub fn connect_as(url: &str, role: &str, max_size: usize) -> Result<Pool, DbError> {
    let mut config = tokio_postgres::Config::from_str(url).map_err(DbError::BadUrl)?;
    let options = format!("{} -c role={role}", config.get_options().unwrap_or_default());
    config.options(options.trim());
    pool(config, max_size)
}

fn pool(config: tokio_postgres::Config, max_size: usize) -> Result<Pool, DbError> {
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager).max_size(max_size).build().map_err(|e| DbError::Build(e.to_string()))
}

/// The name of the unique constraint `err` violated, if that is what happened.
pub fn unique_violation(err: &tokio_postgres::Error) -> Option<&str> {
    let db = err.as_db_error()?;
    (db.code() == &SqlState::UNIQUE_VIOLATION).then(|| db.constraint().unwrap_or(""))
}
