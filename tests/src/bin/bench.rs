//! `make bench`: the user service through the local gateway, beside the same queries as
//! bare SQL, on a seeded set of 10,000 users and 200,000 follows.
//!
//! Each endpoint is driven at concurrency 1 (latency) and 8 (throughput) over keep-alive
//! HTTP; the baseline runs the handler's own SQL with prepared statements over the same
//! number of Postgres connections. Ratios, not absolute times, are the point.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use blackbox::Latencies;
use local_gateway::{migrations, spawn, GatewayConfig};
use tokio_postgres::NoTls;
use uuid::Uuid;

const USERS: i64 = 10_000;
const FOLLOWS_EACH: i64 = 20;
const RUN_FOR: Duration = Duration::from_secs(4);

#[derive(Clone, Copy)]
enum Endpoint {
    User,
    Followers,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Endpoint::User => "GET /users/{id}",
            Endpoint::Followers => "GET /users/{id}/followers",
        }
    }
    fn path(self, id: Uuid) -> String {
        match self {
            Endpoint::User => format!("/users/{id}"),
            Endpoint::Followers => format!("/users/{id}/followers"),
        }
    }
    /// The SQL the handler runs (see functions/user/src/repo.rs).
    fn sql(self) -> &'static str {
        match self {
            Endpoint::User => {
                "SELECT u.id, u.username, u.email, u.hashed_password, u.display_name, u.bio, u.avatar_url, \
                u.followers_count, u.following_count, u.created_at, u.updated_at FROM users u WHERE u.id = $1"
            }
            Endpoint::Followers => {
                "SELECT u.id, u.username, u.email, u.hashed_password, u.display_name, u.bio, u.avatar_url, \
                u.followers_count, u.following_count, u.created_at, u.updated_at, f.created_at \
                FROM followers f JOIN users u ON u.id = f.follower_id WHERE f.user_id = $1 \
                AND ($2::timestamptz IS NULL OR (f.created_at, f.follower_id) < ($2, $3)) \
                ORDER BY f.created_at DESC, f.follower_id DESC LIMIT $4"
            }
        }
    }
}

fn ms(v: f64) -> String {
    format!("{v:.3}")
}

async fn seed(url: &str) -> anyhow::Result<Vec<Uuid>> {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(conn);
    let started = Instant::now();
    client
        .batch_execute(&format!(
            "INSERT INTO users (id, username, email, hashed_password, display_name, created_at)
             SELECT gen_random_uuid(), 'user' || i, 'user' || i || '@example.com', 'not-a-login', 'User ' || i,
                    now() - (i || ' minutes')::interval
             FROM generate_series(1, {USERS}) AS i;
             CREATE TEMP TABLE numbered AS SELECT id, row_number() OVER (ORDER BY username) - 1 AS n FROM users;
             INSERT INTO followers (user_id, follower_id, created_at)
             SELECT b.id, a.id, now() - ((a.n * {FOLLOWS_EACH} + k) || ' seconds')::interval
             FROM numbered a CROSS JOIN generate_series(1, {FOLLOWS_EACH}) AS k
             JOIN numbered b ON b.n = (a.n + k * 37) % {USERS};
             UPDATE users u SET followers_count = c.n FROM (SELECT user_id, count(*) n FROM followers GROUP BY user_id) c WHERE c.user_id = u.id;
             UPDATE users u SET following_count = c.n FROM (SELECT follower_id, count(*) n FROM followers GROUP BY follower_id) c WHERE c.follower_id = u.id;
             ANALYZE;"
        ))
        .await
        .context("seeding")?;
    let follows: i64 = client.query_one("SELECT count(*) FROM followers", &[]).await?.get(0);
    println!("seeded {USERS} users and {follows} follows in {:.1}s", started.elapsed().as_secs_f64());
    Ok(client.query("SELECT id FROM users", &[]).await?.iter().map(|r| r.get(0)).collect())
}

