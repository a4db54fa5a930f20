//! `make cost`: a mixed load through runtime mode (every function its Lambda binary), then
//! what each endpoint and consumer costs per million requests, split by what AWS bills,
//! with Lambda compute from the measured durations at 128, 256 and 512 MB; the memory each
//! function should have and why; and the platform's monthly cost at 1,000, 100,000 and
//! 1,000,000 daily active users. docs/cost-model.md explains the model and its assumptions.
//!
//! Lambda compute: locally a process has a whole core; on Lambda a function gets
//! memory / 1,769 MB of a vCPU. So an invocation's measured wall time splits into CPU time
//! (measured per process, all threads) and waiting (database, AWS calls); at a memory size
//! below 1,769 MB the CPU part stretches by 1,769 / memory, the waiting does not.

use std::{collections::BTreeMap, time::Duration};

use blackbox::{Socket, TestApp, TestUser};
use cs_manifest::{Manifest, Trigger};
use cs_platform::prices::{self, PRICES};
use serde_json::{json, Value};

const FULL_VCPU_MB: f64 = 1769.0;
const SIZES: [u32; 4] = [128, 256, 512, 1024];

/// AWS calls per invocation beyond Lambda and API Gateway, read from the code: (DynamoDB
/// writes, DynamoDB reads, S3 PUTs, S3 GETs, SQS messages sent).
fn side_calls(function: &str) -> (f64, f64, f64, f64, f64) {
    match function {
        // Two rate-limit counters (per account, per address): an UpdateItem each.
        "user-login" => (2.0, 0.0, 0.0, 0.0, 0.0),
        // Events through the outbox: one message to each queue the event goes to.
        "user-follow" => (0.0, 0.0, 0.0, 0.0, 2.0),
        "user-unfollow" | "feed-create-post" | "feed-like" | "feed-create-comment" => (0.0, 0.0, 0.0, 0.0, 1.0),
        // The connection's item written, deleted.
        "chat-connect" | "chat-disconnect" => (1.0, 0.0, 0.0, 0.0, 0.0),
        // The members' connections looked up (a query per member, two members).
        "chat-send-message" | "chat-send" => (0.0, 2.0, 0.0, 0.0, 0.0),
        "notify-consumer" | "chat-deliver" => (0.0, 1.0, 0.0, 0.0, 0.0),
        // The browser's PUT of the upload; the consumer's GET, thumbnail PUT and delete.
        "media-create-upload" => (0.0, 0.0, 1.0, 0.0, 0.0),
        "media-process" => (0.0, 0.0, 2.0, 1.0, 0.0),
        _ => (0.0, 0.0, 0.0, 0.0, 0.0),
    }
}

/// Requests per daily active user per day, by function (the usage assumptions of
/// docs/cost-model.md). Consumers follow from what emits their events.
const PER_DAU: &[(&str, f64)] = &[
    ("feed-home", 10.0),
    ("feed-get-post", 5.0),
    ("feed-list-comments", 2.0),
    ("feed-like", 3.0),
    ("feed-create-comment", 0.5),
    ("feed-create-post", 0.3),
    ("feed-user-posts", 2.0),
    ("user-get", 3.0),
    ("user-login", 0.2),
    ("auth-refresh", 4.0),
    ("user-register", 0.01),
    ("user-follow", 0.1),
    ("notify-list", 3.0),
    ("notify-unread-count", 10.0),
    ("chat-list-conversations", 2.0),
    ("chat-messages", 3.0),
    ("chat-connect", 1.0),
    ("chat-disconnect", 1.0),
    ("chat-send-message", 5.0),
    ("media-create-upload", 0.05),
    ("media-process", 0.05),
    // post.liked, post.commented, user.followed, and a third of chat messages find their
    // reader offline.
    ("notify-consumer", 3.0 + 0.5 + 0.1 + 5.0 / 3.0),
    ("feed-fanout", 0.3 + 0.1),
];

/// WebSocket connection-minutes per daily active user per day.
const CONNECTION_MINUTES_PER_DAU: f64 = 30.0;

struct Line {
    function: String,
    kind: &'static str,
    memory_mb: u32,
    n: u64,
    wall_ms: f64,
    cpu_ms: f64,
    front: f64,
    sqs: f64,
    dynamodb: f64,
    s3: f64,
    peak_mb: u64,
}

impl Line {
    fn modeled_ms(&self, memory_mb: u32) -> f64 {
        let stretch = (FULL_VCPU_MB / f64::from(memory_mb)).max(1.0);
        (self.wall_ms - self.cpu_ms).max(0.0) + self.cpu_ms * stretch
    }

