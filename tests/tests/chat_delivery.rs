#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
//! A stored chat message always arrives: when the connection lookup or a push fails, the
//! delivery recorded with the message (its outbox event) is finished by a retry of the same
//! message or by the chat queue's consumer, and nobody is notified twice.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use async_trait::async_trait;
use blackbox::{eventually, Socket, TestApp, TestUser};
use chat::actions;
use cs_aws::{ConnectionRegistry, Push, PushError};
use cs_platform::{Platform, Service, Settings};
use serde_json::{json, Value};
use uuid::Uuid;

/// The real registry, failing its first `failures` lookups.
struct FlakyRegistry {
    inner: Arc<dyn ConnectionRegistry>,
    failures: AtomicUsize,
}

#[async_trait]
impl ConnectionRegistry for FlakyRegistry {
    async fn add(&self, connection_id: &str, user: Uuid, ttl: Duration) -> anyhow::Result<()> {
        self.inner.add(connection_id, user, ttl).await
    }
    async fn remove(&self, user: Uuid, connection_id: &str) -> anyhow::Result<()> {
        self.inner.remove(user, connection_id).await
    }
    async fn user_of(&self, connection_id: &str) -> anyhow::Result<Option<Uuid>> {
        self.inner.user_of(connection_id).await
    }
    async fn of_users(&self, users: &[Uuid]) -> anyhow::Result<Vec<(Uuid, String)>> {
        if self.failures.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            anyhow::bail!("the connections table did not answer");
        }
        self.inner.of_users(users).await
    }
}

/// The real push, failing its first `failures` posts.
struct FlakyPush {
    inner: Arc<dyn Push>,
    failures: AtomicUsize,
}

#[async_trait]
impl Push for FlakyPush {
    async fn post(&self, connection_id: &str, frame: &[u8]) -> Result<(), PushError> {
        if self.failures.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(PushError::Other(anyhow::anyhow!("the management API did not answer")));
        }
        self.inner.post(connection_id, frame).await
    }
}

struct Room {
    app: TestApp,
    alice: TestUser,
    bob: TestUser,
    carol: TestUser,
    conversation: Uuid,
    /// Bob is online; Alice (the sender) and Carol are not.
    bobs: Socket,
}

async fn room() -> Room {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    let res = app
        .post("/conversations", Some(&alice.access), json!({ "memberIds": [bob.id, carol.id], "name": "trio" }))
        .await;
    assert_eq!(res.status(), 201);
    let conversation = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().parse().unwrap();
    let bobs = Socket::connect(&app, &bob.access).await;
    Room { app, alice, bob, carol, conversation, bobs }
}

/// The chat service as the gateway built it, sharing its database, queues and connections;
/// `relay_sqs_endpoint` can point its relay at a closed port.
async fn chat_service(app: &TestApp, relay_sqs_endpoint: Option<&str>) -> chat::App {
    let mut settings = Settings::from_env().unwrap();
    settings.database_url = app.db_url.clone();
    settings.queue_prefix = app.queue_prefix.clone();
    settings.websocket_endpoint = Some(format!("http://{}", app.gateway.ws_addr));
    settings.relay_sqs_endpoint = relay_sqs_endpoint.map(str::to_string);
    <chat::App as Service>::new(&Platform::new(settings).await, ()).unwrap()
}

/// How many `chat.message_unread` events were written for each user.
async fn unread_events(app: &TestApp) -> Vec<String> {
    let rows = app
        .db()
        .await
        .query("SELECT body->'data'->>'recipientId' FROM outbox WHERE event_type = 'chat.message_unread'", &[])
        .await
        .unwrap();
    let mut ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    ids.sort();
    ids
}

