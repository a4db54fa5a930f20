use std::{collections::HashMap, sync::Mutex};

use anyhow::Context;
use async_trait::async_trait;
use aws_sdk_sqs::{
    types::{QueueAttributeName, SendMessageBatchRequestEntry},
    Client,
};

/// SQS queues by their manifest names. In AWS the CDK app passes each URL as
/// `QUEUE_URL_<NAME>`; elsewhere the URL is looked up by `<prefix><name>` once and kept.
pub struct SqsQueue {
    client: crate::Lazy<Client>,
    prefix: String,
    urls: Mutex<HashMap<String, String>>,
}

/// How a queue is made: visibility timeout, and after how many receives a message goes
/// to the dead-letter queue `<name>-dlq`.
#[derive(Debug, Clone, Copy)]
pub struct QueueSpec<'a> {
    pub name: &'a str,
    pub visibility_timeout: u32,
    pub max_receive_count: u32,
}

impl SqsQueue {
    pub fn new(client: crate::Lazy<Client>, prefix: impl Into<String>) -> Self {
        SqsQueue { client, prefix: prefix.into(), urls: Mutex::new(HashMap::new()) }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn physical_name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub async fn url(&self, name: &str) -> anyhow::Result<String> {
        if let Some(url) = self.urls.lock().ok().and_then(|u| u.get(name).cloned()) {
            return Ok(url);
        }
        let env_key = format!("QUEUE_URL_{}", name.to_uppercase().replace('-', "_"));
        let url = match std::env::var(env_key) {
            Ok(url) => url,
            Err(_) => self
                .client
                .get_queue_url()
                .queue_name(self.physical_name(name))
                .send()
                .await
                .with_context(|| format!("looking up queue {name}"))?
                .queue_url
                .context("no queue URL")?,
        };
        if let Ok(mut urls) = self.urls.lock() {
            urls.insert(name.to_string(), url.clone());
        }
        Ok(url)
    }

    /// Creates the queue and its dead-letter queue if they do not exist (local runs; in AWS
    /// the CDK app owns them). Returns the queue's URL.
    pub async fn ensure(&self, spec: QueueSpec<'_>) -> anyhow::Result<String> {
        let dlq_name = format!("{}-dlq", spec.name);
        let dlq_url = self.create(&dlq_name, HashMap::new()).await?;
        let dlq_arn = self.arn(&dlq_url).await?;
        let redrive = serde_json::json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count.to_string() });
        let attributes = HashMap::from([
            (QueueAttributeName::VisibilityTimeout, spec.visibility_timeout.to_string()),
            (QueueAttributeName::RedrivePolicy, redrive.to_string()),
        ]);
        self.create(spec.name, attributes).await
    }

    pub async fn arn(&self, url: &str) -> anyhow::Result<String> {
        self.client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await?
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .context("the queue has no ARN")
    }

    async fn create(&self, name: &str, attributes: HashMap<QueueAttributeName, String>) -> anyhow::Result<String> {
        let out = self
            .client
            .create_queue()
            .queue_name(self.physical_name(name))
            .set_attributes(Some(attributes))
            .send()
            .await
            .with_context(|| format!("creating queue {name}"))?;
        let url = out.queue_url.context("no queue URL")?;
        if let Ok(mut urls) = self.urls.lock() {
            urls.insert(name.to_string(), url.clone());
        }
        Ok(url)
    }
}

#[async_trait]
impl cs_events::Queue for SqsQueue {
    async fn send_batch(&self, queue: &str, messages: &[(String, String)]) -> anyhow::Result<Vec<String>> {
        let url = self.url(queue).await?;
        let entries = messages
            .iter()
            .map(|(id, body)| SendMessageBatchRequestEntry::builder().id(id).message_body(body).build())
            .collect::<Result<Vec<_>, _>>()?;
        let out = self.client.send_message_batch().queue_url(url).set_entries(Some(entries)).send().await?;
        Ok(out.failed.into_iter().map(|f| f.id).collect())
    }
}

/// A message in a dead-letter queue, as `dlq list` shows it.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub message_id: String,
    pub body: String,
    pub receive_count: String,
}

impl SqsQueue {
    /// Messages waiting in `<name>-dlq`, without taking them (visibility 0), at most `max`.
    pub async fn dead_letters(&self, name: &str, max: usize) -> anyhow::Result<Vec<DeadLetter>> {
        let url = self.url(&format!("{name}-dlq")).await?;
        let mut seen = Vec::<DeadLetter>::new();
        for _ in 0..10 {
            let out = self
                .client
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(10)
                .visibility_timeout(0)
                .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
                .send()
                .await?;
            let mut new = 0;
            for m in out.messages.unwrap_or_default() {
                let id = m.message_id.clone().unwrap_or_default();
                if seen.iter().any(|d| d.message_id == id) {
                    continue;
                }
                new += 1;
                let receive_count = m
                    .attributes
                    .as_ref()
                    .and_then(|a| {
                        a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount).cloned()
                    })
                    .unwrap_or_default();
                seen.push(DeadLetter { message_id: id, body: m.body.unwrap_or_default(), receive_count });
            }
            if new == 0 || seen.len() >= max {
                break;
            }
        }
        seen.truncate(max);
        Ok(seen)
    }

    /// Moves every message of `<name>-dlq` back to `<name>`; returns how many.
    pub async fn redrive(&self, name: &str) -> anyhow::Result<usize> {
        let dlq = self.url(&format!("{name}-dlq")).await?;
        let target = self.url(name).await?;
        let mut moved = 0;
        loop {
            let messages = self
                .client
                .receive_message()
                .queue_url(&dlq)
                .max_number_of_messages(10)
                .visibility_timeout(30)
                .send()
                .await?
                .messages
                .unwrap_or_default();
            if messages.is_empty() {
                return Ok(moved);
            }
            for m in messages {
                self.client.send_message().queue_url(&target).message_body(m.body.unwrap_or_default()).send().await?;
                if let Some(handle) = m.receipt_handle {
                    self.client.delete_message().queue_url(&dlq).receipt_handle(handle).send().await?;
                }
                moved += 1;
            }
        }
    }
}
