#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Events through the outbox, SQS (the emulator) and the notification consumer, seen from
//! the outside: notifications over HTTP, emails in the local SMTP server's mailbox.

use std::time::Duration;

use blackbox::{assert_problem, eventually, header, mails_to, TestApp, TestUser};
use cs_events::{DomainEvent, Relay};
use serde_json::{json, Value};

async fn notifications(app: &TestApp, user: &TestUser, query: &str) -> Value {
    let res = app.get(&format!("/notifications{query}"), Some(&user.access)).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn wait_for_notifications(app: &TestApp, user: &TestUser, n: usize) -> Value {
    eventually(15, || async {
        let page = notifications(app, user, "").await;
        (page["items"].as_array().unwrap().len() >= n).then_some(page)
    })
    .await
}

async fn unread(app: &TestApp, user: &TestUser) -> i64 {
    let res = app.get("/notifications/unread-count", Some(&user.access)).await;
    let body: Value = res.json().await.unwrap();
    body["count"].as_i64().unwrap()
}

#[tokio::test]
async fn a_follow_makes_one_notification_and_one_email_and_groups_the_next() {
    let app = TestApp::spawn().await;
    let (a, b, c) = (app.register("ann").await, app.register("ben").await, app.register("cat").await);
    assert_eq!(app.follow(&a, &b).await.status(), 204);

    let page = wait_for_notifications(&app, &b, 1).await;
    let n = &page["items"][0];
    assert_eq!(
        (n["type"].as_str(), n["actorCount"].as_i64(), n["read"].as_bool()),
        (Some("follow"), Some(1), Some(false))
    );
    assert_eq!(n["actors"][0]["id"], a.id);
    assert_eq!(n["actors"][0]["username"], a.username);
    assert_eq!(n["subjectId"], b.id);
    assert_eq!(unread(&app, &b).await, 1);

    let mail = eventually(15, || async { mails_to(&b.email).pop() }).await;
    let subject = header(&mail, "Subject").unwrap();
    assert!(subject.contains(&a.username), "{subject}");
    let unsubscribe = header(&mail, "List-Unsubscribe").unwrap();
    assert!(unsubscribe.starts_with('<') && unsubscribe.contains("/notifications/unsubscribe?token="), "{unsubscribe}");
    assert_eq!(header(&mail, "List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));

    // A second follower joins the unread notification: newest first, no second email.
    assert_eq!(app.follow(&c, &b).await.status(), 204);
    let page = eventually(15, || async {
        let page = notifications(&app, &b, "").await;
        (page["items"][0]["actorCount"] == 2).then_some(page)
    })
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["actors"][0]["id"], c.id);
    assert_eq!(page["items"][0]["actors"][1]["id"], a.id);
    // Both follows were applied; the second queued no email (its row commits with it).
    app.processed("notify", 2).await;
    let queued = app.db().await.query_one("SELECT count(*) FROM emails WHERE to_address = $1", &[&b.email]).await;
    assert_eq!(queued.unwrap().get::<_, i64>(0), 1);
    assert_eq!(mails_to(&b.email).len(), 1);
    // Following again changes nothing and notifies nobody.
    assert_eq!(app.follow(&a, &b).await.status(), 204);
    assert!(mails_to(&a.email).is_empty());
}

#[tokio::test]
async fn read_marks_filters_and_bad_input() {
    let app = TestApp::spawn().await;
    let (a, b, c) = (app.register("dan").await, app.register("eve").await, app.register("fay").await);
    app.follow(&b, &a).await;
    wait_for_notifications(&app, &a, 1).await;
    // Read: the group closes, and the next follower starts a new notification.
    let id = notifications(&app, &a, "").await["items"][0]["id"].as_str().unwrap().to_string();
    let res = app.post("/notifications/read", Some(&a.access), json!({ "ids": [id] })).await;
    assert_eq!(res.json::<Value>().await.unwrap()["updated"], 1);
    assert_eq!(unread(&app, &a).await, 0);
    app.follow(&c, &a).await;
    let page = wait_for_notifications(&app, &a, 2).await;
    assert_eq!(page["items"][0]["read"], false);
    assert_eq!(page["items"][1]["read"], true);
    assert_eq!(unread(&app, &a).await, 1);
    assert_eq!(notifications(&app, &a, "?type=follow&limit=1").await["items"].as_array().unwrap().len(), 1);
    assert!(notifications(&app, &a, "?type=like").await["items"].as_array().unwrap().is_empty());
    let res = app.post("/notifications/read", Some(&a.access), json!({ "all": true })).await;
    assert_eq!(res.json::<Value>().await.unwrap()["updated"], 1);
    assert_eq!(unread(&app, &a).await, 0);
    // Someone else's ids change nothing.
    let res = app.post("/notifications/read", Some(&b.access), json!({ "ids": [id] })).await;
    assert_eq!(res.json::<Value>().await.unwrap()["updated"], 0);

    assert_problem(app.get("/notifications?type=poke", Some(&a.access)).await, 400, "invalid_type", Some("type")).await;
    assert_problem(
        app.post("/notifications/read", Some(&a.access), json!({ "ids": ["nope"] })).await,
        400,
        "invalid_uuid",
        Some("ids[0]"),
    )
    .await;
    assert_problem(
        app.post("/notifications/read", Some(&a.access), json!({})).await,
        422,
        "invalid_field",
        Some("ids"),
    )
    .await;
    assert_problem(app.get("/notifications", None).await, 401, "unauthorized", None).await;
    assert_problem(
        app.put("/notifications/preferences", Some(&a.access), json!({ "like": "pigeon" })).await,
        422,
        "invalid_field",
        Some("like"),
    )
    .await;
    let res = app.put("/notifications/preferences", Some(&a.access), json!({ "poke": "off" })).await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn preferences_decide_what_is_made_and_sent() {
    let app = TestApp::spawn().await;
    let (quiet, inapp, fan) = (app.register("quiet").await, app.register("inapp").await, app.register("fan").await);
    let prefs: Value = app.get("/notifications/preferences", Some(&quiet.access)).await.json().await.unwrap();
    assert_eq!((prefs["follow"].as_str(), prefs["like"].as_str()), (Some("email"), Some("in_app")));
    let res = app.put("/notifications/preferences", Some(&quiet.access), json!({ "follow": "off" })).await;
    let prefs: Value = res.json().await.unwrap();
    assert_eq!((prefs["follow"].as_str(), prefs["comment"].as_str()), (Some("off"), Some("email")));
    app.put("/notifications/preferences", Some(&inapp.access), json!({ "follow": "in_app" })).await;

    app.follow(&fan, &quiet).await;
    app.follow(&fan, &inapp).await;
    wait_for_notifications(&app, &inapp, 1).await;
    app.processed("notify", 2).await;
    assert!(notifications(&app, &quiet, "").await["items"].as_array().unwrap().is_empty());
    assert!(mails_to(&quiet.email).is_empty() && mails_to(&inapp.email).is_empty());
}

#[tokio::test]
async fn one_click_unsubscribe_stops_that_kind_of_email() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.register("gus").await, app.register("hal").await);
    app.follow(&a, &b).await;
    let mail = eventually(15, || async { mails_to(&b.email).pop() }).await;
    let link = header(&mail, "List-Unsubscribe").unwrap();
    let link = link.trim_start_matches('<').trim_end_matches('>');
    let path = &link[link.find("/notifications").unwrap()..];
    let page = app.get(path, None).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<form method=post"));
    // A GET changes nothing; the one-click POST does.
    let prefs: Value = app.get("/notifications/preferences", Some(&b.access)).await.json().await.unwrap();
    assert_eq!(prefs["follow"], "email");
    let res = app.http.post(format!("{}{path}", app.url)).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let prefs: Value = app.get("/notifications/preferences", Some(&b.access)).await.json().await.unwrap();
    assert_eq!(prefs["follow"], "in_app");
    assert_problem(
        app.post("/notifications/unsubscribe?token=forged", None, json!({})).await,
        400,
        "invalid_token",
        Some("token"),
    )
    .await;
    // An access token is not an unsubscribe link.
    let res = app.post(&format!("/notifications/unsubscribe?token={}", b.access), None, json!({})).await;
    assert_problem(res, 400, "invalid_token", Some("token")).await;
}

#[tokio::test]
async fn a_redelivered_event_is_applied_once() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.register("ivy").await, app.register("jon").await);
    let event =
        DomainEvent::Followed { follower_id: a.id.parse().unwrap(), following_id: b.id.parse().unwrap() }.into_event();
    let body = serde_json::to_string(&event).unwrap();
    let queues = app.queues().await;
    let url = queues.url("notifications").await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let out = queues.client().send_message().queue_url(&url).message_body(&body).send().await.unwrap();
        ids.push(out.message_id.unwrap());
    }
    eventually(20, || async { ids.iter().all(|id| app.gateway.deliveries.count(id) >= 1).then_some(()) }).await;
    app.processed("notify", 1).await;
    let page = notifications(&app, &b, "").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["actorCount"], 1);
    assert_eq!(eventually(10, || async { Some(mails_to(&b.email)).filter(|m| !m.is_empty()) }).await.len(), 1);
}

