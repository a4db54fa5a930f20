use std::{str::FromStr, time::Duration};

use deadpool_postgres::{Hook, HookError, Manager, ManagerConfig, Pool, RecyclingMethod};
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

/// A connection unused for longer than this is checked with an empty query (one round trip)
/// before it is handed out. On Lambda the execution environment is frozen between
/// invocations, and meanwhile RDS Proxy's idle timeout, a failover or a NAT can close the
/// connection without the client knowing; a dead one is dropped and a fresh one made, so the
/// handler's statement is sent once, on a live connection (a retry before the statement, never
/// of a write). Busy connections skip the check.
pub const VERIFY_IDLE_AFTER: Duration = Duration::from_secs(30);

fn pool(config: tokio_postgres::Config, max_size: usize) -> Result<Pool, DbError> {
    pool_verifying_after(config, max_size, VERIFY_IDLE_AFTER)
}

fn pool_verifying_after(config: tokio_postgres::Config, max_size: usize, idle: Duration) -> Result<Pool, DbError> {
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(max_size)
        .pre_recycle(Hook::async_fn(move |client, metrics| {
            let stale = metrics.last_used() >= idle;
            Box::pin(async move {
                if stale {
                    if let Err(err) = client.simple_query("").await {
                        tracing::info!(error = %err, "a pooled connection was dead; making a fresh one");
                        return Err(HookError::message("dead connection"));
                    }
                }
                Ok(())
            })
        }))
        .build()
        .map_err(|e| DbError::Build(e.to_string()))
}

/// The name of the unique constraint `err` violated, if that is what happened.
pub fn unique_violation(err: &tokio_postgres::Error) -> Option<&str> {
    let db = err.as_db_error()?;
    (db.code() == &SqlState::UNIQUE_VIOLATION).then(|| db.constraint().unwrap_or(""))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// A connection that died while idle (here: its backend terminated, as a proxy's idle
    /// timeout or a failover ends it) is replaced before anyone uses it. A terminated backend
    /// is also seen by the fast recycle check; what only the empty query catches, a peer that
    /// vanished without closing (a frozen environment's NAT mapping gone), is not reproduced
    /// here.
    #[tokio::test]
    async fn a_connection_that_died_while_idle_is_replaced_before_use() {
        let url = crate::testing::admin_url().expect("DATABASE_URL (make services)");
        let config = tokio_postgres::Config::from_str(&url).unwrap();
        let pool = pool_verifying_after(config, 1, Duration::ZERO).unwrap();
        let first = pool.get().await.unwrap();
        let pid: i32 = first.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
        drop(first);
        let (admin, conn) = tokio_postgres::connect(&url, NoTls).await.unwrap();
        tokio::spawn(conn);
        admin.execute("SELECT pg_terminate_backend($1)", &[&pid]).await.unwrap();
        let again = pool.get().await.expect("a live connection");
        let new_pid: i32 = again.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
        assert_ne!(pid, new_pid);
    }
}