    /// Lambda compute per million at `memory_mb`.
    fn compute(&self, memory_mb: u32) -> f64 {
        1e6 * prices::lambda_compute(self.modeled_ms(memory_mb).ceil() as u64, memory_mb)
    }

    fn per_million(&self, memory_mb: u32) -> f64 {
        self.front + 1e6 * PRICES.lambda_request + self.compute(memory_mb) + self.sqs + self.dynamodb + self.s3
    }

    /// The cheapest size that keeps a request under 100 ms (a consumer under a second) and
    /// leaves room over its peak memory.
    fn recommend(&self) -> (u32, String) {
        let budget = if self.kind == "http" || self.kind == "ws" { 100.0 } else { 1000.0 };
        let fits = |m: u32| u64::from(m) >= self.peak_mb * 3 / 2 && self.modeled_ms(m) <= budget;
        let candidates: Vec<u32> = SIZES.iter().copied().filter(|m| fits(*m)).collect();
        let best = candidates.iter().copied().min_by(|a, b| self.per_million(*a).total_cmp(&self.per_million(*b)));
        match best {
            Some(m) => (
                m,
                format!(
                    "{:.0} ms modeled at {m} MB ({:.1} ms CPU); cheapest within {budget:.0} ms",
                    self.modeled_ms(m),
                    self.cpu_ms
                ),
            ),
            None => (1024, format!("{:.1} ms CPU: over {budget:.0} ms below 1024 MB", self.cpu_ms)),
        }
    }
}

