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
use cs_events::{BoxBatch, BoxJob, ScheduledHandler, SqsEvent, SqsHandler};
use cs_http::{handler, Handler};
use cs_mail::{Mailer, SmtpMailer};

pub const MIGRATIONS: &[Migration] =
    &[Migration { id: "notify/0001_notifications", sql: include_str!("../migrations/0001_notifications.sql") }];

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

impl App {
    pub async fn from_env() -> anyhow::Result<Self> {
        let aws = cs_aws::sdk_config().await;
        Ok(App {
            realtime: Realtime::from_env(&aws),
            db: cs_db::pool_from_env()?,
            mailer: Arc::new(SmtpMailer::from_env()?),
            tokens: Tokens::from_env()?,
            public_url: std::env::var("PUBLIC_URL").unwrap_or_else(|_| "http://127.0.0.1:3000".into()),
        })
    }
}

pub fn functions() -> Vec<(&'static str, Handler<App>)> {
    vec![
        ("notify-list", handler!(App, handlers::list)),
        ("notify-unread-count", handler!(App, handlers::unread_count)),
        ("notify-mark-read", handler!(App, handlers::mark_read)),
        ("notify-get-preferences", handler!(App, handlers::get_preferences)),
        ("notify-put-preferences", handler!(App, handlers::put_preferences)),
        ("notify-unsubscribe", handler!(App, handlers::unsubscribe)),
        ("notify-unsubscribe-page", handler!(App, handlers::unsubscribe_page)),
    ]
}

/// The `notify-consumer` function: a batch from the notifications queue.
pub fn consume(app: Arc<App>, batch: SqsEvent) -> BoxBatch {
    Box::pin(async move { consumer::consume(&app, batch).await })
}

pub fn consumers() -> Vec<(&'static str, SqsHandler<App>)> {
    vec![("notify-consumer", consume)]
}

pub fn email_sweep(app: Arc<App>) -> BoxJob {
    Box::pin(async move {
        let sent = consumer::send_emails(&app, None).await?;
        Ok(serde_json::json!({ "sent": sent }))
    })
}

pub fn scheduled() -> Vec<(&'static str, ScheduledHandler<App>)> {
    vec![("notify-email-sweep", email_sweep)]
}
