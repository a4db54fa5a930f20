#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! What the local gateway itself promises: routing by the manifest, problem+json for
//! unknown routes, CORS, request ids, health, and the published documents.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use blackbox::{assert_problem, eventually, TestApp};
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/no/such/route", None).await, 404, "route_not_found", None).await;
    let res = app.request(Method::DELETE, "/auth/refresh", None, None).await;
    assert_eq!(res.headers()["allow"], "POST");
    assert_problem(res, 405, "method_not_allowed", None).await;
}

#[tokio::test]
async fn every_response_has_a_request_id_and_health_answers() {
    let app = TestApp::spawn().await;
    let res = app.get("/health", None).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let res = app.get(&format!("/users/{}", uuid::Uuid::new_v4()), None).await;
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["requestId"], id, "the problem quotes the request id");
}

#[tokio::test]
async fn cors_lets_the_frontend_origin_in() {
    let app = TestApp::spawn().await;
    let res = app
        .http
        .request(Method::OPTIONS, format!("{}/users/login", app.url))
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type, authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["access-control-allow-origin"], "http://localhost:5173");
    assert!(res.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    let res =
        app.http.get(format!("{}/health", app.url)).header("origin", "https://evil.example").send().await.unwrap();
    assert!(!res.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn jwks_and_openapi_are_published() {
    let app = TestApp::spawn().await;
    let jwks: Value = app.get("/.well-known/jwks.json", None).await.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!((key["kty"].as_str(), key["alg"].as_str()), (Some("RSA"), Some("RS256")));
    assert!(key["kid"].is_string() && key["n"].is_string() && key["e"].is_string());

    let u = app.register("olga").await;
    let header = u.access.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["kid"], key["kid"]);

    let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/users/follow"]["post"].is_object());
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn().await;
    app.get(&format!("/users/{}", uuid::Uuid::new_v4()), None).await;
    let res = app.get("/metrics", None).await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(text.contains("cs_http_requests_total{route=\"GET /users/{userId}\",status=\"404\"} 1"), "{text}");
    assert!(text.contains("# TYPE cs_queue_dlq_depth gauge"), "{text}");
}

#[tokio::test]
async fn the_issuer_publishes_where_its_keys_are() {
    let app = TestApp::spawn().await;
    let res = app.get("/.well-known/openid-configuration", None).await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    let manifest = cs_manifest::Manifest::load().unwrap();
    assert_eq!(doc["issuer"], manifest.http.jwt_issuer);
    let jwks_uri = doc["jwks_uri"].as_str().unwrap();
    assert_eq!(jwks_uri, format!("{}/.well-known/jwks.json", app.url));
    let keys: Value = reqwest::get(jwks_uri).await.unwrap().json().await.unwrap();
    assert_eq!(keys["keys"][0]["alg"], "RS256");
}

#[tokio::test]
async fn db_migrate_builds_an_empty_database_once() {
    use cs_platform::Service;
    cs_db::testing::load_local_env();
    let url = cs_db::testing::fresh_database(&[]).await.unwrap();
    let mut settings = cs_platform::Settings::from_env().unwrap();
    settings.database_url = url;
    let app =
        std::sync::Arc::new(<migrate::App as Service>::new(&cs_platform::Platform::new(settings).await, ()).unwrap());
    let first = migrate::run(app.clone()).await.unwrap();
    assert_eq!(first["applied"].as_array().unwrap().len(), migrate::migrations().len(), "{first}");
    let again = migrate::run(app).await.unwrap();
    assert!(again["applied"].as_array().unwrap().is_empty(), "{again}");
}

/// `make dev`'s demo data: users, posts, likes, comments and items for sale, made once.
#[tokio::test]
async fn the_demo_data_is_made_once() {
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        local_gateway::seed::demo(&app.db_url).await.unwrap();
        local_gateway::seed::demo_content(&app.url).await.unwrap();
    }
    let posts: Value = app.get("/timeline/public?limit=50", None).await.json().await.unwrap();
    let posts = posts["items"].as_array().unwrap();
    assert_eq!(posts.len(), 4, "{posts:?}");
    assert_eq!(posts.iter().map(|p| p["likeCount"].as_i64().unwrap()).sum::<i64>(), 3);
    assert_eq!(posts.iter().map(|p| p["commentCount"].as_i64().unwrap()).sum::<i64>(), 3);
    let items: Value = app.get("/items", None).await.json().await.unwrap();
    let items = items["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(items.iter().all(|i| i["status"] == "active" && i["fileName"].is_string()), "{items:?}");
    // The demo people are searchable: their `user.created` events, sent by the sweep, reach
    // the search index (once each, however often the seed ran).
    let people = eventually(40, || async {
        app.gateway.gateway.run_scheduled("outbox-sweep").await.ok()?;
        let found: Value = app.get("/search?type=users&q=alice", None).await.json().await.unwrap();
        Some(found).filter(|f| f["total"] == 1)
    })
    .await;
    assert_eq!(people["items"][0]["username"], "alice");
    let events: i64 = app
        .db()
        .await
        .query_one("SELECT count(*) FROM outbox WHERE event_type = 'user.created'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(events, 3);
}

#[tokio::test]
async fn a_function_made_to_fail_answers_500_counted_as_its_5xx_until_the_fault_is_lifted() {
    let app = TestApp::spawn().await;
    let path = format!("/users/{}", uuid::Uuid::new_v4());
    assert_eq!(app.get(&path, None).await.status(), 404);
    let res = app.request(Method::PUT, "/__local/faults/user-get", None, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["failing"], serde_json::json!(["user-get"]));
    let res = app.get(&path, None).await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.json::<Value>().await.unwrap()["message"], "Internal Server Error");
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("cs_http_requests_total{route=\"GET /users/{userId}\",status=\"500\"} 1"), "{metrics}");
    assert!(
        metrics
            .contains("cs_lambda_invocations_total{function=\"user-get\",status_class=\"5xx\",cold_start=\"false\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("cs_database_up 1"), "{metrics}");
    assert!(
        metrics.contains("cs_http_request_duration_seconds_bucket{route=\"GET /users/{userId}\",le=\"+Inf\"} 2"),
        "{metrics}"
    );

    assert_eq!(app.request(Method::DELETE, "/__local/faults/user-get", None, None).await.status(), 200);
    assert_eq!(app.get(&path, None).await.status(), 404);
    let res = app.request(Method::PUT, "/__local/faults/no-such-function", None, None).await;
    assert_problem(res, 404, "function_not_found", Some("function")).await;
}

/// The built web app at `/`: files by path (hashed assets cached, gzipped on request), the
/// app's page for a browser's page request on any other path, and never HTML for an API
/// client or a missing asset. The directory is read per request, so a build after start counts.
#[tokio::test]
async fn the_web_app_is_served_to_browsers_and_api_clients_keep_their_404s() {
    let dist = std::env::temp_dir().join(format!("dist-{}", uuid::Uuid::new_v4()));
    let app = TestApp::spawn_with(|c| c.frontend_dir = Some(dist.clone())).await;
    let html = "text/html,application/xhtml+xml,*/*;q=0.8";
    let page = |path: &str, accept: &str| app.http.get(format!("{}{path}", app.url)).header("accept", accept).send();
    // Not built yet: a page request is the usual 404 problem.
    assert_problem(page("/market", html).await.unwrap(), 404, "route_not_found", None).await;
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>ConnectSphere</title>").unwrap();
    let script = "console.log('ConnectSphere');\n".repeat(100);
    std::fs::write(dist.join("assets/index-abc123.js"), &script).unwrap();

    for path in ["/", "/market/orders/123", "/u/alice"] {
        let res = page(path, html).await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(res.headers()["cache-control"], "no-cache");
        assert!(res.text().await.unwrap().contains("<title>ConnectSphere"));
    }
    assert_problem(page("/market", "application/json").await.unwrap(), 404, "route_not_found", None).await;
    assert_problem(page("/assets/missing-1.js", html).await.unwrap(), 404, "route_not_found", None).await;

    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let res =
        raw.get(format!("{}/assets/index-abc123.js", app.url)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let gz = res.bytes().await.unwrap();
    assert!(gz.len() < script.len() / 4, "{} of {} bytes", gz.len(), script.len());
    let mut plain = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
    assert_eq!(plain, script);
    std::fs::remove_dir_all(&dist).unwrap();
}

#[tokio::test]
async fn a_backed_up_queue_is_polled_by_more_batches_at_once_and_a_quiet_one_by_one() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.register("nia").await, app.register("oto").await);
    let pollers = || async {
        let text = app.get("/metrics", None).await.text().await.unwrap();
        text.lines()
            .find(|l| l.starts_with("cs_queue_pollers{queue=\"notifications\"} "))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
    };
    eventually(20, || async { pollers().await.filter(|n| *n == 1.0) }).await;

    // 200 follow events at once back the queue up.
    let queues = app.queues().await;
    let url = queues.url("notifications").await.unwrap();
    let event =
        cs_events::DomainEvent::Followed { follower_id: a.id.parse().unwrap(), following_id: b.id.parse().unwrap() };
    for batch in 0..20 {
        let entries = (0..10)
            .map(|i| {
                let body = serde_json::to_string(&event.clone().into_event()).unwrap();
                aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                    .id(format!("m{batch}-{i}"))
                    .message_body(body)
                    .build()
                    .unwrap()
            })
            .collect::<Vec<_>>();
        queues.client().send_message_batch().queue_url(&url).set_entries(Some(entries)).send().await.unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut most = 0.0_f64;
    while most <= 1.0 {
        assert!(std::time::Instant::now() < deadline, "no second poller while 200 messages waited");
        most = most.max(pollers().await.unwrap_or(0.0));
    }
    app.processed("notify", 200).await;
    // Drained, the extra pollers stop at their first empty receive: one is left.
    eventually(30, || async { pollers().await.filter(|n| *n == 1.0) }).await;
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(most <= 5.0, "more pollers than QUEUE_POLLERS: {most}\n{text}");
}
