//! The chat service: direct and group conversations, messages and read markers in
//! Postgres, delivered over API Gateway's WebSocket API. Connections live in DynamoDB;
//! frames go out through the management API (`PostToConnection`); members with no open
//! connection get a `chat.message_unread` event for the notification service.

pub mod actions;
pub mod domain;
mod error;
pub mod handlers;
pub mod openapi;
pub mod repo;
pub mod socket;
pub mod wire;

use std::{collections::HashMap, sync::Mutex, time::Duration};

use cs_auth::Tokens;
use cs_aws::Realtime;
use cs_db::{Migration, Pool};
use cs_events::Relay;
use cs_events::{BoxBatch, SqsEvent};
use cs_http::handler;
use cs_platform::{
    Function::{Http, Sqs},
    Functions, Platform, Service,
};
use uuid::Uuid;

pub use error::ChatError;

pub const MIGRATIONS: &[Migration] = &[
    Migration { id: "chat/0001_chat", sql: include_str!("../migrations/0001_chat.sql") },
    Migration { id: "chat/0002_grants", sql: include_str!("../migrations/0002_grants.sql") },
    Migration { id: "chat/0003_delivery", sql: include_str!("../migrations/0003_delivery.sql") },
];

/// API Gateway closes every WebSocket connection after two hours: a connection record
/// outlives that only when `$disconnect` never ran, and its TTL then removes it.
pub const CONNECTION_TTL: Duration = Duration::from_secs(2 * 60 * 60);

/// Connections whose user this instance remembers; past this the memory starts over.
const KNOWN_CONNECTIONS: usize = 10_000;

pub struct App {
    pub db: Pool,
    pub relay: Relay,
    /// Checks the access token of `$connect`.
    pub tokens: Tokens,
    pub realtime: Realtime,
    /// Connection → user. A connection's user never changes, so one registry read per
    /// connection and warm instance is enough.
    known: Mutex<HashMap<String, Uuid>>,
}

impl App {
    pub fn new(db: Pool, relay: Relay, tokens: Tokens, realtime: Realtime) -> Self {
        App { db, relay, tokens, realtime, known: Mutex::default() }
    }

    /// The user of an open connection, or `None` once it is gone.
    pub async fn user_of(&self, connection: &str) -> anyhow::Result<Option<Uuid>> {
        if let Some(user) = self.known().get(connection) {
            return Ok(Some(*user));
        }
        let user = self.realtime.connections.user_of(connection).await?;
        if let Some(user) = user {
            self.remember(connection, user);
        }
        Ok(user)
    }

    fn remember(&self, connection: &str, user: Uuid) {
        let mut known = self.known();
        if known.len() >= KNOWN_CONNECTIONS {
            known.clear();
        }
        known.insert(connection.to_string(), user);
    }

    fn forget(&self, connection: &str) {
        self.known().remove(connection);
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, Uuid>> {
        self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Service for App {
    const CRATE: &'static str = "chat";
    type Config = ();

    fn config_from_env() -> anyhow::Result<()> {
        Ok(())
    }

    /// Needs the WebSocket API's management endpoint (`WEBSOCKET_API_ENDPOINT`:
    /// `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`).
    fn new(platform: &Platform, _: ()) -> anyhow::Result<Self> {
        let db = platform.pool("cs_chat")?;
        let realtime = platform.realtime().ok_or_else(|| anyhow::anyhow!("WEBSOCKET_API_ENDPOINT is not set"))?;
        Ok(App::new(db.clone(), platform.relay(&db), platform.tokens()?, realtime))
    }

    /// The REST endpoints and the WebSocket routes (both are API Gateway requests).
    fn functions() -> Functions<App> {
        vec![
            ("chat-create-conversation", Http(handler!(App, handlers::create_conversation))),
            ("chat-list-conversations", Http(handler!(App, handlers::list_conversations))),
            ("chat-get-conversation", Http(handler!(App, handlers::get_conversation))),
            ("chat-messages", Http(handler!(App, handlers::messages))),
            ("chat-send", Http(handler!(App, handlers::send_message))),
            ("chat-edit-message", Http(handler!(App, handlers::edit_message))),
            ("chat-delete-message", Http(handler!(App, handlers::delete_message))),
            ("chat-read", Http(handler!(App, handlers::read))),
            ("chat-connect", Http(handler!(App, socket::connect))),
            ("chat-disconnect", Http(handler!(App, socket::disconnect))),
            ("chat-default", Http(handler!(App, socket::default))),
            ("chat-send-message", Http(handler!(App, socket::send_message))),
            ("chat-typing", Http(handler!(App, socket::typing))),
            ("chat-mark-read", Http(handler!(App, socket::mark_read))),
            ("chat-deliver", Sqs(deliver)),
        ]
    }
}

/// The `chat-deliver` function: finishes the deliveries that the request which stored the
/// message could not (`chat.message_sent` events the relay or the sweep sent).
pub fn deliver(app: std::sync::Arc<App>, batch: SqsEvent) -> BoxBatch {
    Box::pin(
        async move { cs_events::each_record("chat-deliver", batch, |event| actions::finish_owed(&app, event)).await },
    )
}
