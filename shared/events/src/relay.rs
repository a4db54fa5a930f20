use std::{collections::BTreeMap, sync::Arc, time::Duration};

use async_trait::async_trait;
use cs_db::{Client, Pool, ToSql};

/// The queue port: SQS in AWS and against the emulator.
#[async_trait]
pub trait Queue: Send + Sync {
    /// Sends up to ten `(id, body)` messages to the named queue; returns the ids it did
    /// not accept. An `Err` means none were sent.
    async fn send_batch(&self, queue: &str, messages: &[(String, String)]) -> anyhow::Result<Vec<String>>;
}

/// How long a request waits for the queue to take its events after commit. A send still
/// unanswered then counts as failed (the sweep sends it again: at least once, as always).
pub const PUBLISH_BUDGET: Duration = Duration::from_millis(300);

/// Publishes outbox rows to their queues.
#[derive(Clone)]
pub struct Relay {
    db: Pool,
    queue: Arc<dyn Queue>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub sent: usize,
    pub failed: usize,
}

impl Relay {
    pub fn new(db: Pool, queue: Arc<dyn Queue>) -> Self {
        Relay { db, queue }
    }

    /// Right after the commit that wrote them: sends these outbox rows now, on the caller's
    /// connection (a second one from the same pool would be a wait that can deadlock: every
    /// request holding one and waiting for another), for at most [`PUBLISH_BUDGET`]. A failure or
    /// a slow queue is logged, not returned: the rows stay unsent and the sweep sends them, so
    /// the caller's request, already committed, answers at once.
    pub async fn publish(&self, client: &mut Client, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        let sql = "SELECT id, queue, body::text FROM outbox
                   WHERE id = ANY($1) AND published_at IS NULL
                   ORDER BY id FOR UPDATE SKIP LOCKED";
        match self.deliver(client, sql, &[&ids], Some(PUBLISH_BUDGET)).await {
            Ok(report) if report.failed > 0 => {
                tracing::warn!(failed = report.failed, "events left in the outbox for the sweep")
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = ?err, "events left in the outbox for the sweep"),
        }
    }

    /// [`publish`](Self::publish) for a caller that holds no connection: takes one from the
    /// pool, waiting for it within the same budget.
    pub async fn publish_now(&self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        match tokio::time::timeout(PUBLISH_BUDGET, self.db.get()).await {
            Ok(Ok(mut client)) => self.publish(&mut client, ids).await,
            Ok(Err(err)) => tracing::warn!(error = ?err, "events left in the outbox for the sweep"),
            Err(_) => {
                tracing::warn!("no connection within the publish budget: events left in the outbox for the sweep")
            }
        }
    }

    /// Sends what is still unsent and older than `min_age` (so as not to race
    /// [`publish`](Self::publish)), at most `limit` rows, and prunes old bookkeeping.
    pub async fn sweep(&self, min_age: Duration, limit: i64) -> anyhow::Result<SweepReport> {
        let sql = "SELECT id, queue, body::text FROM outbox
                   WHERE published_at IS NULL AND created_at <= now() - make_interval(secs => $1)
                   ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED";
        let mut client = self.db.get().await?;
        let report = self.deliver(&mut client, sql, &[&min_age.as_secs_f64(), &limit], None).await?;
        client
            .batch_execute(
                "DELETE FROM outbox WHERE published_at < now() - interval '7 days';
                 DELETE FROM processed_events WHERE processed_at < now() - interval '14 days';",
            )
            .await?;
        Ok(report)
    }

    /// Locks the selected rows, sends them in batches of ten per queue (within `budget`, if
    /// given), and records what was sent and what failed, in one transaction.
    async fn deliver(
        &self,
        client: &mut Client,
        select: &str,
        params: &[&(dyn ToSql + Sync)],
        budget: Option<Duration>,
    ) -> anyhow::Result<SweepReport> {
        let deadline = budget.map(|b| tokio::time::Instant::now() + b);
        let tx = client.transaction().await?;
        let rows = tx.query(select, params).await?;
        let mut by_queue: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for row in &rows {
            let (id, queue, body): (i64, String, String) = (row.get(0), row.get(1), row.get(2));
            by_queue.entry(queue).or_default().push((id.to_string(), body));
        }
        let (mut sent, mut failed): (Vec<i64>, Vec<i64>) = (Vec::new(), Vec::new());
        let mut last_error = String::new();
        for (queue, messages) in &by_queue {
            for chunk in messages.chunks(10) {
                let send = self.queue.send_batch(queue, chunk);
                let answer = match deadline {
                    Some(deadline) => tokio::time::timeout_at(deadline, send)
                        .await
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("the queue did not answer within {budget:?}"))),
                    None => send.await,
                };
                let rejected = match answer {
                    Ok(rejected) => rejected,
                    Err(err) => {
                        last_error = format!("{err:#}");
                        chunk.iter().map(|(id, _)| id.clone()).collect()
                    }
                };
                for (id, _) in chunk {
                    let n: i64 = id.parse()?;
                    if rejected.contains(id) {
                        failed.push(n)
                    } else {
                        sent.push(n)
                    }
                }
            }
        }
        if !sent.is_empty() {
            tx.execute("UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1)", &[&sent])
                .await?;
        }
        if !failed.is_empty() {
            if last_error.is_empty() {
                last_error = "rejected by the queue".into();
            }
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1)",
                &[&failed, &last_error],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(SweepReport { sent: sent.len(), failed: failed.len() })
    }
}
