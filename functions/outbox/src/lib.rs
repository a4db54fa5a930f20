//! The scheduled sweep of the transactional outbox.

use std::{sync::Arc, time::Duration};

use cs_events::{BoxJob, Relay};
use cs_platform::{Function::Scheduled, Functions, Platform, Service};

/// Rows younger than this are left to the relay that runs right after their commit.
pub const MIN_AGE: Duration = Duration::from_secs(10);

pub struct App {
    pub relay: Relay,
}

impl Service for App {
    const CRATE: &'static str = "outbox";
    type Config = ();

    fn config_from_env() -> anyhow::Result<()> {
        Ok(())
    }

    fn new(platform: &Platform, _: ()) -> anyhow::Result<Self> {
        Ok(App { relay: platform.relay(&platform.pool("cs_outbox")?) })
    }

    fn functions() -> Functions<App> {
        vec![("outbox-sweep", Scheduled(sweep))]
    }
}

pub fn sweep(app: Arc<App>) -> BoxJob {
    Box::pin(async move {
        let report = app.relay.sweep(MIN_AGE, 1000).await?;
        Ok(serde_json::json!({ "sent": report.sent, "failed": report.failed }))
    })
}
