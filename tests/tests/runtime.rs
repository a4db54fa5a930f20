#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The real Lambda binaries behind the local gateway (runtime mode): each function a process
//! of its service's binary talking to the gateway's Lambda Runtime API, one invocation at a
//! time, as on Lambda. A user's journey through them, then the execution environments
//! themselves: reuse, scale-out, reaping, init and invocation reports.

use std::time::Duration;

use blackbox::{eventually, Socket, TestApp, TestUser};
use serde_json::{json, Value};

async fn metrics(app: &TestApp) -> String {
    app.get("/metrics", None).await.text().await.unwrap()
}

/// The value of the sample `series` (name and labels exactly), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn notifications_of(app: &TestApp, user: &TestUser, kind: &str) -> Vec<Value> {
    let res = app.get(&format!("/notifications?type={kind}"), Some(&user.access)).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_users_journey_through_the_lambda_binaries() {
    let app = TestApp::spawn_runtime(|_| {}).await;
    let (author, fan) = (app.register("rtauthor").await, app.register("rtfan").await);

    // Logging in answers tokens that work.
    let res = app.post("/users/login", None, json!({ "email": fan.email, "password": fan.password })).await;
    assert_eq!(res.status(), 200);
    let access = res.json::<Value>().await.unwrap()["accessToken"].as_str().unwrap().to_string();
    assert_eq!(app.get(&format!("/users/{}", author.id), Some(&access)).await.status(), 200);

    // A post, a like, and the like's notification: the outbox relay in feed-like's process,
    // SQS, then notify-consumer's process.
    let res = app.post("/posts", Some(&author.access), json!({ "content": "from a real binary" })).await;
    assert_eq!(res.status(), 201);
    let post: Value = res.json().await.unwrap();
    let like = app.post(&format!("/posts/{}/like", post["id"].as_str().unwrap()), Some(&access), json!({})).await;
    let state: Value = like.json().await.unwrap();
    assert_eq!((state["likedByMe"].as_bool(), state["likeCount"].as_i64()), (Some(true), Some(1)));
    let liked = eventually(20, || async {
        let items = notifications_of(&app, &author, "like").await;
        (!items.is_empty()).then_some(items)
    })
    .await;
    assert_eq!(liked[0]["actors"][0]["id"], fan.id);

    // Chat over the WebSocket API: $connect, the sendMessage route and the push back, each
    // in its function's process.
    let res = app.post("/conversations", Some(&author.access), json!({ "memberIds": [fan.id] })).await;
    assert!(res.status() == 201 || res.status() == 200);
    let conversation = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let mut fans = Socket::connect(&app, &fan.access).await;
    let mut authors = Socket::connect(&app, &author.access).await;
    authors
        .send(json!({ "action": "sendMessage", "conversationId": conversation, "body": "hi", "clientId": "1" }))
        .await;
    assert_eq!(fans.expect("message").await["message"]["body"], "hi");
    fans.close().await;
    authors.close().await;

    // Every invocation was counted as Lambda's REPORT line counts it, and the binaries wrote
    // their own EMF line per invocation.
    let text = metrics(&app).await;
    let cold = |f: &str| {
        sample(
            &text,
            &format!("cs_lambda_invocations_total{{function=\"{f}\",status_class=\"2xx\",cold_start=\"true\"}}"),
        )
    };
    let warm = |f: &str| {
        sample(
            &text,
            &format!("cs_lambda_invocations_total{{function=\"{f}\",status_class=\"2xx\",cold_start=\"false\"}}"),
        )
    };
    assert!(cold("user-register") >= Some(1.0), "{text}");
    // Two registrations, one at a time: the second reused the first's process.
    assert_eq!(cold("user-register").unwrap_or(0.0) + warm("user-register").unwrap_or(0.0), 2.0, "{text}");
    assert!(warm("user-register") >= Some(1.0), "{text}");
    assert!(sample(&text, "cs_lambda_init_duration_seconds_count{function=\"user-register\"}") >= Some(1.0));
    assert!(sample(&text, "cs_lambda_init_duration_seconds_sum{function=\"user-register\"}") > Some(0.0));
    assert!(
        sample(
            &text,
            "cs_lambda_invocations_total{function=\"notify-consumer\",status_class=\"ok\",cold_start=\"true\"}"
        ) >= Some(1.0),
        "{text}"
    );
    assert!(sample(&text, "cs_lambda_max_memory_used_megabytes{function=\"user-register\"}") > Some(1.0));
    assert!(sample(&text, "cs_lambda_cpu_seconds_total{function=\"user-register\",cold_start=\"false\"}") > Some(0.0));
    assert!(
        sample(&text, "cs_lambda_estimated_cost_usd_total{function=\"feed-like\",cold_start=\"true\"}") > Some(1.2e-6)
    );
    let emf = eventually(5, || async {
        let text = metrics(&app).await;
        sample(&text, "cs_lambda_emf_lines_total{function=\"user-register\"}").filter(|n| *n >= 2.0)
    })
    .await;
    assert_eq!(emf, 2.0);
    let stats = app.gateway.gateway.function_stats();
    assert_eq!(stats["chat-connect"].route, "WS $connect");
    assert_eq!(stats["feed-fanout"].route, "SQS timeline");
}

#[tokio::test]
async fn busy_environments_scale_out_and_idle_ones_are_reaped() {
    let app = TestApp::spawn_runtime(|config| {
        if let Some(runtime) = config.runtime.as_mut() {
            runtime.idle_timeout = Duration::from_secs(2);
        }
    })
    .await;
    let user = app.register("rtscale").await;
    let path = format!("/users/{}", user.id);
    // Four at once find no idle environment: each of the first ones starts its own.
    let answers = futures::future::join_all((0..4).map(|_| app.get(&path, None))).await;
    assert!(answers.iter().all(|r| r.status() == 200));
    let idle = app.gateway.gateway.idle_environments()["user-get"];
    assert!(idle >= 2, "{idle} environments for four concurrent requests");
    let stats = app.gateway.gateway.function_stats();
    assert_eq!(stats["user-get"].cold.count as usize, idle);
    // One more, alone, is warm.
    assert_eq!(app.get(&path, None).await.status(), 200);
    assert_eq!(app.gateway.gateway.function_stats()["user-get"].cold.count as usize, idle);
    // Idle past the timeout, they are ended.
    eventually(10, || async { (app.gateway.gateway.idle_environments()["user-get"] == 0).then_some(()) }).await;
    // And the next request starts a fresh one.
    assert_eq!(app.get(&path, None).await.status(), 200);
    assert_eq!(app.gateway.gateway.function_stats()["user-get"].cold.count as usize, idle + 1);
}

#[tokio::test]
async fn runtime_mode_refuses_to_start_without_the_binaries() {
    let empty = std::env::temp_dir().join(format!("no-lambdas-{}", uuid::Uuid::new_v4()));
    let manifest = cs_manifest::Manifest::load().unwrap();
    cs_db::testing::load_local_env();
    let mut config = local_gateway::GatewayConfig::from_env().unwrap();
    config.runtime =
        Some(local_gateway::runtime::RuntimeConfig { binaries: empty, idle_timeout: Duration::from_secs(1) });
    let metrics = std::sync::Arc::default();
    let err =
        local_gateway::runtime::functions(&manifest, config.runtime.as_ref().unwrap(), &config.platform, &metrics)
            .err()
            .expect("an error");
    assert!(err.to_string().contains("make build-lambdas"), "{err}");
}
