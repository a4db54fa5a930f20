#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The marketplace through the gateway, with the real payment provider sandbox
//! (`PAYMENTS_URL`, started by `make services`), Postgres, and the emulator's S3 and SQS:
//! listings, orders and their saga, signed webhooks, downloads.

use std::time::Duration;

use blackbox::{assert_problem, create_item, eventually, item_file, mails_to, TestApp, TestUser, PDF};
use reqwest::Method;
use serde_json::{json, Value};

fn sandbox() -> String {
    std::env::var("PAYMENTS_URL").expect("PAYMENTS_URL (make services starts the sandbox provider)")
}

fn secret() -> String {
    std::env::var("PAYMENT_WEBHOOK_SECRET").expect("PAYMENT_WEBHOOK_SECRET").split(',').next().unwrap().to_string()
}

async fn order(app: &TestApp, buyer: &TestUser, item: &str, key: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/orders", app.url))
        .bearer_auth(&buyer.access)
        .header("idempotency-key", key)
        .json(&json!({ "itemId": item }))
        .send()
        .await
        .unwrap()
}

async fn new_order(app: &TestApp, buyer: &TestUser, item: &str) -> Value {
    let res = order(app, buyer, item, &uuid::Uuid::new_v4().to_string()).await;
    assert_eq!(res.status(), 201);
    let o: Value = res.json().await.unwrap();
    assert_eq!(o["status"], "pending");
    o
}

async fn get_order(app: &TestApp, who: &TestUser, id: &str) -> Value {
    let res = app.get(&format!("/orders/{id}"), Some(&who.access)).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn until_status(app: &TestApp, who: &TestUser, id: &str, status: &str) -> Value {
    eventually(20, || async {
        let o = get_order(app, who, id).await;
        (o["status"] == status).then_some(o)
    })
    .await
}

/// The order's checkout URL (the payment exists at once, or within seconds).
async fn checkout_url(app: &TestApp, buyer: &TestUser, id: &str) -> String {
    eventually(20, || async {
        let o = get_order(app, buyer, id).await;
        o["payment"]["checkoutUrl"].as_str().map(str::to_string)
    })
    .await
}

/// What a person does on the checkout page: the form's POST, then the redirect to the order.
async fn pay(app: &TestApp, buyer: &TestUser, order_id: &str, outcome: &str) {
    let url = checkout_url(app, buyer, order_id).await;
    let page = app.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"name="outcome" value="succeed""#), "{page}");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("outcome={outcome}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap();
    assert!(location.ends_with(&format!("/market/orders/{order_id}")), "the web app's order page: {location}");
}

/// The sandbox's record of the payment and its events.
async fn payment(app: &TestApp, id: &str) -> Value {
    app.http.get(format!("{}/v1/payments/{id}", sandbox())).send().await.unwrap().json().await.unwrap()
}

fn event_of(payment: &Value, kind: &str) -> Value {
    payment["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"]["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {payment}"))
        .clone()
}

/// A bought, delivered order: (seller, buyer, item, order).
async fn shipped_order(app: &TestApp) -> (TestUser, TestUser, Value, Value) {
    let seller = app.register("seller").await;
    let buyer = app.register("buyer").await;
    let item = create_item(app, &seller, json!({})).await;
    let o = new_order(app, &buyer, item["id"].as_str().unwrap()).await;
    let id = o["id"].as_str().unwrap();
    pay(app, &buyer, id, "succeed").await;
    let o = until_status(app, &buyer, id, "shipped").await;
    (seller, buyer, item, o)
}

/// How the webhook recorded a provider event (`None` until it has).
async fn webhook_outcome(app: &TestApp, event: &str) -> Option<String> {
    let db = app.db().await;
    db.query_opt("SELECT outcome FROM payment_events WHERE id = $1", &[&event])
        .await
        .unwrap()
        .map(|r| r.get(0))
        .filter(|o: &String| o != "received")
}

