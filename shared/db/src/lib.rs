//! Postgres for every service: the connection pool, the migrations runner, and fresh
//! databases for tests.

mod migrate;
mod pool;
pub mod testing;

pub use deadpool_postgres::{GenericClient, Object as Client, Pool, Transaction};
pub use migrate::{migrate, Migration};
pub use pool::{connect, pool_from_env, unique_violation, DbError};
pub use tokio_postgres::{types::ToSql, Row};
