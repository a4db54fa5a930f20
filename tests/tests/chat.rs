#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Chat through the local WebSocket API with a real WebSocket client: conversations over
//! REST, messages and receipts as frames, connections in the emulator's DynamoDB, and
//! offline members notified through the outbox and SQS.

use std::time::Duration;

use blackbox::{assert_problem, connections, eventually, Socket, TestApp, TestUser};
use cs_aws::ConnectionRegistry;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(300);

async fn conversation(app: &TestApp, me: &TestUser, others: &[&TestUser], name: Option<&str>) -> (u16, Value) {
    let ids: Vec<&str> = others.iter().map(|u| u.id.as_str()).collect();
    let mut body = json!({ "memberIds": ids });
    if let Some(n) = name {
        body["name"] = json!(n);
    }
    let res = app.post("/conversations", Some(&me.access), body).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn direct(app: &TestApp, me: &TestUser, other: &TestUser) -> String {
    let (status, body) = conversation(app, me, &[other], None).await;
    assert!(status == 201 || status == 200, "{status} {body}");
    body["id"].as_str().unwrap().to_string()
}

async fn list(app: &TestApp, user: &TestUser) -> Value {
    let res = app.get("/conversations", Some(&user.access)).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn unread_in(app: &TestApp, user: &TestUser, conversation: &str) -> i64 {
    let res = app.get(&format!("/conversations/{conversation}"), Some(&user.access)).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["unreadCount"].as_i64().unwrap()
}

async fn history(app: &TestApp, user: &TestUser, conversation: &str, query: &str) -> Value {
    let res = app.get(&format!("/conversations/{conversation}/messages{query}"), Some(&user.access)).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn send(conversation: &str, body: &str, client_id: &str) -> Value {
    json!({ "action": "sendMessage", "conversationId": conversation, "body": body, "clientId": client_id })
}

/// Waits until the registry has no live connection for the user.
async fn no_connections(user: &TestUser) {
    let registry = connections().await;
    let id = Uuid::parse_str(&user.id).unwrap();
    eventually(10, || async { registry.of_user(id).await.unwrap().is_empty().then_some(()) }).await;
}

#[tokio::test]
async fn connecting_needs_a_valid_access_token() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let url = app.gateway.ws_url();
    for bad in [format!("{url}/"), format!("{url}/?token=nonsense"), format!("{url}/?token={}", alice.refresh)] {
        match Socket::try_connect(&bad, None).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 401, "{bad}"),
            other => panic!("{bad}: expected a 401 handshake, got {:?}", other.map(|(_, p)| p)),
        }
    }
    // Browsers cannot send headers: the token may come as a subprotocol, and the answer
    // names the other protocol offered.
    let (socket, protocol) =
        Socket::try_connect(&format!("{url}/"), Some(&format!("connectsphere, {}", alice.access))).await.unwrap();
    assert_eq!(protocol.as_deref(), Some("connectsphere"));
    let registry = connections().await;
    assert_eq!(registry.of_user(Uuid::parse_str(&alice.id).unwrap()).await.unwrap().len(), 1);
    socket.close().await;
    no_connections(&alice).await;
}

