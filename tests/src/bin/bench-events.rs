//! `make bench` (events): how fast events flow relay → SQS → consumer → notification row,
//! beside bare inserts into the notifications table, the emulator's own send/receive
//! rate, and the consumer alone with `SqsEvent` batches handed to it in-process.
//!
//! moto's SQS is slow and slows as a queue grows, so the end-to-end run is small; the
//! in-process figure is the one that describes our code.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, SendMessageBatchRequestEntry};
use blackbox::Latencies;
use cs_aws::{QueueSpec, SqsQueue};
use cs_events::{DomainEvent, Relay, SqsEvent, SqsMessage};
use local_gateway::{migrations, repo_root, spawn, GatewayConfig};
use tokio_postgres::NoTls;
use uuid::Uuid;

const IN_PROCESS: usize = 4000;
const END_TO_END: usize = 300;
const EMULATOR: usize = 300;
const CONCURRENCY: usize = 4;

fn like(author: Uuid, liker: Uuid) -> cs_events::Event {
    DomainEvent::PostLiked { post_id: Uuid::new_v4(), author_id: author, liker_id: liker }.into_event()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = cs_db::testing::fresh_database(&migrations()).await?;
    let (db, conn) = tokio_postgres::connect(&url, NoTls).await?;
    tokio::spawn(conn);
    let users = (IN_PROCESS + END_TO_END) * 2;
    db.batch_execute(&format!(
        "INSERT INTO users (id, username, email, hashed_password)
         SELECT gen_random_uuid(), 'u' || i, 'u' || i || '@example.com', 'x' FROM generate_series(1, {users}) i; ANALYZE;"
    ))
    .await?;
    let ids: Vec<Uuid> =
        db.query("SELECT id FROM users ORDER BY username", &[]).await?.iter().map(|r| r.get(0)).collect();
    let pool = cs_db::connect(&url, 8)?;
    let aws = cs_aws::sdk_config().await;
    let prefix = format!("bench{}-", &Uuid::new_v4().simple().to_string()[..8]);
    println!("events benchmark: {users} users seeded; likes (in-app only, so no SMTP in the path)\n");

    // 1. Bare inserts into the notifications table, CONCURRENCY connections.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..CONCURRENCY {
        let (pool, ids) = (pool.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            let client = pool.get().await?;
            for i in (w..IN_PROCESS).step_by(CONCURRENCY) {
                client
                    .execute(
                        "INSERT INTO notifications (id, user_id, type, subject_id, group_key, actor_ids, actor_count)
                         VALUES ($1, $2, 'like', $3, $4, ARRAY[$5::uuid], 1)",
                        &[&Uuid::now_v7(), &ids[i], &Uuid::new_v4(), &format!("bare:{i}"), &ids[i + 1]],
                    )
                    .await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let bare_rate = IN_PROCESS as f64 / started.elapsed().as_secs_f64();
    db.batch_execute("DELETE FROM notifications").await?;

    // 2. The consumer alone: SqsEvent batches of 10 handed to it in-process.
    let notify_app = Arc::new(notify::App {
        db: pool.clone(),
        mailer: Arc::new(cs_mail::SmtpMailer::new(
            &std::env::var("SMTP_URL").unwrap_or_else(|_| "smtp://127.0.0.1:1025".into()),
            "bench <bench@connectsphere.dev>",
        )?),
        tokens: cs_auth::Tokens::new(
            cs_auth::SigningKey::load_or_generate(&repo_root().join(".local/jwt-private.pem"))?,
            "connectsphere",
            "connectsphere-api",
            Duration::from_secs(900),
        ),
        public_url: "http://127.0.0.1:3000".into(),
        realtime: None,
    });
    let batches: Vec<SqsEvent> = (0..IN_PROCESS)
        .collect::<Vec<_>>()
        .chunks(10)
        .map(|chunk| {
            let mut batch = SqsEvent::default();
            for &i in chunk {
                let mut record = SqsMessage::default();
                record.message_id = Some(Uuid::new_v4().to_string());
                record.body = Some(serde_json::to_string(&like(ids[i], ids[i + IN_PROCESS])).unwrap_or_default());
                batch.records.push(record);
            }
            batch
        })
        .collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    let per_task = batches.len().div_ceil(CONCURRENCY);
    for part in batches.chunks(per_task).map(<[SqsEvent]>::to_vec) {
        let app = Arc::clone(&notify_app);
        tasks.push(tokio::spawn(async move {
            let mut failed = 0;
            for batch in part {
                failed += notify::consume(Arc::clone(&app), batch).await.batch_item_failures.len();
            }
            failed
        }));
    }
    let mut failed = 0;
    for t in tasks {
        failed += t.await?;
    }
    let consumer_rate = IN_PROCESS as f64 / started.elapsed().as_secs_f64();
    let made: i64 = db.query_one("SELECT count(*) FROM notifications", &[]).await?.get(0);
    anyhow::ensure!(failed == 0 && made == IN_PROCESS as i64, "consumer: {failed} failed, {made} made");

    // 3. The emulator alone: batched sends, then batched receive + delete.
    let raw = SqsQueue::new(cs_aws::sqs(&aws), &prefix);
    let raw_url = raw.ensure(QueueSpec { name: "raw", visibility_timeout: 30, max_receive_count: 5 }).await?;
    let started = Instant::now();
    for chunk in (0..EMULATOR).collect::<Vec<_>>().chunks(10) {
        let entries = chunk
            .iter()
            .map(|i| {
                SendMessageBatchRequestEntry::builder().id(i.to_string()).message_body(format!("{{\"n\":{i}}}")).build()
            })
            .collect::<Result<Vec<_>, _>>()?;
        raw.client().send_message_batch().queue_url(&raw_url).set_entries(Some(entries)).send().await?;
    }
    let send_rate = EMULATOR as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut received = 0;
    while received < EMULATOR {
        let msgs = raw
            .client()
            .receive_message()
            .queue_url(&raw_url)
            .max_number_of_messages(10)
            .send()
            .await?
            .messages
            .unwrap_or_default();
        let entries = msgs
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .set_receipt_handle(m.receipt_handle.clone())
                    .build()
                    .ok()
            })
            .collect::<Vec<_>>();
        received += entries.len();
        if !entries.is_empty() {
            raw.client().delete_message_batch().queue_url(&raw_url).set_entries(Some(entries)).send().await?;
        }
    }
    let receive_rate = EMULATOR as f64 / started.elapsed().as_secs_f64();

    // 4. End to end through the gateway's poller: outbox → relay → SQS → consumer → row.
    let mut config = GatewayConfig::from_env()?;
    config.platform.database_url = url.clone();
    config.platform.queue_prefix = prefix.clone();
    config.frontend_dir = None;
    let _gateway = spawn(config, "127.0.0.1:0".parse()?).await?;
    let relay = Relay::new(pool.clone(), Arc::new(SqsQueue::new(cs_aws::sqs(&aws), &prefix)));
    let base = 2 * IN_PROCESS;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..CONCURRENCY {
        let (pool, relay, ids) = (pool.clone(), relay.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            for i in (w..END_TO_END).step_by(CONCURRENCY) {
                let mut client = pool.get().await?;
                let tx = client.transaction().await?;
                let outbox = cs_events::emit(&tx, &like(ids[base + i], ids[base + END_TO_END + i])).await?;
                tx.commit().await?;
                relay.publish(&mut client, &outbox).await;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let n: i64 = db.query_one("SELECT count(*) FROM notifications WHERE created_at >= now() - interval '10 minutes' AND group_key NOT LIKE 'bare:%'", &[]).await?.get(0);
        if n >= (IN_PROCESS + END_TO_END) as i64 {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "only {} of {END_TO_END} events arrived", n - IN_PROCESS as i64);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let e2e_secs = started.elapsed().as_secs_f64();
    let delays: Vec<f64> = db
        .query(
            "SELECT extract(epoch FROM n.created_at - (o.body->>'time')::timestamptz)::float8 * 1000
             FROM outbox o JOIN notifications n ON n.user_id = (o.body->'data'->>'authorId')::uuid",
            &[],
        )
        .await
        .context("delays")?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let delays = Latencies::from_ms(delays, started.elapsed());

    println!("{:<58} {:>10}", "path", "events/s");
    println!("{:<58} {:>10.0}", "bare INSERT into notifications (4 connections)", bare_rate);
    println!("{:<58} {:>10.0}", "notify consumer, in-process SqsEvent batches of 10 (4 tasks)", consumer_rate);
    println!("{:<58} {:>10.0}", "emulator (moto) SQS: batched send", send_rate);
    println!("{:<58} {:>10.0}", "emulator (moto) SQS: batched receive + delete", receive_rate);
    println!("{:<58} {:>10.0}", "end to end: outbox -> relay -> SQS -> consumer -> row", END_TO_END as f64 / e2e_secs);
    println!();
    println!(
        "end-to-end delay over {} events: p50 {:.1} ms, p99 {:.1} ms (event time to notification row)",
        delays.n, delays.p50, delays.p99
    );
    println!("consumer vs bare insert: {:.1}x the cost per event", bare_rate / consumer_rate);
    Ok(())
}