async fn drive_gateway(
    base: &str,
    endpoint: Endpoint,
    ids: Arc<Vec<Uuid>>,
    concurrency: usize,
) -> anyhow::Result<Latencies> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (client, ids, base) = (client.clone(), Arc::clone(&ids), base.to_string());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut i = w * 7919;
            while started.elapsed() < RUN_FOR {
                let id = ids[i % ids.len()];
                i += 13;
                let t = Instant::now();
                let res = client.get(format!("{base}{}", endpoint.path(id))).send().await?;
                anyhow::ensure!(res.status() == 200, "status {}", res.status());
                res.bytes().await?;
                samples.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(samples)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(Latencies::from_durations(&all, started.elapsed()))
}

async fn drive_sql(
    url: &str,
    endpoint: Endpoint,
    ids: Arc<Vec<Uuid>>,
    concurrency: usize,
) -> anyhow::Result<Latencies> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (ids, url) = (Arc::clone(&ids), url.to_string());
        tasks.push(tokio::spawn(async move {
            let (client, conn) = tokio_postgres::connect(&url, NoTls).await?;
            tokio::spawn(conn);
            let stmt = client.prepare(endpoint.sql()).await?;
            let none: Option<chrono::DateTime<chrono::Utc>> = None;
            let (no_id, limit): (Option<Uuid>, i64) = (None, 21);
            let mut samples = Vec::new();
            let mut i = w * 7919;
            let started_here = Instant::now();
            while started_here.elapsed() < RUN_FOR {
                let id = ids[i % ids.len()];
                i += 13;
                let t = Instant::now();
                match endpoint {
                    Endpoint::User => {
                        client.query_opt(&stmt, &[&id]).await?.context("row")?;
                    }
                    Endpoint::Followers => {
                        let rows = client.query(&stmt, &[&id, &none, &no_id, &limit]).await?;
                        anyhow::ensure!(!rows.is_empty());
                    }
                }
                samples.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(samples)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(Latencies::from_durations(&all, started.elapsed()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = cs_db::testing::fresh_database(&migrations()).await?;
    let ids = Arc::new(seed(&url).await?);

    let mut config = GatewayConfig::from_env()?;
    config.platform.database_url = url.clone();
    config.platform.pool_size = 16;
    config.frontend_dir = None;
    config.background = false;
    let gateway = spawn(config, "127.0.0.1:0".parse::<SocketAddr>()?).await?;
    let base = gateway.url();

    println!();
    println!("user service: local gateway (in-process functions, no access log) vs the same SQL, prepared, over tokio-postgres");
    println!("{RUN_FOR:?} per cell; latencies in ms");
    println!(
        "{:<28} {:>4} | {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8} | {:>9} {:>9}",
        "endpoint", "conc", "gw p50", "gw p99", "gw rps", "sql p50", "sql p99", "sql rps", "p99 ratio", "rps ratio"
    );
    let mut verdicts = Vec::new();
    for endpoint in [Endpoint::User, Endpoint::Followers] {
        for concurrency in [1, 8] {
            // Warm both paths (connection pools, plan caches) before measuring.
            let _ = drive_gateway(&base, endpoint, Arc::clone(&ids), 1).await;
            let gw = drive_gateway(&base, endpoint, Arc::clone(&ids), concurrency).await?;
            let sql = drive_sql(&url, endpoint, Arc::clone(&ids), concurrency).await?;
            let p99_ratio = gw.p99 / sql.p99;
            let rps_ratio = sql.rate / gw.rate;
            println!(
                "{:<28} {:>4} | {:>8} {:>8} {:>8.0} | {:>8} {:>8} {:>8.0} | {:>8.1}x {:>8.1}x",
                endpoint.name(),
                concurrency,
                ms(gw.p50),
                ms(gw.p99),
                gw.rate,
                ms(sql.p50),
                ms(sql.p99),
                sql.rate,
                p99_ratio,
                rps_ratio
            );
            verdicts.push(format!(
                "{} at concurrency {concurrency}: p99 {} ms ({} the 5 ms target); {} requests",
                endpoint.name(),
                ms(gw.p99),
                if gw.p99 < 5.0 { "within" } else { "OVER" },
                gw.n
            ));
        }
    }
    println!();
    for v in verdicts {
        println!("{v}");
    }
    println!("(ratio columns: gateway p99 / SQL p99, and SQL rps / gateway rps; the target is at most 2x)");
    Ok(())
}
