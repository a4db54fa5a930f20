#![allow(clippy::expect_used, clippy::unwrap_used)]
//! `make bench` (market): orders created per second through the gateway (POST /orders, which
//! also creates the payment at the sandbox provider) and webhook events processed per second
//! (signed `payment.succeeded` posted to /payments/webhook), each beside bare SQL inserts of
//! the same rows in the same run; and the time from `payment.succeeded` to `shipped` (outbox
//! → the emulator's SQS → market-fulfil), p50 and p99, from the order's history.

use std::time::{Duration, Instant};

use blackbox::{Latencies, TestApp};
use futures::{stream, StreamExt};
use serde_json::{json, Value};
use uuid::Uuid;

const ORDERS: usize = 200;
const CONCURRENCY: usize = 8;

fn rate(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let app = TestApp::spawn().await;
    let secret = std::env::var("PAYMENT_WEBHOOK_SECRET")?.split(',').next().unwrap_or_default().to_string();
    let seller = app.register("seller").await;
    let buyer = app.register("buyer").await;
    let baseline_buyer = app.register("sqlbuyer").await;
    let db = app.db().await;
    db.execute(
        "INSERT INTO items (id, seller_id, title, price, currency, status, file_media_id, file_key, file_name, file_size)
         SELECT gen_random_uuid(), $1, 'Bench item ' || g, 5, 'EUR', 'active', gen_random_uuid(), 'uploads/bench',
                'bench.pdf', 10
           FROM generate_series(1, $2::int) g",
        &[&Uuid::parse_str(&seller.id)?, &(ORDERS as i32)],
    )
    .await?;
    let items: Vec<Uuid> = db.query("SELECT id FROM items ORDER BY id", &[]).await?.iter().map(|r| r.get(0)).collect();
    println!("market benchmark: {ORDERS} orders, {CONCURRENCY} at a time (payments at the sandbox provider)\n");

    // 1. POST /orders through the gateway.
    let started = Instant::now();
    let orders: Vec<Value> = stream::iter(items.iter().copied())
        .map(|item| {
            let (app, token) = (&app, buyer.access.clone());
            async move {
                let res = app
                    .http
                    .post(format!("{}/orders", app.url))
                    .bearer_auth(token)
                    .header("idempotency-key", item.to_string())
                    .json(&json!({ "itemId": item }))
                    .send()
                    .await
                    .expect("order");
                assert_eq!(res.status(), 201);
                res.json::<Value>().await.expect("json")
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let orders_elapsed = started.elapsed();

    // 1b. The same rows by bare SQL: order, history entry, outbox row, one transaction each.
    let pool = cs_db::connect(&app.db_url, CONCURRENCY)?;
    let bbuyer = Uuid::parse_str(&baseline_buyer.id)?;
    let seller_id = Uuid::parse_str(&seller.id)?;
    let started = Instant::now();
    stream::iter(items.iter().copied())
        .map(|item| {
            let pool = pool.clone();
            async move {
                let mut client = pool.get().await.expect("db");
                let tx = client.transaction().await.expect("tx");
                let id = Uuid::now_v7();
                tx.execute(
                    "INSERT INTO orders (id, item_id, buyer_id, seller_id, amount, currency, status, copy_reserved,
                                         payment_expires_at, downloads_left, idempotency_key)
                     VALUES ($1, $2, $3, $4, 5, 'EUR', 'pending', false, now() + interval '30 minutes', 5, $5)",
                    &[&id, &item, &bbuyer, &seller_id, &item.to_string()],
                )
                .await
                .expect("order");
                tx.execute(
                    "INSERT INTO order_history (order_id, status, reason) VALUES ($1, 'pending', 'ordered')",
                    &[&id],
                )
                .await
                .expect("history");
                tx.execute(
                    "INSERT INTO outbox (event_id, event_type, queue, body) VALUES ($1, 'bench', 'bench', '{}')",
                    &[&Uuid::now_v7()],
                )
                .await
                .expect("outbox");
                tx.commit().await.expect("commit");
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    let sql_orders_elapsed = started.elapsed();

    // 2. Signed payment.succeeded events to the webhook.
    let started = Instant::now();
    stream::iter(orders.iter())
        .map(|o| {
            let (app, secret) = (&app, secret.clone());
            async move {
                let res = blackbox::post_payment_succeeded(app, &secret, o).await;
                assert_eq!(res.status(), 200);
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    let webhook_elapsed = started.elapsed();

    // 2b. The same rows by bare SQL: event row, order update, history entry, two outbox rows.
    let baseline: Vec<Uuid> =
        db.query("SELECT id FROM orders WHERE buyer_id = $1", &[&bbuyer]).await?.iter().map(|r| r.get(0)).collect();
    let started = Instant::now();
    stream::iter(baseline.iter().copied())
        .map(|id| {
            let pool = pool.clone();
            async move {
                let mut client = pool.get().await.expect("db");
                let tx = client.transaction().await.expect("tx");
                tx.execute(
                    "INSERT INTO payment_events (id, type, order_id, payment_id, outcome) VALUES ($1, 'payment.succeeded', $2, 'p', 'paid')",
                    &[&format!("evt_sql_{id}"), &id],
                )
                .await
                .expect("event");
                tx.execute("UPDATE orders SET status = 'paid', updated_at = now() WHERE id = $1", &[&id]).await.expect("order");
                tx.execute("INSERT INTO order_history (order_id, status) VALUES ($1, 'paid')", &[&id]).await.expect("history");
                for _ in 0..2 {
                    tx.execute(
                        "INSERT INTO outbox (event_id, event_type, queue, body) VALUES ($1, 'bench', 'bench', '{}')",
                        &[&Uuid::now_v7()],
                    )
                    .await
                    .expect("outbox");
                }
                tx.commit().await.expect("commit");
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    let sql_webhook_elapsed = started.elapsed();

    // 3. payment.succeeded → shipped, from the history's times, once every order is shipped.
    let deadline = Instant::now() + Duration::from_secs(300);
    let buyer_id = Uuid::parse_str(&buyer.id)?;
    loop {
        let row = db
            .query_one("SELECT count(*) FROM orders WHERE buyer_id = $1 AND status = 'shipped'", &[&buyer_id])
            .await?;
        if row.get::<_, i64>(0) as usize >= ORDERS || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let lags: Vec<f64> = db
        .query(
            "SELECT extract(epoch FROM s.at - p.at)::float8 * 1000 FROM order_history p
               JOIN order_history s ON s.order_id = p.order_id AND s.status = 'shipped'
               JOIN orders o ON o.id = p.order_id
              WHERE p.status = 'paid' AND o.buyer_id = $1",
            &[&buyer_id],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let lag = Latencies::from_ms(lags, Duration::from_secs(1));

    println!("| what | per second | beside bare SQL |");
    println!("| --- | --- | --- |");
    println!(
        "| POST /orders (gateway, payment created at the sandbox) | {:.0} | {:.0} (order + history + outbox rows) |",
        rate(ORDERS, orders_elapsed),
        rate(ORDERS, sql_orders_elapsed)
    );
    println!(
        "| POST /payments/webhook payment.succeeded | {:.0} | {:.0} (event + order + history + 2 outbox rows) |",
        rate(ORDERS, webhook_elapsed),
        rate(ORDERS, sql_webhook_elapsed)
    );
    println!(
        "\npayment.succeeded → shipped ({} orders, through the emulator's SQS): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        lag.n, lag.p50, lag.p99, lag.max
    );
    Ok(())
}
