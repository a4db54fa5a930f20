#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
//! A slow or unreachable AWS endpoint never holds a user's request. The test freezes an AWS
//! emulator of its own (SIGSTOP: what an unreachable endpoint looks like to a client), so no
//! other test is stopped with it.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use blackbox::{eventually, TestApp};
use serde_json::{json, Value};

/// moto's server from the project's virtualenv, on a free port, for this test alone.
struct OwnEmulator {
    child: Child,
    url: String,
}

impl OwnEmulator {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let server = concat!(env!("CARGO_MANIFEST_DIR"), "/../.local/venv/bin/moto_server");
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server from .local/venv (make services installs it)");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        eventually(30, || async { http.get(format!("{url}/moto-api/")).send().await.ok().map(|_| ()) }).await;
        OwnEmulator { child, url }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill {signal}");
    }
}

impl Drop for OwnEmulator {
    fn drop(&mut self) {
        self.signal("-CONT");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A gateway whose AWS calls all go to `emulator`.
async fn gateway_on(emulator: &OwnEmulator, tune: impl FnOnce(&mut local_gateway::GatewayConfig)) -> TestApp {
    cs_db::testing::load_local_env();
    std::env::set_var("AWS_ENDPOINT_URL", &emulator.url);
    TestApp::spawn_with(tune).await
}

#[tokio::test]
async fn writes_answer_at_once_while_the_queue_is_frozen_and_their_events_follow() {
    let emulator = OwnEmulator::start().await;
    let app = gateway_on(&emulator, |_| {}).await;
    let (author, fan) = (app.register("author").await, app.register("fan").await);
    let mut posts = Vec::new();
    for i in 0..10 {
        let res = app.post("/posts", Some(&author.access), json!({ "content": format!("post {i}") })).await;
        assert_eq!(res.status(), 201);
        posts.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
    }

    emulator.signal("-STOP");
    for id in &posts {
        let started = Instant::now();
        let res = app.post(&format!("/posts/{id}/like"), Some(&fan.access), json!({})).await;
        let took = started.elapsed();
        assert_eq!(res.status(), 200);
        assert!(took < Duration::from_secs(1), "a like took {took:?} with the queue frozen");
    }
    let db = app.db().await;
    let waiting: i64 = db
        .query_one("SELECT count(*) FROM outbox WHERE event_type = 'post.liked' AND published_at IS NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(waiting, 10, "every like committed with its event, left for the sweep");

    emulator.signal("-CONT");
    // The sweep (outbox-sweep, every minute in AWS) sends what waited; run it until it has.
    eventually(60, || async {
        app.gateway.gateway.run_scheduled("outbox-sweep").await.ok()?;
        let page: Value = app.get("/notifications?type=like&limit=50", Some(&author.access)).await.json().await.ok()?;
        (page["items"].as_array()?.len() == 10).then_some(())
    })
    .await;
    app.processed("notify", 10).await;
    let page: Value = app.get("/notifications?type=like&limit=50", Some(&author.access)).await.json().await.unwrap();
    for n in page["items"].as_array().unwrap() {
        assert_eq!(n["actorCount"], 1, "each like notified once: {n}");
    }
}

#[tokio::test]
async fn a_function_past_its_timeout_is_abandoned_as_lambda_ends_it() {
    let emulator = OwnEmulator::start().await;
    let app = gateway_on(&emulator, |c| c.function_timeout = Some(Duration::from_millis(800))).await;
    let user = app.register("late").await;
    emulator.signal("-STOP");
    // Login counts the attempt in DynamoDB first; the frozen table holds it past 800 ms.
    let started = Instant::now();
    let res = app.post("/users/login", None, json!({ "email": user.email, "password": user.password })).await;
    let took = started.elapsed();
    assert_eq!(res.status(), 500);
    assert!(res.headers().contains_key("apigw-requestid"));
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "message": "Internal Server Error" }));
    assert!(took < Duration::from_millis(1500), "answered after {took:?}");
}