fn statuses(order: &Value) -> Vec<String> {
    order["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn an_item_is_bought_paid_delivered_and_downloaded_with_every_step_in_its_history() {
    let app = TestApp::spawn().await;
    let (seller, buyer, item, o) = shipped_order(&app).await;
    let id = o["id"].as_str().unwrap();
    assert_eq!(o["amount"], json!({ "amount": "12.50", "currency": "EUR" }));
    assert_eq!(o["item"]["seller"]["id"], seller.id.as_str());
    assert_eq!(o["buyer"]["id"], buyer.id.as_str());
    assert_eq!(o["payment"]["provider"], "sandbox");
    assert_eq!(statuses(&o), ["pending", "paid", "shipped"]);
    assert!(o["history"].as_array().unwrap().iter().all(|h| h["at"].is_string()));
    assert_eq!(o["downloadsLeft"], 5);

    let res = app.get(&format!("/orders/{id}/download"), Some(&buyer.access)).await;
    assert_eq!(res.status(), 200);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["downloadsLeft"], 4);
    let file = app.http.get(d["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().to_vec(), PDF);
    let o = get_order(&app, &buyer, id).await;
    assert_eq!(o["status"], "completed");
    assert_eq!(statuses(&o), ["pending", "paid", "shipped", "completed"]);

    let item: Value = app.get(&format!("/items/{}", item["id"].as_str().unwrap()), None).await.json().await.unwrap();
    assert_eq!(item["salesCount"], 1);
    assert!(item.to_string().find("X-Amz").is_none(), "the file's URL is never on an item: {item}");

    // Both sides see it in their lists.
    let mine: Value = app.get("/orders?role=buyer", Some(&buyer.access)).await.json().await.unwrap();
    assert_eq!(mine["items"][0]["id"], id);
    let sold: Value = app.get("/orders?role=seller&status=completed", Some(&seller.access)).await.json().await.unwrap();
    assert_eq!(sold["items"][0]["id"], id);

    // Notifications: the seller on the sale, the buyer on payment and delivery; emails link
    // to the order, never to the file.
    for (who, n) in [(&seller, 1), (&buyer, 2)] {
        eventually(20, || async {
            let list: Value = app.get("/notifications", Some(&who.access)).await.json().await.unwrap();
            let orders = list["items"].as_array().unwrap().iter().filter(|i| i["type"] == "order").count();
            (orders >= n).then_some(())
        })
        .await;
    }
    let mails = eventually(20, || async {
        let mails = mails_to(&buyer.email);
        (mails.len() >= 2).then_some(mails)
    })
    .await;
    for mail in &mails {
        // Quoted-printable: undo its soft line breaks.
        let mail = mail.replace("=\r\n", "").replace("=\n", "");
        assert!(mail.contains(&format!("/orders/{id}")), "{mail}");
        assert!(!mail.contains("X-Amz") && !mail.contains("uploads/"), "{mail}");
    }
}

#[tokio::test]
async fn a_webhook_delivered_twice_changes_the_order_once() {
    let app = TestApp::spawn().await;
    let (_, buyer, item, o) = shipped_order(&app).await;
    let id = o["id"].as_str().unwrap();
    let pid = o["payment"]["id"].as_str().unwrap();
    let succeeded = event_of(&payment(&app, pid).await, "payment.succeeded");
    let eid = succeeded["event"]["id"].as_str().unwrap();
    let res = app.http.post(format!("{}/test/events/{eid}/redeliver", sandbox())).send().await.unwrap();
    assert_eq!(res.status(), 202);
    // The positive signal: the sandbox saw the webhook answer the second delivery 200.
    eventually(20, || async {
        let e: Value =
            app.http.get(format!("{}/test/events/{eid}", sandbox())).send().await.unwrap().json().await.unwrap();
        (e["attempts"].as_u64() >= Some(2) && e["lastStatus"] == 200).then_some(())
    })
    .await;
    let after = get_order(&app, &buyer, id).await;
    assert_eq!(statuses(&after), ["pending", "paid", "shipped"]);
    let item: Value = app.get(&format!("/items/{}", item["id"].as_str().unwrap()), None).await.json().await.unwrap();
    assert_eq!(item["salesCount"], 1);
}

#[tokio::test]
async fn a_failure_after_the_success_does_not_cancel_a_paid_order() {
    let app = TestApp::spawn().await;
    let (_, buyer, _, o) = shipped_order(&app).await;
    let id = o["id"].as_str().unwrap();
    let pid = o["payment"]["id"].as_str().unwrap();
    for kind in ["payment.failed", "payment.expired"] {
        let res = app
            .http
            .post(format!("{}/test/payments/{pid}/events", sandbox()))
            .json(&json!({ "type": kind }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        let eid = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let outcome = eventually(20, || webhook_outcome(&app, &eid)).await;
        assert!(outcome.starts_with("ignored"), "{outcome}");
    }
    let after = get_order(&app, &buyer, id).await;
    assert_eq!(after["status"], "shipped");
    assert_eq!(statuses(&after), ["pending", "paid", "shipped"]);
}

#[tokio::test]
async fn bad_signatures_and_stale_timestamps_are_400_and_change_nothing() {
    let app = TestApp::spawn().await;
    let seller = app.register("seller").await;
    let buyer = app.register("buyer").await;
    let item = create_item(&app, &seller, json!({})).await;
    let o = new_order(&app, &buyer, item["id"].as_str().unwrap()).await;
    let id = o["id"].as_str().unwrap();
    let pid = o["payment"]["id"].as_str().expect("the payment is created with the order").to_string();
    let body = json!({
        "id": format!("evt_test_{}", uuid::Uuid::new_v4().simple()),
        "type": "payment.succeeded",
        "created": chrono::Utc::now().timestamp(),
        "data": { "paymentId": pid, "orderId": id, "amount": { "amount": "12.50", "currency": "EUR" } },
    })
    .to_string();
    let send = |header: String| {
        app.http
            .post(format!("{}/payments/webhook", app.url))
            .header("content-type", "application/json")
            .header("payment-signature", header)
            .body(body.clone())
            .send()
    };
    let now = chrono::Utc::now().timestamp();
    let cases = [
        market::signature::header(&["whsec_not_ours"], now, body.as_bytes()),
        market::signature::header(&[&secret()], now - 301, body.as_bytes()),
        market::signature::header(&[&secret()], now, b"another body"),
        String::new(),
    ];
    for header in cases {
        assert_problem(send(header).await.unwrap(), 400, "invalid_signature", Some("Payment-Signature")).await;
    }
    assert_eq!(get_order(&app, &buyer, id).await["status"], "pending");
    let db = app.db().await;
    let stored: i64 = db.query_one("SELECT count(*) FROM payment_events", &[]).await.unwrap().get(0);
    assert_eq!(stored, 0);
    // The same body, signed right (with a rotated-out secret beside it), is applied.
    let res = send(market::signature::header(&["whsec_old", &secret()], now, body.as_bytes())).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["outcome"], "paid");
}

#[tokio::test]
async fn concurrent_orders_with_one_key_make_one_order() {
    let app = TestApp::spawn().await;
    let seller = app.register("seller").await;
    let buyer = app.register("buyer").await;
    let item = create_item(&app, &seller, json!({ "copies": 3 })).await;
    let item_id = item["id"].as_str().unwrap();
    let key = uuid::Uuid::new_v4().to_string();
    let answers = futures::future::join_all((0..5).map(|_| order(&app, &buyer, item_id, &key))).await;
    let mut ids = Vec::new();
    for res in answers {
        assert_eq!(res.status(), 201);
        ids.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let db = app.db().await;
    let n: i64 = db.query_one("SELECT count(*) FROM orders", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
    let item: Value = app.get(&format!("/items/{item_id}"), None).await.json().await.unwrap();
    assert_eq!(item["copiesLeft"], 2, "one copy reserved, not five");

    // The key with another body; no key; a second order of the same item.
    let other = create_item(&app, &seller, json!({})).await;
    assert_problem(order(&app, &buyer, other["id"].as_str().unwrap(), &key).await, 422, "idempotency_key_reused", None)
        .await;
    let res = app.post("/orders", Some(&buyer.access), json!({ "itemId": item_id })).await;
    assert_problem(res, 400, "idempotency_key_required", None).await;
    assert_problem(order(&app, &buyer, item_id, "another-key").await, 409, "already_purchased", None).await;
    assert_problem(order(&app, &seller, item_id, "k").await, 422, "cannot_buy_own_item", None).await;
}

#[tokio::test]
async fn two_buyers_racing_for_the_last_copy_one_wins() {
    let app = TestApp::spawn().await;
    let seller = app.register("seller").await;
    let (a, b) = (app.register("buyer_a").await, app.register("buyer_b").await);
    let item = create_item(&app, &seller, json!({ "copies": 1 })).await;
    let item_id = item["id"].as_str().unwrap();
    let (ra, rb) = tokio::join!(order(&app, &a, item_id, "k1"), order(&app, &b, item_id, "k2"));
    let mut codes = vec![ra.status().as_u16(), rb.status().as_u16()];
    codes.sort();
    assert_eq!(codes, [201, 409]);
    let loser = if ra.status() == 409 { ra } else { rb };
    assert_problem(loser, 409, "item_not_available", None).await;
    // Sold out, still listed.
    let list: Value = app.get(&format!("/items?seller={}", seller.id), None).await.json().await.unwrap();
    assert_eq!(list["items"][0]["copiesLeft"], 0);
}

#[tokio::test]
async fn an_expired_payment_cancels_the_order_and_releases_the_copy() {
    let app = TestApp::spawn().await;
    let seller = app.register("seller").await;
    let (a, b) = (app.register("buyer_a").await, app.register("buyer_b").await);
    let item = create_item(&app, &seller, json!({ "copies": 1 })).await;
    let item_id = item["id"].as_str().unwrap();
    let o = new_order(&app, &a, item_id).await;
    let id = o["id"].as_str().unwrap();
    assert_problem(order(&app, &b, item_id, "k").await, 409, "item_not_available", None).await;
    pay(&app, &a, id, "expire").await;
    let o = until_status(&app, &a, id, "cancelled").await;
    assert_eq!(o["history"][1]["reason"], "the payment expired");
    let item: Value = app.get(&format!("/items/{item_id}"), None).await.json().await.unwrap();
    assert_eq!(item["copiesLeft"], 1);
    assert_eq!(order(&app, &b, item_id, "k").await.status(), 201);
    assert_problem(app.get(&format!("/orders/{id}/download"), Some(&a.access)).await, 409, "order_not_paid", None)
        .await;
}

#[tokio::test]
async fn a_buyer_cancels_a_pending_order_once() {
    let app = TestApp::spawn().await;
    let seller = app.register("seller").await;
    let buyer = app.register("buyer").await;
    let item = create_item(&app, &seller, json!({ "copies": 2 })).await;
    let o = new_order(&app, &buyer, item["id"].as_str().unwrap()).await;
    let id = o["id"].as_str().unwrap();
    assert_problem(
        app.post(&format!("/orders/{id}/cancel"), Some(&seller.access), json!({})).await,
        403,
        "not_buyer",
        None,
    )
    .await;
    let res = app.post(&format!("/orders/{id}/cancel"), Some(&buyer.access), json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
    let item: Value = app.get(&format!("/items/{}", item["id"].as_str().unwrap()), None).await.json().await.unwrap();
    assert_eq!(item["copiesLeft"], 2);
    assert_problem(
        app.post(&format!("/orders/{id}/cancel"), Some(&buyer.access), json!({})).await,
        409,
        "invalid_transition",
        None,
    )
    .await;
}

#[tokio::test]
async fn a_payment_after_the_order_expired_is_refunded() {
    let app = TestApp::spawn_with(|c| c.market.order_payment_ttl = Duration::ZERO).await;
    let seller = app.register("seller").await;
    let buyer = app.register("buyer").await;
    let item = create_item(&app, &seller, json!({ "copies": 1 })).await;
    let item_id = item["id"].as_str().unwrap();
    let o = new_order(&app, &buyer, item_id).await;
    let id = o["id"].as_str().unwrap();
    checkout_url(&app, &buyer, id).await;
    app.gateway.gateway.run_scheduled("market-expire-orders").await.unwrap();
    let o = get_order(&app, &buyer, id).await;
    assert_eq!(o["status"], "cancelled");
    let item_now: Value = app.get(&format!("/items/{item_id}"), None).await.json().await.unwrap();
    assert_eq!(item_now["copiesLeft"], 1, "the copy is back");

    pay(&app, &buyer, id, "succeed").await;
    let o = until_status(&app, &buyer, id, "refunded").await;
    assert_eq!(statuses(&o), ["pending", "cancelled", "cancelled", "refunded"]);
    assert!(o["history"][2]["reason"].as_str().unwrap().contains("refunded"), "{o}");
    let p = payment(&app, o["payment"]["id"].as_str().unwrap()).await;
    assert_eq!(p["payment"]["status"], "refunded");
    assert_problem(app.get(&format!("/orders/{id}/download"), Some(&buyer.access)).await, 409, "order_not_paid", None)
        .await;
}

#[tokio::test]
async fn downloads_are_limited_and_their_links_expire() {
    let app = TestApp::spawn_with(|c| {
        c.market.download_limit = 2;
        c.market.download_url_ttl = Duration::from_secs(1);
    })
    .await;
    let (_, buyer, _, o) = shipped_order(&app).await;
    let id = o["id"].as_str().unwrap();
    assert_eq!(o["downloadsLeft"], 2);
    let mut links = Vec::new();
    for left in [1, 0] {
        let res = app.get(&format!("/orders/{id}/download"), Some(&buyer.access)).await;
        assert_eq!(res.status(), 200);
        let d: Value = res.json().await.unwrap();
        assert_eq!(d["downloadsLeft"], left);
        let expires: chrono::DateTime<chrono::Utc> = d["expiresAt"].as_str().unwrap().parse().unwrap();
        assert!(expires <= chrono::Utc::now() + chrono::Duration::seconds(2), "{d}");
        links.push(d["url"].as_str().unwrap().to_string());
    }
    // The link is signed to expire after DOWNLOAD_URL_TTL (S3 refuses it afterwards; the
    // emulator does not check expiry, so the signed lifetime is what is asserted here).
    for link in &links {
        let expires = link.split(['?', '&']).find_map(|p| p.strip_prefix("X-Amz-Expires="));
        assert_eq!(expires, Some("1"), "{link}");
        assert!(link.contains("response-content-disposition=attachment"), "{link}");
    }
    assert!(links[0].starts_with(&app.url), "the browser downloads through the gateway's origin: {}", links[0]);
    let file = app.http.get(&links[0]).send().await.unwrap();
    let saved_as = file.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(saved_as.starts_with("attachment; filename="), "{saved_as}");
    assert_eq!(file.bytes().await.unwrap().to_vec(), PDF);
    assert_problem(
        app.get(&format!("/orders/{id}/download"), Some(&buyer.access)).await,
        409,
        "download_limit_reached",
        None,
    )
    .await;
}

#[tokio::test]
async fn a_refund_ends_the_buyers_access() {
    let app = TestApp::spawn().await;
    let (seller, buyer, _, o) = shipped_order(&app).await;
    let id = o["id"].as_str().unwrap();
    assert_problem(
        app.post(&format!("/orders/{id}/refund"), Some(&buyer.access), json!({})).await,
        403,
        "not_seller",
        None,
    )
    .await;
    let res = app.post(&format!("/orders/{id}/refund"), Some(&seller.access), json!({ "reason": "wrong file" })).await;
    assert_eq!(res.status(), 200);
    assert_problem(app.get(&format!("/orders/{id}/download"), Some(&buyer.access)).await, 409, "order_not_paid", None)
        .await;
    let o = until_status(&app, &seller, id, "refunded").await;
    assert_eq!(statuses(&o), ["pending", "paid", "shipped", "shipped", "refunded"]);
    assert_eq!(o["history"][3]["reason"], "refund requested by the seller: wrong file");
    assert_problem(
        app.post(&format!("/orders/{id}/refund"), Some(&seller.access), json!({})).await,
        409,
        "invalid_transition",
        None,
    )
    .await;
}

#[tokio::test]
async fn other_peoples_orders_downloads_and_private_files_are_404() {
    let app = TestApp::spawn().await;
    let (seller, _, item, o) = shipped_order(&app).await;
    let stranger = app.register("stranger").await;
    let id = o["id"].as_str().unwrap();
    for path in [format!("/orders/{id}"), format!("/orders/{id}/download")] {
        assert_problem(app.get(&path, Some(&stranger.access)).await, 404, "order_not_found", None).await;
    }
    // The seller sees the order but cannot download it.
    assert_eq!(get_order(&app, &seller, id).await["id"], id);
    assert_problem(
        app.get(&format!("/orders/{id}/download"), Some(&seller.access)).await,
        404,
        "order_not_found",
        None,
    )
    .await;
    // The seller's item file: 404 to anyone else, and never a CDN or public URL.
    let file = item_file(&app, &seller).await;
    for token in [Some(stranger.access.as_str()), None] {
        assert_problem(app.get(&format!("/media/{file}"), token).await, 404, "media_not_found", None).await;
    }
    let mine: Value = app.get(&format!("/media/{file}"), Some(&seller.access)).await.json().await.unwrap();
    assert!(mine["url"].as_str().unwrap().contains("X-Amz-Signature"), "{mine}");
    assert!(mine["thumbnailUrl"].is_null());
    let list: Value = app.get("/orders", Some(&stranger.access)).await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
    let _ = item;
}

#[tokio::test]
async fn items_are_checked_listed_filtered_and_archived() {
    let app = TestApp::spawn().await;
    let seller = app.register("seller").await;
    let other = app.register("other").await;
    let file = item_file(&app, &seller).await;
    let post = |body: Value| app.post("/items", Some(&seller.access), body);
    let base = json!({ "title": "Ebook", "price": { "amount": "5", "currency": "EUR" }, "fileMediaId": file });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    assert_problem(post(with("title", json!(" "))).await, 422, "invalid_field", Some("title")).await;
    assert_problem(post(with("title", json!("x".repeat(121)))).await, 422, "invalid_field", Some("title")).await;
    assert_problem(post(with("description", json!("x".repeat(5001)))).await, 422, "invalid_field", Some("description"))
        .await;
    for amount in ["0", "1.001", "1000000.01", "12,50", "-1"] {
        let res = post(with("price", json!({ "amount": amount, "currency": "EUR" }))).await;
        assert_problem(res, 422, "invalid_field", Some("price.amount")).await;
    }
    assert_problem(
        post(with("price", json!({ "amount": "1", "currency": "JPY" }))).await,
        422,
        "invalid_field",
        Some("price.currency"),
    )
    .await;
    assert_problem(post(with("copies", json!(-1))).await, 422, "invalid_field", Some("copies")).await;
    assert_problem(post(with("status", json!("archived"))).await, 422, "invalid_field", Some("status")).await;
    // Someone else's file, or a post upload, is not an item file of yours.
    let res = app.post("/items", Some(&other.access), base.clone()).await;
    assert_problem(res, 422, "invalid_field", Some("fileMediaId")).await;

    let cheap =
        post(with("price", json!({ "amount": "1.99", "currency": "EUR" }))).await.json::<Value>().await.unwrap();
    assert_eq!(cheap["price"], json!({ "amount": "1.99", "currency": "EUR" }));
    assert_eq!(cheap["status"], "active");
    assert!(cheap["copiesLeft"].is_null());
    assert_eq!(cheap["fileName"], "ebook.pdf");
    assert_eq!(cheap["fileSize"], PDF.len());
    let dear = post(with("price", json!({ "amount": "25", "currency": "EUR" }))).await.json::<Value>().await.unwrap();
    let usd = post(with("price", json!({ "amount": "10", "currency": "USD" }))).await.json::<Value>().await.unwrap();
    let draft = post(with("status", json!("draft"))).await.json::<Value>().await.unwrap();

    let ids = |v: &Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
    };
    let s = &seller.id;
    let list: Value = app.get(&format!("/items?seller={s}&sort=price_asc"), None).await.json().await.unwrap();
    assert_eq!(ids(&list), [&cheap["id"], &usd["id"], &dear["id"]].map(|v| v.as_str().unwrap().to_string()));
    let list: Value = app.get(&format!("/items?seller={s}&sort=price_desc&limit=2"), None).await.json().await.unwrap();
    assert_eq!(ids(&list), [&dear["id"], &usd["id"]].map(|v| v.as_str().unwrap().to_string()));
    let next = list["nextCursor"].as_str().unwrap();
    let rest: Value =
        app.get(&format!("/items?seller={s}&sort=price_desc&limit=2&cursor={next}"), None).await.json().await.unwrap();
    assert_eq!(ids(&rest), [cheap["id"].as_str().unwrap().to_string()]);
    let list: Value =
        app.get(&format!("/items?seller={s}&minPrice=1.99&maxPrice=10&currency=EUR"), None).await.json().await.unwrap();
    assert_eq!(ids(&list), [cheap["id"].as_str().unwrap().to_string()]);
    let res = app.get("/items?minPrice=abc", None).await;
    assert_problem(res, 400, "invalid_price", Some("minPrice")).await;

    // A draft: the seller's alone, and not for sale.
    let draft_id = draft["id"].as_str().unwrap();
    assert_problem(app.get(&format!("/items/{draft_id}"), Some(&other.access)).await, 404, "item_not_found", None)
        .await;
    assert_eq!(app.get(&format!("/items/{draft_id}"), Some(&seller.access)).await.status(), 200);
    assert_problem(order(&app, &other, draft_id, "k").await, 409, "item_not_available", None).await;

    // Edits are the seller's; archiving ends the sale.
    let cheap_id = cheap["id"].as_str().unwrap();
    let path = format!("/items/{cheap_id}");
    let patch = |who: &TestUser, body: Value| {
        let (app, path, token) = (&app, path.clone(), who.access.clone());
        async move { app.request(Method::PATCH, &path, Some(&token), Some(body)).await }
    };
    assert_problem(patch(&other, json!({ "title": "Mine" })).await, 403, "not_seller", None).await;
    let res = patch(
        &seller,
        json!({ "title": "Ebook, 2nd ed.", "copies": 10, "price": { "amount": "2.50", "currency": "GBP" } }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert_eq!((edited["title"].as_str(), edited["copiesLeft"].as_i64()), (Some("Ebook, 2nd ed."), Some(10)));
    assert_eq!(edited["price"], json!({ "amount": "2.50", "currency": "GBP" }));
    let res = app.request(Method::DELETE, &format!("/items/{cheap_id}"), Some(&other.access), None).await;
    assert_problem(res, 403, "not_seller", None).await;
    let res = app.request(Method::DELETE, &format!("/items/{cheap_id}"), Some(&seller.access), None).await;
    assert_eq!(res.status(), 204);
    assert_problem(patch(&seller, json!({ "title": "Back" })).await, 409, "item_archived", None).await;
    assert_problem(app.get(&format!("/items/{cheap_id}"), None).await, 404, "item_not_found", None).await;
    assert_problem(order(&app, &other, cheap_id, "k2").await, 409, "item_not_available", None).await;
}

/// A request that holds its connection must not wait for a second one from the same pool to
/// publish its events: with two connections, concurrent webhooks would each hold one and wait
/// for the other until they timed out.
#[tokio::test]
async fn concurrent_webhooks_on_a_two_connection_pool_all_answer() {
    let app = TestApp::spawn_with(|c| c.platform.pool_size = 2).await;
    let seller = app.register("seller").await;
    let item = create_item(&app, &seller, json!({})).await;
    let item = item["id"].as_str().unwrap();
    let mut orders = Vec::new();
    for _ in 0..6 {
        let buyer = app.register("buyer").await;
        let o = new_order(&app, &buyer, item).await;
        let id = o["id"].as_str().unwrap().to_string();
        checkout_url(&app, &buyer, &id).await;
        orders.push((buyer, get_order(&app, &seller, &id).await));
    }
    let secret = secret();
    let answers =
        futures::future::join_all(orders.iter().map(|(_, o)| blackbox::post_payment_succeeded(&app, &secret, o))).await;
    for answer in answers {
        assert_eq!(answer.status(), 200);
    }
    for (buyer, o) in &orders {
        until_status(&app, buyer, o["id"].as_str().unwrap(), "shipped").await;
    }
}
