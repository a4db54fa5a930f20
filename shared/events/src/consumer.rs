use std::{future::Future, pin::Pin, sync::Arc};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use cs_db::GenericClient;
use lambda_runtime::{service_fn, LambdaEvent};
use uuid::Uuid;

use crate::Event;

/// How long the oldest message of the batch waited (SQS's `SentTimestamp` to now).
pub fn oldest_message_age(batch: &SqsEvent) -> std::time::Duration {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let oldest = batch
        .records
        .iter()
        .filter_map(|r| r.attributes.get("SentTimestamp").and_then(|t| t.parse::<i64>().ok()))
        .map(|sent| u64::try_from(now_ms - sent).unwrap_or(0))
        .max()
        .unwrap_or(0);
    std::time::Duration::from_millis(oldest)
}

pub type BoxBatch = Pin<Box<dyn Future<Output = SqsBatchResponse> + Send>>;

/// An SQS consumer bound to its service's `App`: what a Lambda bin runs and what the
/// local gateway's queue poller invokes.
pub type SqsHandler<A> = fn(Arc<A>, SqsEvent) -> BoxBatch;

/// Applies each record of a batch of events in order and reports the ones that failed, so
/// SQS redelivers only those (`ReportBatchItemFailures`). A body that is not an event fails
/// every time and ends in the dead-letter queue.
pub async fn each_record<F, Fut>(consumer: &str, batch: SqsEvent, mut apply: F) -> SqsBatchResponse
where
    F: FnMut(Event) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    each_message(consumer, batch, |body| {
        let event =
            serde_json::from_str::<Event>(&body).map_err(|err| anyhow::anyhow!("the message is not an event: {err}"));
        let applied = event.map(&mut apply);
        async move { applied?.await }
    })
    .await
}

/// Like [`each_record`], for messages that are not our events (S3 notifications): the raw
/// body of each record. Emits the batch's metrics (EMF).
pub async fn each_message<F, Fut>(consumer: &str, batch: SqsEvent, mut apply: F) -> SqsBatchResponse
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut response = SqsBatchResponse::default();
    let size = batch.records.len();
    let oldest_ms = oldest_message_age(&batch).as_millis();
    for record in batch.records {
        let id = record.message_id.clone().unwrap_or_default();
        let result = match record.body {
            Some(body) => apply(body).await,
            None => Err(anyhow::anyhow!("the message has no body")),
        };
        if let Err(err) = result {
            tracing::warn!(message_id = %id, error = format!("{err:#}"), "record failed; SQS will redeliver it");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    crate::metrics::consumer_batch(consumer, size, response.batch_item_failures.len(), oldest_ms);
    response
}

/// Records that `consumer` applied `event_id`, in the caller's transaction. `false` means
/// it already had: the caller commits nothing else and acknowledges the message.
pub async fn first_delivery(tx: &impl GenericClient, consumer: &str, event_id: Uuid) -> anyhow::Result<bool> {
    let n = tx
        .execute(
            "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&consumer, &event_id],
        )
        .await?;
    Ok(n == 1)
}

/// The body of an SQS-triggered Lambda bin.
pub async fn run_sqs<A: Send + Sync + 'static>(app: A, handler: SqsHandler<A>) -> Result<(), lambda_runtime::Error> {
    let app = Arc::new(app);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let app = Arc::clone(&app);
        async move { Ok::<_, lambda_runtime::Error>(handler(app, event.payload).await) }
    }))
    .await
}

pub type BoxJob = Pin<Box<dyn Future<Output = anyhow::Result<serde_json::Value>> + Send>>;

/// A scheduled function (EventBridge rule) bound to its `App`; answers a small report.
pub type ScheduledHandler<A> = fn(Arc<A>) -> BoxJob;

/// The body of a scheduled Lambda bin.
pub async fn run_scheduled<A: Send + Sync + 'static>(
    app: A,
    handler: ScheduledHandler<A>,
) -> Result<(), lambda_runtime::Error> {
    let app = Arc::new(app);
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let app = Arc::clone(&app);
        async move { handler(app).await.map_err(lambda_runtime::Error::from) }
    }))
    .await
}