async fn message_notifications(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let page: Value = app.get("/notifications?type=message", Some(&user.access)).await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_failed_lookup_is_finished_by_the_retry_and_notifies_once() {
    let mut r = room().await;
    // The first attempt's relay cannot reach SQS either: only the retry, which reaches
    // another instance, can finish the delivery.
    let mut broken = chat_service(&r.app, Some("http://127.0.0.1:9")).await;
    broken.realtime.connections =
        Arc::new(FlakyRegistry { inner: broken.realtime.connections.clone(), failures: AtomicUsize::new(1) });
    let chat = chat_service(&r.app, None).await;
    let me = r.alice.id.parse().unwrap();

    let sent = actions::store(&broken, me, r.conversation, "hello", Some("m1")).await.unwrap();
    actions::deliver(&broken, &sent, None).await;
    assert!(unread_events(&r.app).await.is_empty(), "nothing was delivered yet");

    let retry = actions::store(&chat, me, r.conversation, "hello", Some("m1")).await.unwrap();
    assert!(!retry.created && !retry.delivered);
    actions::deliver(&chat, &retry, None).await;
    let frame = r.bobs.expect("message").await;
    assert_eq!(frame["message"]["id"], sent.message.id.to_string());
    assert_eq!(unread_events(&r.app).await, vec![r.carol.id.clone()]);
    eventually(15, || async { (message_notifications(&r.app, &r.carol).await.len() == 1).then_some(()) }).await;

    // The promise was kept in process: the sweep has nothing of it left to send.
    let owed = r
        .app
        .db()
        .await
        .query_one("SELECT published_at IS NOT NULL FROM outbox WHERE event_id = $1", &[&sent.message.id])
        .await;
    assert!(owed.unwrap().get::<_, bool>(0));
    // A third attempt only acknowledges.
    let again = actions::store(&chat, me, r.conversation, "hello", Some("m1")).await.unwrap();
    assert!(again.delivered);
    actions::deliver(&chat, &again, None).await;
    assert_eq!(unread_events(&r.app).await, vec![r.carol.id.clone()]);
    assert!(message_notifications(&r.app, &r.bob).await.is_empty());
}

#[tokio::test]
async fn a_failed_lookup_is_finished_by_the_chat_queue_consumer() {
    let mut r = room().await;
    let mut chat = chat_service(&r.app, None).await;
    chat.realtime.connections =
        Arc::new(FlakyRegistry { inner: chat.realtime.connections.clone(), failures: AtomicUsize::new(1) });
    let me = r.alice.id.parse().unwrap();

    let sent = actions::store(&chat, me, r.conversation, "are you there?", Some("m2")).await.unwrap();
    actions::deliver(&chat, &sent, None).await;
    // The gateway's chat-deliver function takes the relayed event and finishes it.
    let frame = r.bobs.expect("message").await;
    assert_eq!(frame["message"]["id"], sent.message.id.to_string());
    eventually(15, || async { (message_notifications(&r.app, &r.carol).await.len() == 1).then_some(()) }).await;

    let retry = actions::store(&chat, me, r.conversation, "are you there?", Some("m2")).await.unwrap();
    assert!(!retry.created && retry.delivered);
    actions::deliver(&chat, &retry, None).await;
    assert_eq!(unread_events(&r.app).await, vec![r.carol.id.clone()]);
    r.app.processed("notify", 1).await;
    assert_eq!(message_notifications(&r.app, &r.carol).await.len(), 1);
    assert!(message_notifications(&r.app, &r.bob).await.is_empty());
}

#[tokio::test]
async fn a_failed_push_becomes_a_notification_once() {
    let r = room().await;
    let mut chat = chat_service(&r.app, None).await;
    chat.realtime.push = Arc::new(FlakyPush { inner: chat.realtime.push.clone(), failures: AtomicUsize::new(1) });
    let me = r.alice.id.parse().unwrap();

    let sent = actions::store(&chat, me, r.conversation, "ping", Some("m3")).await.unwrap();
    actions::deliver(&chat, &sent, None).await;
    // Bob's only connection failed: he is told by a notification, as Carol is.
    let mut expected = vec![r.bob.id.clone(), r.carol.id.clone()];
    expected.sort();
    assert_eq!(unread_events(&r.app).await, expected);
    for user in [&r.bob, &r.carol] {
        eventually(15, || async { (message_notifications(&r.app, user).await.len() == 1).then_some(()) }).await;
    }
    let retry = actions::store(&chat, me, r.conversation, "ping", Some("m3")).await.unwrap();
    actions::deliver(&chat, &retry, None).await;
    r.app.processed("notify", 2).await;
    assert_eq!(unread_events(&r.app).await, expected);
    assert_eq!(message_notifications(&r.app, &r.bob).await.len(), 1);
}