#[tokio::test]
async fn two_users_chat_and_every_device_receives() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let (status, created) = conversation(&app, &alice, &[&bob], None).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["kind"], "direct");
    assert!(created["name"].is_null() && created["lastMessage"].is_null());
    assert_eq!(created["members"].as_array().unwrap().len(), 2);
    let id = created["id"].as_str().unwrap();
    // The pair's direct conversation is one, whoever asks.
    let (status, again) = conversation(&app, &bob, &[&alice], None).await;
    assert_eq!((status, again["id"].as_str()), (200, Some(id)));

    let mut phone = Socket::connect(&app, &alice.access).await;
    let mut laptop = Socket::connect(&app, &alice.access).await;
    let mut bobs = Socket::connect(&app, &bob.access).await;

    phone.send(send(id, "  hi bob  ", "c-1")).await;
    for socket in [&mut bobs, &mut laptop, &mut phone] {
        let frame = socket.expect("message").await;
        let m = &frame["message"];
        assert_eq!((m["body"].as_str(), m["clientId"].as_str()), (Some("hi bob"), Some("c-1")), "{frame}");
        assert_eq!((m["conversationId"].as_str(), m["senderId"].as_str()), (Some(id), Some(alice.id.as_str())));
        assert!(m["editedAt"].is_null() && m["deleted"] == false && m["createdAt"].is_string());
    }

    // A retry with the same client id is the same message: acknowledged, not sent twice.
    phone.send(send(id, "hi bob", "c-1")).await;
    let ack = phone.expect("message").await;
    assert_eq!(ack["message"]["clientId"], "c-1");
    bobs.expect_silence(QUIET).await;
    assert_eq!(history(&app, &bob, id, "").await["items"].as_array().unwrap().len(), 1);

    // Typing reaches the others only.
    bobs.send(json!({ "action": "typing", "conversationId": id })).await;
    for socket in [&mut phone, &mut laptop] {
        let frame = socket.expect("typing").await;
        assert_eq!((frame["conversationId"].as_str(), frame["userId"].as_str()), (Some(id), Some(bob.id.as_str())));
    }
    bobs.expect_silence(QUIET).await;

    bobs.send(send(id, "hello alice", "b-1")).await;
    assert_eq!(laptop.expect("message").await["message"]["body"], "hello alice");
    let page = list(&app, &alice).await;
    let first = &page["items"][0];
    assert_eq!((first["id"].as_str(), first["lastMessage"]["body"].as_str()), (Some(id), Some("hello alice")));
}

#[tokio::test]
async fn an_offline_member_gets_a_notification() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    let (status, group) = conversation(&app, &alice, &[&bob, &carol], Some("Weekend")).await;
    assert_eq!(status, 201);
    assert_eq!((group["kind"].as_str(), group["name"].as_str()), (Some("group"), Some("Weekend")));
    let id = group["id"].as_str().unwrap();
    let mut alices = Socket::connect(&app, &alice.access).await;
    let mut bobs = Socket::connect(&app, &bob.access).await;

    alices.send(send(id, "who is in?", "x")).await;
    bobs.expect("message").await;
    alices.expect("message").await;
    let page = eventually(15, || async {
        let res = app.get("/notifications", Some(&carol.access)).await;
        let page: Value = res.json().await.unwrap();
        (!page["items"].as_array().unwrap().is_empty()).then_some(page)
    })
    .await;
    let n = &page["items"][0];
    assert_eq!(n["type"], "message", "{n}");
    // Bob was online: he got the frame, not a notification. Carol's event was written with
    // every other offline member's, and it is the only one.
    let unread = app.db().await.query("SELECT body FROM outbox WHERE event_type = 'chat.message_unread'", &[]).await;
    assert_eq!(unread.unwrap().len(), 1);
    let res = app.get("/notifications", Some(&bob.access)).await;
    assert!(res.json::<Value>().await.unwrap()["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn gone_connections_are_forgotten_and_delivery_goes_on() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let id = direct(&app, &alice, &bob).await;
    let registry = connections().await;
    let bob_id = Uuid::parse_str(&bob.id).unwrap();
    // A connection whose $disconnect never ran (a gateway restart): posting to it is a 410.
    let stale = format!("stale-{}", Uuid::new_v4());
    registry.add(&stale, bob_id, Duration::from_secs(600)).await.unwrap();
    let mut bobs = Socket::connect(&app, &bob.access).await;
    let mut alices = Socket::connect(&app, &alice.access).await;

    alices.send(send(&id, "still there?", "1")).await;
    assert_eq!(bobs.expect("message").await["message"]["body"], "still there?");
    // Forgetting it runs beside the delivery to the live connection.
    eventually(5, || async { registry.user_of(&stale).await.unwrap().is_none().then_some(()) }).await;
    assert_eq!(registry.of_user(bob_id).await.unwrap().len(), 1);

    // A socket that dies without a goodbye is cleaned up by $disconnect.
    drop(bobs);
    no_connections(&bob).await;
    alices.expect("message").await;
    alices.send(send(&id, "bob?", "2")).await;
    alices.expect("message").await;
    // Nobody of Bob's is connected now: he is notified instead.
    eventually(15, || async {
        let page: Value = app.get("/notifications", Some(&bob.access)).await.json().await.unwrap();
        (page["items"].as_array().unwrap().len() == 1).then_some(())
    })
    .await;
}

#[tokio::test]
async fn unread_counts_move_with_messages_and_reads() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let id = direct(&app, &alice, &bob).await;
    let mut ids = Vec::new();
    for (i, text) in ["one", "two", "three"].iter().enumerate() {
        let res = app
            .post(
                &format!("/conversations/{id}/messages"),
                Some(&alice.access),
                json!({ "body": text, "clientId": i.to_string() }),
            )
            .await;
        assert_eq!(res.status(), 201);
        ids.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
    }
    assert_eq!(unread_in(&app, &bob, &id).await, 3);
    assert_eq!(unread_in(&app, &alice, &id).await, 0, "your own messages are never unread");
    assert_eq!(list(&app, &bob).await["items"][0]["unreadCount"], 3);

    let mut alices = Socket::connect(&app, &alice.access).await;
    let mut bobs = Socket::connect(&app, &bob.access).await;
    bobs.send(json!({ "action": "markRead", "conversationId": id, "messageId": ids[0] })).await;
    let receipt = alices.expect("read").await;
    assert_eq!(
        (receipt["userId"].as_str(), receipt["messageId"].as_str()),
        (Some(bob.id.as_str()), Some(ids[0].as_str()))
    );
    assert_eq!(receipt["unreadCount"], 2);
    assert_eq!(bobs.expect("read").await["unreadCount"], 2);
    assert_eq!(unread_in(&app, &bob, &id).await, 2);

    // Reading never moves the marker back.
    bobs.send(json!({ "action": "markRead", "conversationId": id, "messageId": ids[0] })).await;
    bobs.expect("read").await;
    assert_eq!(unread_in(&app, &bob, &id).await, 2);

    // A deleted message is no longer unread.
    let res = app
        .request(Method::DELETE, &format!("/conversations/{id}/messages/{}", ids[2]), Some(&alice.access), None)
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(unread_in(&app, &bob, &id).await, 1);

    let res = app.post(&format!("/conversations/{id}/read"), Some(&bob.access), json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["unreadCount"], 0);
    assert_eq!(unread_in(&app, &bob, &id).await, 0);
    let res =
        app.post(&format!("/conversations/{id}/read"), Some(&bob.access), json!({ "messageId": Uuid::new_v4() })).await;
    assert_problem(res, 404, "message_not_found", None).await;
}

