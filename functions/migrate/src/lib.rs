//! Applies every service's migrations, in the order they must run: what a deploy runs once
//! the database exists (and `local-gateway migrate` locally). Like the gateway and the API
//! document, a composition of every service, and the one function that connects as the
//! database owner rather than a service's role: it creates the tables and grants.

use std::sync::Arc;

use cs_db::Migration;
use cs_events::BoxJob;
use cs_platform::{Function::Scheduled, Functions, Platform, Service};

/// Every service's migrations, in the order they must run.
pub fn migrations() -> Vec<Migration> {
    [
        cs_db::MIGRATIONS,
        cs_events::MIGRATIONS,
        user::MIGRATIONS,
        notify::MIGRATIONS,
        media::MIGRATIONS,
        feed::MIGRATIONS,
        chat::MIGRATIONS,
        market::MIGRATIONS,
        search::MIGRATIONS,
    ]
    .concat()
}

pub struct App {
    database_url: String,
}

impl App {
    /// Applies what is not applied yet; returns the ids it applied.
    pub async fn migrate(&self) -> anyhow::Result<Vec<&'static str>> {
        let (mut client, conn) = tokio_postgres::connect(&self.database_url, tokio_postgres::NoTls).await?;
        let task = tokio::spawn(conn);
        let applied = cs_db::migrate(&mut client, &migrations()).await;
        drop(client);
        let _ = task.await;
        applied
    }
}

impl Service for App {
    const CRATE: &'static str = "migrate";
    type Config = ();

    fn config_from_env() -> anyhow::Result<()> {
        Ok(())
    }

    fn new(platform: &Platform, _: ()) -> anyhow::Result<Self> {
        Ok(App { database_url: platform.settings.database_url.clone() })
    }

    fn functions() -> Functions<App> {
        vec![("db-migrate", Scheduled(run))]
    }
}

/// The `db-migrate` function: the event it is invoked with does not matter.
pub fn run(app: Arc<App>) -> BoxJob {
    Box::pin(async move {
        let applied = app.migrate().await?;
        Ok(serde_json::json!({ "applied": applied, "total": migrations().len() }))
    })
}
