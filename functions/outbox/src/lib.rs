//! The scheduled sweep of the transactional outbox.

use std::{sync::Arc, time::Duration};

use cs_events::{BoxJob, Relay, ScheduledHandler};

/// Rows younger than this are left to the relay that runs right after their commit.
pub const MIN_AGE: Duration = Duration::from_secs(10);

pub struct App {
    pub relay: Relay,
}

impl App {
    pub async fn from_env() -> anyhow::Result<Self> {
        let aws = cs_aws::sdk_config().await;
        let queue = cs_aws::SqsQueue::new(cs_aws::sqs(&aws), std::env::var("QUEUE_PREFIX").unwrap_or_default());
        Ok(App { relay: Relay::new(cs_db::pool_from_env()?, Arc::new(queue)) })
    }
}

pub fn sweep(app: Arc<App>) -> BoxJob {
    Box::pin(async move {
        let report = app.relay.sweep(MIN_AGE, 1000).await?;
        Ok(serde_json::json!({ "sent": report.sent, "failed": report.failed }))
    })
}

pub fn scheduled() -> Vec<(&'static str, ScheduledHandler<App>)> {
    vec![("outbox-sweep", sweep)]
}