async fn load(app: &TestApp) -> anyhow::Result<()> {
    let mut users: Vec<TestUser> = Vec::new();
    for i in 0..6 {
        users.push(app.register(&format!("cost{i}")).await);
    }
    for u in &users {
        app.post("/users/login", None, json!({ "email": u.email, "password": u.password })).await;
        app.post("/auth/refresh", None, json!({ "refreshToken": u.refresh })).await;
    }
    for (i, u) in users.iter().enumerate() {
        for other in users.iter().cycle().skip(i + 1).take(3) {
            app.follow(u, other).await;
        }
    }
    let mut posts = Vec::new();
    for u in &users {
        for k in 0..3 {
            let res =
                app.post("/posts", Some(&u.access), json!({ "content": format!("post {k} by @{}", u.username) })).await;
            let body: Value = res.json().await?;
            posts.push(body["id"].as_str().unwrap_or_default().to_string());
        }
    }
    for (i, u) in users.iter().enumerate() {
        for p in posts.iter().skip(i).step_by(2).take(6) {
            app.post(&format!("/posts/{p}/like"), Some(&u.access), json!({})).await;
            app.get(&format!("/posts/{p}"), Some(&u.access)).await;
        }
        for p in posts.iter().skip(i).step_by(5).take(2) {
            app.post(&format!("/posts/{p}/comments"), Some(&u.access), json!({ "content": "nice" })).await;
            app.get(&format!("/posts/{p}/comments"), Some(&u.access)).await;
        }
        for _ in 0..5 {
            app.get("/timeline/home", Some(&u.access)).await;
            app.get("/notifications/unread-count", Some(&u.access)).await;
        }
        app.get("/notifications", Some(&u.access)).await;
        app.get(&format!("/users/{}", u.id), Some(&u.access)).await;
        app.get(&format!("/users/{}/posts", u.id), Some(&u.access)).await;
    }
    for pair in users.chunks(2) {
        let [a, b] = pair else { continue };
        let res = app.post("/conversations", Some(&a.access), json!({ "memberIds": [b.id] })).await;
        let id = res.json::<Value>().await?["id"].as_str().unwrap_or_default().to_string();
        for k in 0..5 {
            let body = json!({ "body": format!("hi {k}"), "clientId": format!("c{k}") });
            app.post(&format!("/conversations/{id}/messages"), Some(&a.access), body).await;
        }
        app.get(&format!("/conversations/{id}/messages"), Some(&b.access)).await;
        app.get("/conversations", Some(&b.access)).await;
        // Over the WebSocket API: connect, three messages, disconnect.
        let mut sender = Socket::connect(app, &a.access).await;
        let reader = Socket::connect(app, &b.access).await;
        for k in 0..3 {
            let frame = json!({ "action": "sendMessage", "conversationId": id, "body": format!("ws {k}"), "clientId": format!("w{k}") });
            sender.send(frame).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        sender.close().await;
        reader.close().await;
        app.post("/media/uploads", Some(&a.access), json!({ "contentType": "image/png", "size": 1000 })).await;
    }
    // The consumers catch up.
    tokio::time::sleep(Duration::from_secs(4)).await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let app = TestApp::spawn_runtime(|_| {}).await;
    load(&app).await?;
    let manifest = Manifest::load()?;
    let stats = app.gateway.gateway.function_stats();
    let mut lines = Vec::new();
    for f in &manifest.functions {
        let Some(s) = stats.get(&f.name) else { continue };
        // Warm invocations price a steady state; cold starts are a few per environment.
        let t = if s.warm.count > 0 { s.warm } else { s.cold };
        if t.count == 0 {
            continue;
        }
        let n = t.count as f64;
        let (kind, front) = match &f.trigger {
            Trigger::Http(_) => ("http", 1e6 * PRICES.http_api_request),
            Trigger::Websocket(_) => ("ws", 1e6 * PRICES.websocket_message),
            Trigger::Sqs(_) => ("sqs", 0.0),
            Trigger::Schedule(_) | Trigger::Deploy(_) => ("schedule", 0.0),
        };
        let (dw, dr, s3p, s3g, sent) = side_calls(&f.name);
        // A consumer's message: its receive and delete (the send is priced where it is sent).
        let sqs = 1e6 * PRICES.sqs_request * (sent + if kind == "sqs" { 2.0 } else { 0.0 });
        lines.push(Line {
            function: f.name.clone(),
            kind,
            memory_mb: manifest.memory(f),
            n: t.count,
            wall_ms: t.duration_seconds * 1000.0 / n,
            cpu_ms: if t.cpu_count > 0 { t.cpu_seconds * 1000.0 / t.cpu_count as f64 } else { 0.0 },
            front,
            sqs,
            dynamodb: 1e6 * (dw * PRICES.dynamodb_write + dr * PRICES.dynamodb_read),
            s3: 1e6 * (s3p * PRICES.s3_put + s3g * PRICES.s3_get),
            peak_mb: s.max_memory_kb.div_ceil(1024),
        });
    }

    println!("make cost: prices of {} ({})", prices::PRICES_AS_OF, prices::PRICES_SOURCE);
    println!(
        "USD per million requests (consumers: per million invocations); Lambda compute from measured warm durations"
    );
    println!(
        "{:<26} {:>4} {:>5} {:>7} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7} {:>5} {:>5} {:>5} {:>7} {:>5}  why",
        "function",
        "kind",
        "n",
        "wall ms",
        "cpu ms",
        "APIGW",
        "LReq",
        "@128",
        "@256",
        "@512",
        "SQS",
        "DDB",
        "S3",
        "total",
        "rec MB"
    );
    let mut recommended = BTreeMap::new();
    for l in &lines {
        let (rec, why) = l.recommend();
        recommended.insert(l.function.clone(), rec);
        println!(
            "{:<26} {:>4} {:>5} {:>7.2} {:>6.2} {:>6.2} {:>6.2} {:>7.2} {:>7.2} {:>7.2} {:>5.2} {:>5.2} {:>5.2} {:>7.2} {:>5}  {} (manifest {} MB, peak {} MB)",
            l.function,
            l.kind,
            l.n,
            l.wall_ms,
            l.cpu_ms,
            l.front,
            1e6 * PRICES.lambda_request,
            l.compute(128),
            l.compute(256),
            l.compute(512),
            l.sqs,
            l.dynamodb,
            l.s3,
            l.per_million(rec),
            rec,
            why,
            l.memory_mb,
            l.peak_mb,
        );
    }

    println!();
    println!("monthly (30 days), at the recommended memory sizes; usage per daily active user in docs/cost-model.md");
    println!("{:>10} {:>12} {:>12} {:>12}", "DAU", "requests", "USD/month", "USD/DAU");
    for dau in [1_000.0, 100_000.0, 1_000_000.0] {
        let mut requests = 0.0;
        let mut usd = 0.0;
        for (function, per_user) in PER_DAU {
            let Some(l) = lines.iter().find(|l| l.function == *function) else { continue };
            let month = per_user * dau * 30.0;
            requests += month;
            usd += month / 1e6 * l.per_million(recommended[*function]);
        }
        usd += CONNECTION_MINUTES_PER_DAU * dau * 30.0 * PRICES.websocket_connection_minute;
        println!("{:>10} {:>12.0} {:>12.2} {:>12.4}", dau, requests, usd, usd / dau);
    }
    let missing: Vec<&str> =
        PER_DAU.iter().map(|(f, _)| *f).filter(|f| !lines.iter().any(|l| l.function == *f)).collect();
    if !missing.is_empty() {
        println!("not measured in this run (left out of the monthly figures): {missing:?}");
    }
    println!(
        "not included: Aurora, RDS Proxy, NAT, CloudFront/S3 storage and transfer, CloudWatch (docs/cost-model.md)"
    );
    Ok(())
}
