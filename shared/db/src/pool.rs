use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use deadpool_postgres::{Hook, HookError, Manager, ManagerConfig, Pool, RecyclingMethod};
use rustls::pki_types::{pem::PemObject, CertificateDer};
use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid DATABASE_URL: {0}")]
    BadUrl(#[source] tokio_postgres::Error),
    #[error("building the pool: {0}")]
    Build(String),
    #[error("reading the CA certificates in {0}: {1}")]
    BadRootCert(String, String),
}

/// The TLS that connections use when the URL's `sslmode` asks for it (`prefer`, the default,
/// uses it where the server offers it; `require` refuses a server that does not): the server's
/// certificate must chain to the web PKI roots (RDS Proxy's do) or to a CA in the PEM file
/// `PGSSLROOTCERT` (libpq's variable; the RDS CA bundle for a direct Aurora connection), and
/// name the host.
pub fn tls(extra_roots: Option<&Path>) -> Result<MakeRustlsConnect, DbError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = extra_roots {
        let bad = |e: &dyn std::fmt::Display| DbError::BadRootCert(path.display().to_string(), e.to_string());
        for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad(&e))? {
            roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::Build(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn tls_from_env() -> Result<MakeRustlsConnect, DbError> {
    let roots = std::env::var_os("PGSSLROOTCERT").filter(|p| !p.is_empty());
    tls(roots.as_deref().map(Path::new))
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
    let manager =
        Manager::from_config(config, tls_from_env()?, ManagerConfig { recycling_method: RecyclingMethod::Fast });
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
        let (admin, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        admin.execute("SELECT pg_terminate_backend($1)", &[&pid]).await.unwrap();
        let again = pool.get().await.expect("a live connection");
        let new_pid: i32 = again.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
        assert_ne!(pid, new_pid);
    }

    /// `sslmode=require` against the local cluster (`make services` turns TLS on with a CA of its
    /// own): encrypted when the CA is trusted, refused when only the web roots are.
    #[tokio::test]
    async fn tls_is_verified_against_the_roots_it_is_given() {
        let url = crate::testing::admin_url().expect("DATABASE_URL (make services)");
        let ca = std::env::var("PGSSLROOTCERT").expect("PGSSLROOTCERT (make services)");
        let mut config = tokio_postgres::Config::from_str(&url).unwrap();
        config.ssl_mode(tokio_postgres::config::SslMode::Require);
        let (client, conn) = config.connect(tls(Some(Path::new(&ca))).unwrap()).await.expect("TLS with the local CA");
        tokio::spawn(conn);
        let row = client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.unwrap();
        assert!(row.get::<_, bool>(0));
        let refused = config.connect(tls(None).unwrap()).await.err().expect("an unknown CA is refused");
        assert!(format!("{refused:?}").contains("UnknownIssuer"), "{refused:?}");
    }
}
