//! The payment provider port, and its adapter for our sandbox provider (localstack/payments).
//! The port is shaped so that Stripe's PaymentIntents fit behind it too: a payment created
//! with an idempotency key, a hosted page to pay on, refunds by payment id, and outcomes
//! that arrive as signed webhook events.

use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::MoneyBody;

/// What to charge, and where the provider sends the buyer and its events.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPayment {
    pub order_id: Uuid,
    pub amount: MoneyBody,
    pub description: String,
    /// Where the checkout page sends the buyer afterwards (the order's page).
    pub return_url: String,
    /// Where the provider posts this payment's events (else its configured endpoint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub id: String,
    pub checkout_url: String,
}

#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// The provider's name, shown in `payment.provider`.
    fn name(&self) -> &'static str;

    /// Creates the payment; the order id is the idempotency key, so asking twice gives
    /// the same payment.
    async fn create_payment(&self, payment: &NewPayment) -> anyhow::Result<Payment>;

    /// Refunds the payment in full; `refund.succeeded` confirms it. Idempotent per key.
    async fn refund(&self, payment_id: &str, idempotency_key: &str) -> anyhow::Result<()>;
}

/// The sandbox provider over HTTP.
pub struct SandboxProvider {
    http: reqwest::Client,
    base: String,
}

impl SandboxProvider {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
        Ok(SandboxProvider { http, base: base.trim_end_matches('/').to_string() })
    }
}

#[async_trait]
impl PaymentProvider for SandboxProvider {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn create_payment(&self, payment: &NewPayment) -> anyhow::Result<Payment> {
        let res = self
            .http
            .post(format!("{}/v1/payments", self.base))
            .header("idempotency-key", payment.order_id.to_string())
            .json(payment)
            .send()
            .await
            .context("payment provider unreachable")?;
        let status = res.status();
        anyhow::ensure!(status.is_success(), "payment provider answered {status}: {}", res.text().await?);
        Ok(res.json().await?)
    }

    async fn refund(&self, payment_id: &str, idempotency_key: &str) -> anyhow::Result<()> {
        let res = self
            .http
            .post(format!("{}/v1/payments/{payment_id}/refunds", self.base))
            .header("idempotency-key", idempotency_key)
            .json(&serde_json::json!({}))
            .send()
            .await
            .context("payment provider unreachable")?;
        let status = res.status();
        anyhow::ensure!(status.is_success(), "payment provider answered {status}: {}", res.text().await?);
        Ok(())
    }
}