#[tokio::test]
async fn bad_frames_get_an_error_frame_and_the_connection_stays_open() {
    let app = TestApp::spawn().await;
    let (alice, bob, eve) = (app.register("alice").await, app.register("bob").await, app.register("eve").await);
    let id = direct(&app, &alice, &bob).await;
    let eves_own = direct(&app, &eve, &bob).await;
    let mut socket = Socket::connect(&app, &alice.access).await;

    let cases: Vec<(String, &str, Option<&str>)> = vec![
        ("not json".into(), "malformed_json", None),
        (json!({ "body": "no action" }).to_string(), "missing_action", Some("action")),
        (json!({ "action": "dance" }).to_string(), "unknown_action", Some("action")),
        (json!({ "action": "sendMessage", "conversationId": id }).to_string(), "invalid_field", Some("body")),
        (send(&id, &"x".repeat(4001), "long").to_string(), "invalid_field", Some("body")),
        (send(&id, "   ", "blank").to_string(), "invalid_field", Some("body")),
        (send("not-a-uuid", "hi", "u").to_string(), "invalid_uuid", Some("conversationId")),
        (send(&eves_own, "let me in", "e").to_string(), "conversation_not_found", None),
        (send(&Uuid::new_v4().to_string(), "anyone?", "n").to_string(), "conversation_not_found", None),
        (
            json!({ "action": "markRead", "conversationId": id, "messageId": Uuid::new_v4() }).to_string(),
            "message_not_found",
            None,
        ),
    ];
    for (frame, code, field) in cases {
        socket.send_text(frame.clone()).await;
        let error = socket.expect("error").await;
        assert_eq!(error["code"], code, "{frame} → {error}");
        if let Some(f) = field {
            assert_eq!(error["field"], f, "{frame} → {error}");
        }
        assert!(error["detail"].is_string());
    }
    assert!(history(&app, &alice, &id, "").await["items"].as_array().unwrap().is_empty(), "nothing was stored");

    // A block stops messages in the direct conversation, both ways.
    let res = app.post("/users/block", Some(&bob.access), json!({ "userId": alice.id })).await;
    assert_eq!(res.status(), 204);
    socket.send(send(&id, "hello?", "blocked")).await;
    let error = socket.expect("error").await;
    assert_eq!((error["code"].as_str(), error["clientId"].as_str()), (Some("blocked"), Some("blocked")));
    let (status, body) = conversation(&app, &alice, &[&bob], None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("blocked")));
    let res = app.post("/users/unblock", Some(&bob.access), json!({ "userId": alice.id })).await;
    assert_eq!(res.status(), 204);

    // Still open: a good frame works.
    socket.send(send(&id, "all good", "ok")).await;
    assert_eq!(socket.expect("message").await["message"]["body"], "all good");

    // Over API Gateway's 128 KB message limit, the connection is closed with 1009.
    socket.send_text(send(&id, &"y".repeat(130 * 1024), "huge").to_string()).await;
    assert_eq!(socket.next().await.unwrap_err(), Some(1009));
    no_connections(&alice).await;
}

