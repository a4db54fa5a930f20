//! The notification service: events from the queue become in-app notifications (grouped)
//! and emails (as each user prefers), with one-click unsubscribe.

pub mod consumer;
pub mod domain;
pub mod handlers;
pub mod openapi;
pub mod repo;
pub mod wire;

use std::sync::Arc;

use cs_auth::Tokens;
use cs_aws::Realtime;
use cs_db::{Migration, Pool};
use cs_events::{BoxBatch, BoxJob, SqsEvent};
use cs_http::handler;
use cs_mail::Mailer;
use cs_platform::{
    Function::{Http, Scheduled, Sqs},
    Functions, Platform, Service,
};

pub const MIGRATIONS: &[Migration] = &[
    Migration { id: "notify/0001_notifications", sql: include_str!("../migrations/0001_notifications.sql") },
    Migration { id: "notify/0002_grants", sql: include_str!("../migrations/0002_grants.sql") },
];

pub struct App {
    pub db: Pool,
    pub mailer: Arc<dyn Mailer>,
    /// Signs and checks unsubscribe links.
    pub tokens: Tokens,
    /// Where links in emails point (`PUBLIC_URL`).
    pub public_url: String,
    /// Open WebSocket connections, to show new notifications at once (when configured).
    pub realtime: Option<Realtime>,
}

impl Service for App {
    const CRATE: &'static str = "notify";
    type Config = ();

    fn config_from_env() -> anyhow::Result<()> {
        Ok(())
    }

    fn new(platform: &Platform, _: ()) -> anyhow::Result<Self> {
        Ok(App {
            realtime: platform.realtime(),
            db: platform.pool("cs_notify")?,
            mailer: Arc::new(platform.mailer()?),
            tokens: platform.tokens()?,
            public_url: platform.settings.public_url.clone(),
        })
    }

    fn functions() -> Functions<App> {
        vec![
            ("notify-list", Http(handler!(App, handlers::list))),
            ("notify-unread-count", Http(handler!(App, handlers::unread_count))),
            ("notify-mark-read", Http(handler!(App, handlers::mark_read))),
            ("notify-get-preferences", Http(handler!(App, handlers::get_preferences))),
            ("notify-put-preferences", Http(handler!(App, handlers::put_preferences))),
            ("notify-unsubscribe", Http(handler!(App, handlers::unsubscribe))),
            ("notify-unsubscribe-page", Http(handler!(App, handlers::unsubscribe_page))),
            ("notify-consumer", Sqs(consume)),
            ("notify-email-sweep", Scheduled(email_sweep)),
        ]
    }
}

/// The `notify-consumer` function: a batch from the notifications queue.
pub fn consume(app: Arc<App>, batch: SqsEvent) -> BoxBatch {
    Box::pin(async move { consumer::consume(&app, batch).await })
}

pub fn email_sweep(app: Arc<App>) -> BoxJob {
    Box::pin(async move {
        let sent = consumer::send_emails(&app, None).await?;
        Ok(serde_json::json!({ "sent": sent }))
    })
}
