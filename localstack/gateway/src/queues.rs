//! Lambda's SQS event source mapping and EventBridge schedules, emulated: queues are
//! polled and their consumer invoked with real `SqsEvent` batches; only the records not
//! reported in `batchItemFailures` are deleted, so the rest come back after the visibility
//! timeout and, past `maxReceiveCount`, land in the dead-letter queue.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
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

/// Polls a queue for its consumer as Lambda's event source mapping does: one poller while the
/// queue is quiet, and up to `pollers` while it backs up (a full batch starts another poller,
/// which stops at its first empty receive). Idle queues cost the emulator one request at a time.
pub async fn poll(
    queue: Arc<SqsQueue>,
    name: String,
    batch_size: i32,
    consume: Consume,
    deliveries: Arc<Deliveries>,
    metrics: Arc<Metrics>,
    pollers: usize,
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
    let poller = Arc::new(Poller { client, url, arn, name, batch_size, consume, deliveries, metrics });
    let active = Arc::new(AtomicUsize::new(1));
    poller.metrics.pollers(&poller.name, 1);
    loop {
        let received = poller.once().await;
        if received == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        if received >= usize::try_from(batch_size).unwrap_or(1) && active.load(Ordering::Relaxed) < pollers {
            poller.metrics.pollers(&poller.name, active.fetch_add(1, Ordering::Relaxed) + 1);
            let (poller, active) = (Arc::clone(&poller), Arc::clone(&active));
            tokio::spawn(async move {
                while poller.once().await > 0 {}
                poller.metrics.pollers(&poller.name, active.fetch_sub(1, Ordering::Relaxed) - 1);
            });
        }
    }
}

/// One queue's receive, consume and delete.
struct Poller {
    client: aws_sdk_sqs::Client,
    url: String,
    arn: String,
    name: String,
    batch_size: i32,
    consume: Consume,
    deliveries: Arc<Deliveries>,
    metrics: Arc<Metrics>,
}

impl Poller {
    /// Receives a batch and hands it to the consumer; deletes what it did not report failed.
    /// Returns how many messages came (none after a failed receive, which waits a second).
    async fn once(&self) -> usize {
        let name = &self.name;
        let received = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(self.batch_size)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await;
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(err) => {
                tracing::warn!(queue = %name, error = ?err, "receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                return 0;
            }
        };
        if messages.is_empty() {
            return 0;
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
            record.event_source_arn = Some(self.arn.clone());
            record.aws_region = Some("us-east-1".into());
            event.records.push(record);
        }
        self.deliveries.record(handles.keys().cloned());
        let oldest = cs_events::oldest_message_age(&event);
        let received = event.records.len();
        // A consumer that panics fails its whole batch, as a crashed Lambda does.
        let failed: HashSet<String> = match tokio::spawn((self.consume)(event)).await {
            Ok(response) => response.batch_item_failures.into_iter().map(|f| f.item_identifier).collect(),
            Err(_) => handles.keys().cloned().collect(),
        };
        self.metrics.batch(name, received, failed.len(), oldest);
        let done: Vec<DeleteMessageBatchRequestEntry> = handles
            .iter()
            .filter(|(id, _)| !failed.contains(*id))
            .enumerate()
            .filter_map(|(i, (_, handle))| {
                DeleteMessageBatchRequestEntry::builder().id(i.to_string()).receipt_handle(handle).build().ok()
            })
            .collect();
        if !done.is_empty() {
            if let Err(err) =
                self.client.delete_message_batch().queue_url(&self.url).set_entries(Some(done)).send().await
            {
                tracing::warn!(queue = %name, error = ?err, "delete failed; the messages will come back");
            }
        }
        received
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
