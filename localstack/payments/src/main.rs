//! The sandbox payment provider, run locally by `make services` (a small server of ours, not
//! a mock): it creates payments (the idempotency key, our order id, gives the same payment
//! again), serves a checkout page where a person chooses succeed, decline or let it expire,
//! and posts signed events to the webhook the way Stripe does — `Payment-Signature:
//! t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one v1 per configured secret — retrying
//! with backoff until answered 2xx. Refunds are confirmed by `refund.succeeded`.
//!
//! Test controls (`/test/…`): send a new event of any type for a payment (out of order),
//! redeliver an event as it was (a duplicate), and read an event's delivery state.
//!
//! Settings: `PAYMENTS_PORT` (4010), `PAYMENTS_PUBLIC_URL` (where browsers reach it),
//! `PAYMENT_WEBHOOK_SECRET` (comma-separated), `PAYMENT_WEBHOOK_URL` (the default webhook;
//! a payment may name its own), `PAYMENT_WEBHOOK_MAX_ATTEMPTS` (20).

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use aws_lc_rs::hmac;
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Router,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Money {
    amount: String,
    currency: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Payment {
    id: String,
    order_id: String,
    amount: Money,
    description: String,
    /// open | succeeded | failed | expired | refunded
    status: String,
    checkout_url: String,
    return_url: String,
    webhook_url: String,
    refund_id: Option<String>,
    created: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Delivery {
    event: Value,
    webhook_url: String,
    attempts: u32,
    delivered: bool,
    last_status: Option<u16>,
}

#[derive(Default)]
struct Store {
    payments: HashMap<String, Payment>,
    /// Idempotency key → payment id.
    keys: HashMap<String, String>,
    /// Refund idempotency key → refund id.
    refund_keys: HashMap<String, String>,
    events: HashMap<String, Delivery>,
}

struct Sandbox {
    store: Mutex<Store>,
    public_url: String,
    secrets: Vec<String>,
    default_webhook: String,
    max_attempts: u32,
    http: reqwest::Client,
}

type Shared = Arc<Sandbox>;

fn id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

fn problem(status: StatusCode, detail: &str) -> Response {
    (status, [("content-type", "application/json")], json!({ "error": detail }).to_string()).into_response()
}

fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    let body = serde_json::to_string(value).unwrap_or_default();
    (status, [("content-type", "application/json")], body).into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Stripe's scheme: one `v1` per secret (several while a secret is rotated).
fn signature(secrets: &[String], t: i64, body: &[u8]) -> String {
    let mut header = format!("t={t}");
    for secret in secrets {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(format!("{t}.").as_bytes());
        ctx.update(body);
        header.push_str(&format!(",v1={}", hex(ctx.sign().as_ref())));
    }
    header
}

impl Sandbox {
    /// Records a new event for `payment` and starts delivering it.
    fn emit(self: &Arc<Self>, payment: &Payment, kind: &str) -> String {
        let event_id = id("evt");
        let event = json!({
            "id": event_id,
            "type": kind,
            "created": chrono::Utc::now().timestamp(),
            "data": { "paymentId": payment.id, "orderId": payment.order_id, "amount": payment.amount },
        });
        let delivery = Delivery {
            event,
            webhook_url: payment.webhook_url.clone(),
            attempts: 0,
            delivered: false,
            last_status: None,
        };
        if let Ok(mut store) = self.store.lock() {
            store.events.insert(event_id.clone(), delivery);
        }
        self.deliver(event_id.clone());
        event_id
    }

    /// Posts the event until the webhook answers 2xx, backing off (0.2 s doubling to 60 s).
    fn deliver(self: &Arc<Self>, event_id: String) {
        let sandbox = Arc::clone(self);
        tokio::spawn(async move {
            let mut wait = Duration::from_millis(200);
            for attempt in 1..=sandbox.max_attempts {
                let Some((url, body)) = sandbox
                    .store
                    .lock()
                    .ok()
                    .and_then(|s| s.events.get(&event_id).map(|d| (d.webhook_url.clone(), d.event.to_string())))
                else {
                    return;
                };
                let header = signature(&sandbox.secrets, chrono::Utc::now().timestamp(), body.as_bytes());
                let sent = sandbox
                    .http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("payment-signature", header)
                    .body(body)
                    .send()
                    .await;
                let status = sent.as_ref().ok().map(|r| r.status().as_u16());
                let ok = status.is_some_and(|s| (200..300).contains(&s));
                if let Ok(mut store) = sandbox.store.lock() {
                    if let Some(d) = store.events.get_mut(&event_id) {
                        d.attempts += 1;
                        d.last_status = status;
                        d.delivered |= ok;
                    }
                }
                if ok {
                    return;
                }
                tracing::warn!(event = %event_id, attempt, ?status, "webhook not answered 2xx; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        });
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewPayment {
    order_id: String,
    amount: Money,
    #[serde(default)]
    description: String,
    return_url: String,
    webhook_url: Option<String>,
}

async fn create_payment(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string) else {
        return problem(StatusCode::BAD_REQUEST, "the Idempotency-Key header is required");
    };
    let new: NewPayment = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(err) => return problem(StatusCode::BAD_REQUEST, &format!("bad payment: {err}")),
    };
    let Ok(mut store) = s.store.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
    if let Some(existing) = store.keys.get(&key).and_then(|id| store.payments.get(id)) {
        return json_response(StatusCode::OK, existing);
    }
    let pid = id("pay");
    let payment = Payment {
        checkout_url: format!("{}/checkout/{pid}", s.public_url),
        id: pid.clone(),
        order_id: new.order_id,
        amount: new.amount,
        description: new.description,
        status: "open".into(),
        return_url: new.return_url,
        webhook_url: new.webhook_url.unwrap_or_else(|| s.default_webhook.clone()),
        refund_id: None,
        created: chrono::Utc::now().timestamp(),
    };
    store.keys.insert(key, pid.clone());
    store.payments.insert(pid, payment.clone());
    json_response(StatusCode::CREATED, &payment)
}

async fn get_payment(State(s): State<Shared>, Path(pid): Path<String>) -> Response {
    let Ok(store) = s.store.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
    match store.payments.get(&pid) {
        Some(p) => {
            let events: Vec<&Delivery> =
                store.events.values().filter(|d| d.event["data"]["paymentId"] == p.id.as_str()).collect();
            json_response(StatusCode::OK, &json!({ "payment": p, "events": events }))
        }
        None => problem(StatusCode::NOT_FOUND, "no such payment"),
    }
}

async fn refund(State(s): State<Shared>, Path(pid): Path<String>, headers: HeaderMap) -> Response {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let payment = {
        let Ok(mut store) = s.store.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
        if let Some(existing) = key.as_ref().and_then(|k| store.refund_keys.get(k)) {
            return json_response(StatusCode::OK, &json!({ "id": existing, "paymentId": pid, "status": "pending" }));
        }
        let Some(p) = store.payments.get_mut(&pid) else { return problem(StatusCode::NOT_FOUND, "no such payment") };
        if p.status != "succeeded" {
            return problem(StatusCode::CONFLICT, &format!("the payment is {}, not succeeded", p.status));
        }
        let rid = id("re");
        p.status = "refunded".into();
        p.refund_id = Some(rid.clone());
        let p = p.clone();
        if let Some(k) = key {
            store.refund_keys.insert(k, rid);
        }
        p
    };
    s.emit(&payment, "refund.succeeded");
    json_response(StatusCode::CREATED, &json!({ "id": payment.refund_id, "paymentId": pid, "status": "pending" }))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn checkout_page(State(s): State<Shared>, Path(pid): Path<String>) -> Response {
    let Ok(store) = s.store.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
    let Some(p) = store.payments.get(&pid) else { return problem(StatusCode::NOT_FOUND, "no such payment") };
    let choices = if p.status == "open" {
        r#"<form method="post"><button name="outcome" value="succeed">Pay</button>
<button name="outcome" value="decline">Decline the card</button>
<button name="outcome" value="expire">Let it expire</button></form>"#
    } else {
        "<p>This payment is settled.</p>"
    };
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sandbox checkout</title></head><body>\
         <h1>Sandbox checkout</h1><p>{} — <strong>{} {}</strong></p><p>Status: {}</p>{choices}</body></html>",
        escape(&p.description),
        escape(&p.amount.amount),
        escape(&p.amount.currency),
        escape(&p.status)
    ))
    .into_response()
}

/// `outcome=succeed|decline|expire` from the form (or a script), then back to the shop.
async fn checkout(State(s): State<Shared>, Path(pid): Path<String>, body: Bytes) -> Response {
    let form = String::from_utf8_lossy(&body);
    let outcome = form.split('&').find_map(|kv| kv.strip_prefix("outcome=")).unwrap_or("");
    let (status, kind) = match outcome {
        "succeed" => ("succeeded", "payment.succeeded"),
        "decline" => ("failed", "payment.failed"),
        "expire" => ("expired", "payment.expired"),
        _ => return problem(StatusCode::BAD_REQUEST, "outcome must be succeed, decline or expire"),
    };
    let payment = {
        let Ok(mut store) = s.store.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
        let Some(p) = store.payments.get_mut(&pid) else { return problem(StatusCode::NOT_FOUND, "no such payment") };
        if p.status != "open" {
            return problem(StatusCode::CONFLICT, &format!("the payment is already {}", p.status));
        }
        p.status = status.into();
        p.clone()
    };
    s.emit(&payment, kind);
    (StatusCode::SEE_OTHER, [("location", payment.return_url.as_str())]).into_response()
}

#[derive(Deserialize)]
struct TestEvent {
    #[serde(rename = "type")]
    kind: String,
}

/// Test control: a new event of any type for the payment, whatever its state (out of order).
async fn test_event(State(s): State<Shared>, Path(pid): Path<String>, body: Bytes) -> Response {
    let Ok(t) = serde_json::from_slice::<TestEvent>(&body) else {
        return problem(StatusCode::BAD_REQUEST, "body must be {\"type\": \"…\"}");
    };
    let payment = match s.store.lock().ok().and_then(|st| st.payments.get(&pid).cloned()) {
        Some(p) => p,
        None => return problem(StatusCode::NOT_FOUND, "no such payment"),
    };
    let event_id = s.emit(&payment, &t.kind);
    json_response(StatusCode::ACCEPTED, &json!({ "id": event_id }))
}

/// Test control: deliver the event again, as it was (a duplicate).
async fn redeliver(State(s): State<Shared>, Path(eid): Path<String>) -> Response {
    let known = s.store.lock().ok().is_some_and(|st| st.events.contains_key(&eid));
    if !known {
        return problem(StatusCode::NOT_FOUND, "no such event");
    }
    s.deliver(eid.clone());
    json_response(StatusCode::ACCEPTED, &json!({ "id": eid }))
}

async fn event_state(State(s): State<Shared>, Path(eid): Path<String>) -> Response {
    match s.store.lock().ok().and_then(|st| st.events.get(&eid).cloned()) {
        Some(d) => json_response(StatusCode::OK, &d),
        None => problem(StatusCode::NOT_FOUND, "no such event"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new("info")).try_init();
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let port: u16 = var("PAYMENTS_PORT").and_then(|p| p.parse().ok()).unwrap_or(4010);
    let sandbox = Arc::new(Sandbox {
        store: Mutex::new(Store::default()),
        public_url: var("PAYMENTS_PUBLIC_URL").unwrap_or_else(|| format!("http://127.0.0.1:{port}")),
        secrets: var("PAYMENT_WEBHOOK_SECRET")
            .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default(),
        default_webhook: var("PAYMENT_WEBHOOK_URL").unwrap_or_else(|| "http://127.0.0.1:3000/payments/webhook".into()),
        max_attempts: var("PAYMENT_WEBHOOK_MAX_ATTEMPTS").and_then(|v| v.parse().ok()).unwrap_or(20),
        http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?,
    });
    anyhow::ensure!(!sandbox.secrets.is_empty(), "PAYMENT_WEBHOOK_SECRET is not set");
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/v1/payments", post(create_payment))
        .route("/v1/payments/{id}", get(get_payment))
        .route("/v1/payments/{id}/refunds", post(refund))
        .route("/checkout/{id}", get(checkout_page).post(checkout))
        .route("/test/payments/{id}/events", post(test_event))
        .route("/test/events/{id}", get(event_state))
        .route("/test/events/{id}/redeliver", post(redeliver))
        .with_state(sandbox);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "sandbox payment provider listening");
    axum::serve(listener, app).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_v1_per_secret() {
        let h = signature(&["a".into(), "b".into()], 5, b"{}");
        assert!(h.starts_with("t=5,v1="));
        assert_eq!(h.matches(",v1=").count(), 2);
    }
}
