//! A fresh database per test, created from a migrated template so that tests run in
//! parallel (nextest runs each in its own process) without seeing each other's rows.

use anyhow::Context;
use tokio_postgres::NoTls;

use sha2::{Digest, Sha256};

use crate::{migrate, migrate::hex, Migration};

/// Reads `.local/env` (written by `make services`) for variables not already set, so that
/// a bare `cargo test` finds Postgres and the AWS emulator.
pub fn load_local_env() {
    // The key the local gateway signs with, wherever a test runs from.
    if std::env::var_os("JWT_PRIVATE_KEY_FILE").is_none() {
        std::env::set_var("JWT_PRIVATE_KEY_FILE", concat!(env!("CARGO_MANIFEST_DIR"), "/../../.local/jwt-private.pem"));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.local/env");
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let line = line.trim().trim_start_matches("export ");
        if let Some((k, v)) = line.split_once('=') {
            if std::env::var_os(k).is_none() {
                std::env::set_var(k, v.trim_matches('"').trim_matches('\''));
            }
        }
    }
}

/// The server tests use: `DATABASE_URL` (as `make services` writes it to `.local/env`).
pub fn admin_url() -> anyhow::Result<String> {
    load_local_env();
    std::env::var("DATABASE_URL").context("DATABASE_URL is not set: run `make services` and source .local/env")
}

/// Creates a new database from the template for `migrations` (made on first use) and
/// returns its URL.
pub async fn fresh_database(migrations: &[Migration]) -> anyhow::Result<String> {
    let admin = admin_url()?;
    let (client, conn) = tokio_postgres::connect(&admin, NoTls).await.context("connecting to DATABASE_URL")?;
    tokio::spawn(conn);

    let mut fingerprint = Sha256::new();
    for m in migrations {
        fingerprint.update(m.id);
        fingerprint.update(m.checksum());
    }
    let template = format!("cs_template_{}", &hex(&fingerprint.finalize())[..16]);

    client.batch_execute("SELECT pg_advisory_lock(7243002)").await?;
    let made = ensure_template(&client, &admin, &template, migrations).await;
    client.batch_execute("SELECT pg_advisory_unlock(7243002)").await?;
    made?;

    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .await
        .with_context(|| format!("creating {name}"))?;
    Ok(with_database(&admin, &name))
}

async fn ensure_template(
    client: &tokio_postgres::Client,
    admin: &str,
    template: &str,
    migrations: &[Migration],
) -> anyhow::Result<()> {
    let exists = client.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template]).await?.is_some();
    if exists {
        return Ok(());
    }
    client.batch_execute(&format!("CREATE DATABASE {template}")).await?;
    let (mut tpl, conn) = tokio_postgres::connect(&with_database(admin, template), NoTls).await?;
    let task = tokio::spawn(conn);
    let migrated = migrate(&mut tpl, migrations).await;
    drop(tpl);
    let _ = task.await;
    if let Err(err) = migrated {
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {template}")).await.ok();
        return Err(err);
    }
    Ok(())
}

/// `url` with its database name replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Drops the databases earlier test runs left behind.
pub async fn drop_test_databases() -> anyhow::Result<usize> {
    let (client, conn) = tokio_postgres::connect(&admin_url()?, NoTls).await?;
    tokio::spawn(conn);
    let rows = client
        .query("SELECT datname FROM pg_database WHERE datname LIKE 'test\\_%' OR datname LIKE 'cs\\_template\\_%'", &[])
        .await?;
    for row in &rows {
        let name: String = row.get(0);
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(with_database("postgres://u@h:5/a", "b"), "postgres://u@h:5/b");
        assert_eq!(with_database("postgres://u@h:5/a?sslmode=disable", "b"), "postgres://u@h:5/b?sslmode=disable");
        assert_eq!(with_database("postgres://u@h:5", "b"), "postgres://u@h:5/b");
    }
}