#[tokio::test]
async fn only_the_failing_record_is_retried_and_a_poison_message_ends_in_the_dlq() {
    let app = TestApp::spawn_with(|c| c.visibility_timeout = Some(1)).await;
    let (a, b, c) = (app.register("kay").await, app.register("lou").await, app.register("max").await);
    let event = |x: &TestUser, y: &TestUser| {
        serde_json::to_string(
            &DomainEvent::Followed { follower_id: x.id.parse().unwrap(), following_id: y.id.parse().unwrap() }
                .into_event(),
        )
        .unwrap()
    };
    let queues = app.queues().await;
    let url = queues.url("notifications").await.unwrap();
    let entries = [("good1", event(&a, &c)), ("poison", "{not an event".to_string()), ("good2", event(&b, &c))]
        .into_iter()
        .map(|(id, body)| {
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder().id(id).message_body(body).build().unwrap()
        })
        .collect::<Vec<_>>();
    let sent = queues.client().send_message_batch().queue_url(&url).set_entries(Some(entries)).send().await.unwrap();
    let id_of = |name: &str| sent.successful.iter().find(|s| s.id == name).unwrap().message_id.clone();
    let (good1, poison, good2) = (id_of("good1"), id_of("poison"), id_of("good2"));

    let dead = eventually(30, || async {
        let dead = queues.dead_letters("notifications", 10).await.unwrap();
        (!dead.is_empty()).then_some(dead)
    })
    .await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "{not an event");
    assert_eq!(app.gateway.deliveries.count(&poison), 5, "max_receive_count deliveries, then the DLQ");
    assert_eq!((app.gateway.deliveries.count(&good1), app.gateway.deliveries.count(&good2)), (1, 1));
    let page = notifications(&app, &c, "").await;
    assert_eq!(page["items"][0]["actorCount"], 2);

    // The operator's redrive puts it back on the queue (where it fails again, by design).
    assert_eq!(queues.redrive("notifications").await.unwrap(), 1);
    assert!(queues.dead_letters("notifications", 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn events_wait_in_the_outbox_while_the_queue_is_unreachable() {
    let app = TestApp::spawn_with(|c| c.platform.relay_sqs_endpoint = Some("http://127.0.0.1:9".into())).await;
    let (a, b) = (app.register("ned").await, app.register("oli").await);
    assert_eq!(app.follow(&a, &b).await.status(), 204, "the follow itself succeeds");
    let db = app.db().await;
    // One row per destination queue (notifications, timeline), all waiting, each saying why
    // (as are the two registrations' user.created, for search).
    let rows = db
        .query("SELECT published_at IS NULL, attempts, last_error IS NOT NULL FROM outbox ORDER BY event_type", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    for row in rows {
        assert_eq!((row.get::<_, bool>(0), row.get::<_, i32>(1), row.get::<_, bool>(2)), (true, 1, true));
    }
    // Nothing reached a queue, so nothing can have been notified.
    assert!(notifications(&app, &b, "").await["items"].as_array().unwrap().is_empty());

    // The queue is back: the sweep (what `outbox-sweep` runs) sends them, once.
    let pool = cs_db::connect(&app.db_url, 2).unwrap();
    let relay = Relay::new(pool, std::sync::Arc::new(app.queues().await));
    let report = relay.sweep(Duration::ZERO, 100).await.unwrap();
    assert_eq!((report.sent, report.failed), (4, 0));
    assert_eq!(relay.sweep(Duration::ZERO, 100).await.unwrap().sent, 0);
    let page = wait_for_notifications(&app, &b, 1).await;
    assert_eq!(page["items"][0]["actors"][0]["id"], a.id);
}
