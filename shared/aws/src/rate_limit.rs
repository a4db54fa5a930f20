use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::Duration,
};

use anyhow::Context;
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    types::{AttributeValue, ReturnValue},
    Client,
};

/// The outcome of counting one more attempt against a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Until the window resets.
    pub reset_after: Duration,
}

/// Counts attempts per key in fixed windows (the port; DynamoDB is the adapter).
#[async_trait]
pub trait RateLimiter: Send + Sync {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> anyhow::Result<Decision>;
}

/// Seconds since the epoch: the system's, or a time a test sets and moves.
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    pub fn fixed(unix_seconds: i64) -> Self {
        Clock(Some(Arc::new(AtomicI64::new(unix_seconds))))
    }

    /// Moves a fixed clock (a system clock is left as it is).
    pub fn set(&self, unix_seconds: i64) {
        if let Some(t) = &self.0 {
            t.store(unix_seconds, Ordering::SeqCst);
        }
    }

    pub fn now(&self) -> i64 {
        match &self.0 {
            Some(t) => t.load(Ordering::SeqCst),
            None => chrono::Utc::now().timestamp(),
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(_) => write!(f, "Clock::fixed({})", self.now()),
            None => f.write_str("Clock::system"),
        }
    }
}

/// Fixed-window counters in a DynamoDB table (`pk` string key, `expiresAt` TTL): one atomic
/// `UpdateItem ... ADD` per attempt, so concurrent Lambdas share the count.
#[derive(Clone)]
pub struct DynamoRateLimiter {
    client: crate::Lazy<Client>,
    table: String,
    /// Prefixed to every key: lets tests share a table without sharing counters.
    prefix: String,
    clock: Clock,
}

impl DynamoRateLimiter {
    pub fn new(client: crate::Lazy<Client>, table: impl Into<String>, prefix: impl Into<String>, clock: Clock) -> Self {
        DynamoRateLimiter { client, table: table.into(), prefix: prefix.into(), clock }
    }

    /// Creates the table when it does not exist (local runs; in AWS the CDK app owns it).
    pub async fn ensure_table(&self) -> anyhow::Result<()> {
        crate::ensure_key_value_table(&self.client, &self.table).await
    }
}

#[async_trait]
impl RateLimiter for DynamoRateLimiter {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> anyhow::Result<Decision> {
        let now = self.clock.now();
        let window_secs = i64::try_from(window.as_secs().max(1)).unwrap_or(60);
        let start = now - now.rem_euclid(window_secs);
        let end = start + window_secs;
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(format!("{}{key}#{start}", self.prefix)))
            .update_expression("ADD hits :one SET expiresAt = if_not_exists(expiresAt, :ttl)")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":ttl", AttributeValue::N((end + 60).to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .context("counting a rate-limited attempt")?;
        let hits: u32 = out
            .attributes()
            .and_then(|a| a.get("hits"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(u32::MAX);
        Ok(Decision {
            allowed: hits <= limit,
            limit,
            remaining: limit.saturating_sub(hits),
            reset_after: Duration::from_secs(u64::try_from(end - now).unwrap_or(1)),
        })
    }
}