#[tokio::test]
async fn the_management_api_answers_the_sdk_client() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let mut socket = Socket::connect(&app, &alice.access).await;
    let registry = connections().await;
    let connection = registry.of_user(Uuid::parse_str(&alice.id).unwrap()).await.unwrap().pop().unwrap();

    let aws = cs_aws::sdk_config().await;
    let push = cs_aws::ApiGatewayPush::new(&aws, &format!("http://{}", app.gateway.ws_addr));
    let client = push.client();
    let info = client.get_connection().connection_id(&connection).send().await.unwrap();
    assert!(info.connected_at().is_some() && info.last_active_at().is_some());
    assert_eq!(info.identity().and_then(|i| i.source_ip()), Some("127.0.0.1"));

    client
        .post_to_connection()
        .connection_id(&connection)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(br#"{"type":"hello"}"#.to_vec()))
        .send()
        .await
        .unwrap();
    socket.expect("hello").await;

    client.delete_connection().connection_id(&connection).send().await.unwrap();
    assert_eq!(socket.next().await.unwrap_err(), Some(1000));
    no_connections(&alice).await;
    let err = client.get_connection().connection_id(&connection).send().await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_gone_exception()), "{err:?}");
    use cs_aws::Push;
    assert!(matches!(push.post(&connection, b"{}").await, Err(cs_aws::PushError::Gone)));
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let app = TestApp::spawn_with(|c| c.websocket_idle_timeout = Duration::from_millis(700)).await;
    let alice = app.register("alice").await;
    let mut socket = Socket::connect(&app, &alice.access).await;
    let started = std::time::Instant::now();
    assert_eq!(socket.next().await.unwrap_err(), Some(1001));
    assert!(started.elapsed() >= Duration::from_millis(600));
    no_connections(&alice).await;
}

#[tokio::test]
async fn busy_connections_still_end_at_the_hard_limit() {
    let app = TestApp::spawn_with(|c| {
        c.websocket_idle_timeout = Duration::from_millis(400);
        c.websocket_hard_timeout = Duration::from_millis(1500);
    })
    .await;
    let alice = app.register("alice").await;
    let mut socket = Socket::connect(&app, &alice.access).await;
    let started = std::time::Instant::now();
    // Pings every 100 ms keep it from going idle; nothing keeps it past the hard limit.
    let closed = loop {
        socket.ping().await;
        match tokio::time::timeout(Duration::from_millis(100), socket.next()).await {
            Ok(Err(code)) => break code,
            Ok(Ok(frame)) => panic!("unexpected frame {frame}"),
            Err(_) => assert!(started.elapsed() < Duration::from_secs(5), "never closed"),
        }
    };
    assert_eq!(closed, Some(1001));
    assert!(started.elapsed() >= Duration::from_millis(1400), "closed after {:?}", started.elapsed());
    no_connections(&alice).await;
}

