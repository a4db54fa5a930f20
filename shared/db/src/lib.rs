//! Postgres for every service: the connection pool, the migrations runner, and fresh
//! databases for tests.

mod migrate;
mod pool;
pub mod testing;

pub use deadpool_postgres::{GenericClient, Object as Client, Pool, Transaction};
pub use migrate::{migrate, Migration};
pub use pool::{connect, connect_as, unique_violation, DbError, VERIFY_IDLE_AFTER};
pub use tokio_postgres::{types::ToSql, Row};

/// The roles every service's migrations build on (see `migrations/0001_roles.sql`); they
/// run before any service's.
pub const MIGRATIONS: &[Migration] =
    &[Migration { id: "platform/0001_roles", sql: include_str!("../migrations/0001_roles.sql") }];
