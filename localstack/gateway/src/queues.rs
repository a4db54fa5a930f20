//! Lambda's SQS event source mapping and EventBridge schedules, emulated: queues are
//! polled and their consumer invoked with real `SqsEvent` batches; only the records not
//! reported in `batchItemFailures` are deleted, so the rest come back after the visibility
//! timeout and, past `maxReceiveCount`, land in the dead-letter queue.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName};
use cs_aws::SqsQueue;
use cs_events::{SqsEvent, SqsMessage};

use crate::{
    functions::{Consume, Job},
    metrics::Metrics,
};

/// How many times each message id was handed to a consumer (for tests and the log).
#[derive(Default)]
pub struct Deliveries(Mutex<HashMap<String, u32>>);

impl Deliveries {
    fn record(&self, ids: impl Iterator<Item = String>) {
        if let Ok(mut map) = self.0.lock() {
            for id in ids {
                *map.entry(id).or_default() += 1;
            }
        }
    }

    pub fn count(&self, message_id: &str) -> u32 {
        self.0.lock().ok().and_then(|m| m.get(message_id).copied()).unwrap_or(0)
    }
}

pub async fn poll(
    queue: Arc<SqsQueue>,
    name: String,
    batch_size: i32,
    consume: Consume,
    deliveries: Arc<Deliveries>,
    metrics: Arc<Metrics>,
) {
    // A long poll waits on purpose: the request-path timeouts of the shared SDK config would
    // cut it off, and a receive cut off after moto took the messages hides them for a whole
    // visibility timeout.
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .operation_attempt_timeout(Duration::from_secs(10))
        .operation_timeout(Duration::from_secs(20))
        .build();
    let client = aws_sdk_sqs::Client::from_conf(queue.client().config().to_builder().timeout_config(timeouts).build());
    let (url, arn) = loop {
        match source(&queue, &name).await {
            Ok(found) => break found,
            Err(err) => {
                tracing::warn!(queue = %name, error = format!("{err:#}"), "queue not reachable; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    };
    loop {
        let received = client
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(batch_size)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await;
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(err) => {
                tracing::warn!(queue = %name, error = ?err, "receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let mut handles = HashMap::new();
        let mut event = SqsEvent::default();
        for m in messages {
            let id = m.message_id.clone().unwrap_or_default();
            if let Some(h) = &m.receipt_handle {
                handles.insert(id.clone(), h.clone());
            }
            let mut record = SqsMessage::default();
            record.message_id = Some(id);
            record.receipt_handle = m.receipt_handle;
            record.md5_of_body = m.md5_of_body;
            record.body = m.body;
            record.attributes =
                m.attributes.unwrap_or_default().into_iter().map(|(k, v)| (k.as_str().to_string(), v)).collect();
            record.event_source = Some("aws:sqs".into());
            record.event_source_arn = Some(arn.clone());
            record.aws_region = Some("us-east-1".into());
            event.records.push(record);
        }
        deliveries.record(handles.keys().cloned());
        let oldest = cs_events::oldest_message_age(&event);
        let received = event.records.len();
        // A consumer that panics fails its whole batch, as a crashed Lambda does.
        let failed: HashSet<String> = match tokio::spawn(consume(event)).await {
            Ok(response) => response.batch_item_failures.into_iter().map(|f| f.item_identifier).collect(),
            Err(_) => handles.keys().cloned().collect(),
        };
        metrics.batch(&name, received, failed.len(), oldest);
        let done: Vec<DeleteMessageBatchRequestEntry> = handles
            .iter()
            .filter(|(id, _)| !failed.contains(*id))
            .enumerate()
            .filter_map(|(i, (_, handle))| {
                DeleteMessageBatchRequestEntry::builder().id(i.to_string()).receipt_handle(handle).build().ok()
            })
            .collect();
        if !done.is_empty() {
            if let Err(err) = client.delete_message_batch().queue_url(&url).set_entries(Some(done)).send().await {
                tracing::warn!(queue = %name, error = ?err, "delete failed; the messages will come back");
            }
        }
    }
}

async fn source(queue: &SqsQueue, name: &str) -> anyhow::Result<(String, String)> {
    let url = queue.url(name).await?;
    let arn = queue.arn(&url).await?;
    Ok((url, arn))
}
/// Reads the depth of `<name>-dlq` every ten seconds into the metrics.
pub async fn watch_dlq(queue: Arc<SqsQueue>, name: String, metrics: Arc<Metrics>) {
    let dlq = format!("{name}-dlq");
    let mut ticks = tokio::time::interval(Duration::from_secs(10));
    loop {
        ticks.tick().await;
        let Ok(url) = queue.url(&dlq).await else {
            continue;
        };
        let depth = queue
            .client()
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .ok()
            .and_then(|out| out.attributes)
            .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages).and_then(|n| n.parse().ok()));
        if let Some(depth) = depth {
            metrics.dlq_depth(&name, depth);
        }
    }
}

/// Runs a scheduled function every `period`.
pub async fn schedule(name: String, period: Duration, job: Job) {
    let mut ticks = tokio::time::interval(period);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match job().await {
            Ok(report) => tracing::info!(function = %name, %report, "scheduled run"),
            Err(err) => {
                tracing::warn!(function = %name, error = format!("{err:#}"), "scheduled run failed")
            }
        }
    }
}

/// `rate(5 minutes)`, `rate(1 hour)`, `rate(30 seconds)` as EventBridge writes them.
pub fn parse_rate(expr: &str) -> Option<Duration> {
    let inner = expr.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.trim().split_once(' ')?;
    let n: u64 = n.parse().ok()?;
    let secs = match unit.trim_end_matches('s') {
        "second" => 1,
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(n * secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("rate(1 minute)"), Some(Duration::from_secs(60)));
        assert_eq!(parse_rate("rate(5 minutes)"), Some(Duration::from_secs(300)));
        assert_eq!(parse_rate("rate(2 hours)"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_rate("cron(0 * * * ? *)"), None);
    }
}