#[tokio::test]
async fn history_pages_edits_deletes_and_members_only() {
    let app = TestApp::spawn().await;
    let (alice, bob, eve) = (app.register("alice").await, app.register("bob").await, app.register("eve").await);
    let id = direct(&app, &alice, &bob).await;
    let path = format!("/conversations/{id}/messages");
    for i in 0..25 {
        let res = app.post(&path, Some(&alice.access), json!({ "body": format!("m{i}") })).await;
        assert_eq!(res.status(), 201);
    }
    let first = history(&app, &bob, &id, "").await;
    let items = first["items"].as_array().unwrap();
    assert_eq!((items.len(), items[0]["body"].as_str(), items[19]["body"].as_str()), (20, Some("m24"), Some("m5")));
    let next = first["nextCursor"].as_str().unwrap();
    let second = history(&app, &bob, &id, &format!("?cursor={next}")).await;
    let bodies: Vec<&str> = second["items"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["m4", "m3", "m2", "m1", "m0"]);
    assert!(second["nextCursor"].is_null());

    let newest = items[0]["id"].as_str().unwrap();
    let one = format!("{path}/{newest}");
    let res = app.request(Method::PATCH, &one, Some(&alice.access), Some(json!({ "body": "m24 (fixed)" }))).await;
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert!(edited["editedAt"].is_string() && edited["body"] == "m24 (fixed)");
    let res = app.request(Method::PATCH, &one, Some(&bob.access), Some(json!({ "body": "not mine" }))).await;
    assert_problem(res, 403, "not_sender", None).await;
    let res = app.request(Method::PATCH, &one, Some(&alice.access), Some(json!({ "body": "" }))).await;
    assert_problem(res, 422, "invalid_field", Some("body")).await;
    let res = app.request(Method::DELETE, &one, Some(&alice.access), None).await;
    assert_eq!(res.status(), 204);
    let res = app.request(Method::PATCH, &one, Some(&alice.access), Some(json!({ "body": "again" }))).await;
    assert_problem(res, 409, "message_deleted", None).await;
    let top = &history(&app, &bob, &id, "?limit=1").await["items"][0];
    assert_eq!((top["deleted"].as_bool(), top["body"].as_str()), (Some(true), Some("")));

    // Members only: to anyone else the conversation does not exist.
    for res in [
        app.get(&path, Some(&eve.access)).await,
        app.get(&format!("/conversations/{id}"), Some(&eve.access)).await,
        app.post(&path, Some(&eve.access), json!({ "body": "hi" })).await,
        app.post(&format!("/conversations/{id}/read"), Some(&eve.access), json!({})).await,
        app.request(Method::DELETE, &one, Some(&eve.access), None).await,
    ] {
        assert_problem(res, 404, "conversation_not_found", None).await;
    }
    assert!(list(&app, &eve).await["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn creating_conversations_checks_its_members() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let res = app.post("/conversations", Some(&alice.access), json!({ "memberIds": [] })).await;
    assert_problem(res, 422, "invalid_field", Some("memberIds")).await;
    let res = app.post("/conversations", Some(&alice.access), json!({ "memberIds": [alice.id] })).await;
    assert_problem(res, 422, "invalid_field", Some("memberIds")).await;
    let res = app.post("/conversations", Some(&alice.access), json!({ "memberIds": [bob.id, "x"] })).await;
    assert_problem(res, 400, "invalid_uuid", Some("memberIds[1]")).await;
    let res = app.post("/conversations", Some(&alice.access), json!({ "memberIds": [Uuid::new_v4()] })).await;
    assert_problem(res, 422, "invalid_field", Some("memberIds")).await;
    let res = app.post("/conversations", Some(&alice.access), json!({ "memberIds": [bob.id], "name": " " })).await;
    assert_problem(res, 422, "invalid_field", Some("name")).await;
    let res = app.post("/conversations", None, json!({ "memberIds": [bob.id] })).await;
    assert_eq!(res.status(), 401);
    // A named conversation of two is a group, and groups are never reused.
    let (a, first) = conversation(&app, &alice, &[&bob], Some("Plans")).await;
    let (b, second) = conversation(&app, &alice, &[&bob], Some("Plans")).await;
    assert_eq!((a, b, first["kind"].as_str()), (201, 201, Some("group")));
    assert_ne!(first["id"], second["id"]);
    assert_eq!(list(&app, &bob).await["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn new_notifications_reach_open_connections() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let mut bobs = Socket::connect(&app, &bob.access).await;
    assert_eq!(app.follow(&alice, &bob).await.status(), 204);
    let frame = bobs.expect("notification").await;
    let n = &frame["notification"];
    assert_eq!(
        (n["type"].as_str(), n["actors"][0]["id"].as_str()),
        (Some("follow"), Some(alice.id.as_str())),
        "{frame}"
    );
    assert_eq!(n["read"], false);
}

/// A batch of events for several people: each is pushed their own notifications (the
/// consumer looks up every recipient's connections at once, then sends each their frames).
#[tokio::test]
async fn a_batch_of_notifications_reaches_each_recipient_with_their_own() {
    let app = TestApp::spawn().await;
    let [alice, bob, carol, dan] = ["alice", "bob", "carol", "dan"].map(|name| app.register(name));
    let (alice, bob, carol, dan) = (alice.await, bob.await, carol.await, dan.await);
    let (mut carols, mut dans) = (Socket::connect(&app, &carol.access).await, Socket::connect(&app, &dan.access).await);
    let follow = |a: &TestUser, b: &TestUser, i: usize| {
        let event = cs_events::DomainEvent::Followed {
            follower_id: a.id.parse().unwrap(),
            following_id: b.id.parse().unwrap(),
        };
        aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
            .id(i.to_string())
            .message_body(serde_json::to_string(&event.into_event()).unwrap())
            .build()
            .unwrap()
    };
    let queues = app.queues().await;
    let url = queues.url("notifications").await.unwrap();
    let batch = vec![follow(&alice, &carol, 0), follow(&bob, &carol, 1), follow(&bob, &dan, 2)];
    queues.client().send_message_batch().queue_url(&url).set_entries(Some(batch)).send().await.unwrap();
    let actors = |frame: &Value| -> Vec<String> {
        let actors = frame["notification"]["actors"].as_array().cloned().unwrap_or_default();
        actors.iter().filter_map(|a| a["id"].as_str().map(str::to_string)).collect()
    };
    // Carol's follows group into one notification, pushed as each is applied.
    let mut seen = Vec::new();
    while !(seen.contains(&alice.id) && seen.contains(&bob.id)) {
        let frame = carols.expect("notification").await;
        assert_eq!(frame["notification"]["type"], "follow", "{frame}");
        seen.extend(actors(&frame));
    }
    assert_eq!(actors(&dans.expect("notification").await), std::slice::from_ref(&bob.id));
    // Dan's next frame is his next notification: nothing of Carol's came to him in between.
    assert_eq!(app.follow(&carol, &dan).await.status(), 204);
    let next = actors(&dans.expect("notification").await);
    assert!(next.contains(&carol.id) && !next.contains(&alice.id), "{next:?}");
}

#[tokio::test]
async fn racing_deletes_and_edits_leave_a_deleted_message_deleted() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let id = direct(&app, &alice, &bob).await;
    for round in 0..5 {
        let res = app
            .post(
                &format!("/conversations/{id}/messages"),
                Some(&alice.access),
                json!({ "body": "hi", "clientId": round.to_string() }),
            )
            .await;
        assert_eq!(res.status(), 201);
        let m: Value = res.json().await.unwrap();
        let one = format!("/conversations/{id}/messages/{}", m["id"].as_str().unwrap());
        let (d1, d2, e1, e2) = tokio::join!(
            app.request(Method::DELETE, &one, Some(&alice.access), None),
            app.request(Method::DELETE, &one, Some(&alice.access), None),
            app.request(Method::PATCH, &one, Some(&alice.access), Some(json!({ "body": "edited" }))),
            app.request(Method::PATCH, &one, Some(&alice.access), Some(json!({ "body": "edited" }))),
        );
        let mut deletes = [d1.status().as_u16(), d2.status().as_u16()];
        deletes.sort();
        assert_eq!(deletes, [204, 409], "exactly one delete succeeds (round {round})");
        for e in [e1, e2] {
            assert!([200, 409].contains(&e.status().as_u16()), "{}", e.status());
        }
        // Whatever order they ran in, the message ends deleted and empty.
        let page = history(&app, &alice, &id, "").await;
        let stored = page["items"].as_array().unwrap().iter().find(|x| x["id"] == m["id"]).unwrap().clone();
        assert_eq!((stored["deleted"].as_bool(), stored["body"].as_str()), (Some(true), Some("")), "{stored}");
    }
}
