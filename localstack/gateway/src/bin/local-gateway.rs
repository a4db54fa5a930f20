//! `local-gateway [serve]`   run the HTTP API on 127.0.0.1:3000 and the WebSocket API on :3001 (migrates first)
//! `local-gateway migrate`   apply every service's migrations to DATABASE_URL
//! `local-gateway seed-demo` create the demo users of the README, their posts and items (idempotent)
//! `local-gateway reindex`   rebuild the search index from the read model (what `search-reindex` runs)
//! `local-gateway drop-test-dbs` drop the databases test runs left behind
//! `local-gateway dlq <queue>`    list the messages in the queue's dead-letter queue
//! `local-gateway redrive <queue>` move them back to the queue

use std::net::SocketAddr;

use anyhow::Context;
use local_gateway::{migrations, spawn, GatewayConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cs_http::init_tracing();
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    match command.as_str() {
        "serve" => serve().await,
        "migrate" => migrate().await,
        "seed-demo" => {
            migrate().await?;
            local_gateway::seed::demo(&std::env::var("DATABASE_URL")?).await?;
            // Posts and items go through the API of a gateway of its own, on free ports.
            let mut config = GatewayConfig::from_env()?;
            config.websocket_addr = "127.0.0.1:0".parse()?;
            let running = spawn(config, "127.0.0.1:0".parse()?).await?;
            local_gateway::seed::demo_content(&running.url()).await
        }
        "reindex" => {
            migrate().await?;
            let app = <search::App as cs_platform::Service>::from_env().await?;
            let started = std::time::Instant::now();
            let report = search::indexer::reindex(&app).await?;
            println!("reindexed in {:.1?}: {}", started.elapsed(), serde_json::to_string(&report)?);
            Ok(())
        }
        "drop-test-dbs" => {
            let n = cs_db::testing::drop_test_databases().await?;
            println!("dropped {n} test databases");
            Ok(())
        }
        "dlq" => dead_letters(&queue_arg()?).await,
        "redrive" => {
            let queue = queue_arg()?;
            let moved = sqs().await.redrive(&queue).await?;
            println!("moved {moved} messages from {queue}-dlq back to {queue}");
            Ok(())
        }
        other => anyhow::bail!(
            "unknown command {other}; try serve, migrate, seed-demo, reindex, drop-test-dbs, dlq or redrive"
        ),
    }
}

async fn migrate() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set (run `make services`)")?;
    let (mut client, conn) =
        tokio_postgres::connect(&url, tokio_postgres::NoTls).await.context("connecting to DATABASE_URL")?;
    tokio::spawn(conn);
    let applied = cs_db::migrate(&mut client, &migrations()).await?;
    println!("migrations: {} applied, {} already in place", applied.len(), migrations().len() - applied.len());
    Ok(())
}

async fn serve() -> anyhow::Result<()> {
    migrate().await?;
    let config = GatewayConfig::from_env()?;
    let manifest = cs_manifest::Manifest::load()?;
    let host = std::env::var("GATEWAY_HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port = std::env::var("GATEWAY_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(manifest.http.local_port);
    let addr: SocketAddr = format!("{host}:{port}").parse()?;
    let running = spawn(config, addr).await?;
    println!("ConnectSphere HTTP API on {}", running.url());
    println!("ConnectSphere WebSocket API on {}", running.ws_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}

fn queue_arg() -> anyhow::Result<String> {
    let queue = std::env::args().nth(2).context("name the queue, e.g. notifications")?;
    let manifest = cs_manifest::Manifest::load()?;
    anyhow::ensure!(manifest.queue(&queue).is_some(), "no queue {queue} in functions/manifest.toml");
    Ok(queue)
}

async fn sqs() -> cs_aws::SqsQueue {
    let aws = cs_aws::sdk_config().await;
    cs_aws::SqsQueue::new(cs_aws::sqs(&aws), std::env::var("QUEUE_PREFIX").unwrap_or_default())
}

async fn dead_letters(queue: &str) -> anyhow::Result<()> {
    let dead = sqs().await.dead_letters(queue, 100).await?;
    println!("{} messages in {queue}-dlq{}", dead.len(), if dead.len() == 100 { " (showing 100)" } else { "" });
    for d in dead {
        let body: String = d.body.chars().take(160).collect();
        println!("{}  received {}x  {body}", d.message_id, d.receive_count);
    }
    Ok(())
}
