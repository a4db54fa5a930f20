//! `make bench` (feed): `GET /timeline/home` through the local gateway on a seeded graph of
//! 10,000 users with 1,000,000 posts and 200 follows each, plus three authors with 100,000
//! followers (merged on read), beside the same page as bare SQL over the posts table; and
//! readers who follow 10, 200 and 5,000 accounts.
//!
//! Timelines are seeded as fan-out would leave them, but only with each followee's two
//! newest posts (400 entries per ordinary reader): 200 million rows do not fit this
//! machine's time budget, and a first page reads the same index path either way.

use std::{
    io::Write,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use blackbox::Latencies;
use cs_auth::{SigningKey, Tokens};
use local_gateway::{migrations, repo_root, spawn, GatewayConfig};
use tokio_postgres::NoTls;
use uuid::Uuid;

const USERS: i64 = 10_000;
const POSTS_EACH: i64 = 100;
const FOLLOWS_EACH: i64 = 200;
const FANS: i64 = 100_000;
const CELEBRITIES: i64 = 3;
const CELEBRITY_THRESHOLD: i64 = 50_000;
const RUN_FOR: Duration = Duration::from_secs(4);

fn progress(step: usize, of: usize, what: &str, started: Instant) {
    let filled = step * 30 / of;
    eprint!(
        "\r[{}{}] {step}/{of} {what:<44} {:>6.1}s",
        "#".repeat(filled),
        " ".repeat(30 - filled),
        started.elapsed().as_secs_f64()
    );
    let _ = std::io::stderr().flush();
}

async fn seed(db: &tokio_postgres::Client) -> anyhow::Result<()> {
    let started = Instant::now();
    let steps: Vec<(&str, String)> = vec![
        ("users (10,000 + 100,000 fans)", format!(
            "INSERT INTO users (id, username, email, hashed_password, created_at)
             SELECT gen_random_uuid(), 'u' || i, 'u' || i || '@example.com', 'x', now() - interval '1 year'
             FROM generate_series(0, {USERS} - 1) i;
             INSERT INTO users (id, username, email, hashed_password)
             SELECT gen_random_uuid(), 'fan' || i, 'fan' || i || '@example.com', 'x' FROM generate_series(1, {FANS}) i;
             INSERT INTO users (id, username, email, hashed_password)
             SELECT gen_random_uuid(), 'reader' || n, 'reader' || n || '@example.com', 'x' FROM unnest(ARRAY[10, 200, 5000]) n;
             CREATE TEMP TABLE n AS SELECT id, substr(username, 2)::int AS i FROM users WHERE username ~ '^u[0-9]+$';
             CREATE UNIQUE INDEX ON n (i); ANALYZE n;")),
        // Bulk load: foreign-key triggers off and secondary indexes built once at the end.
        ("bulk-load mode", "ALTER TABLE posts DISABLE TRIGGER ALL; ALTER TABLE followers DISABLE TRIGGER ALL;
             ALTER TABLE timelines DISABLE TRIGGER ALL;
             DROP INDEX posts_by_author, posts_public, followers_page, following_page,
                        timelines_page, timelines_author, timelines_post".into()),
        ("posts (1,000,000)", format!(
            "INSERT INTO posts (id, user_id, content, created_at, updated_at)
             SELECT gen_random_uuid(), n.id, 'post ' || k || ' of ' || n.i, t, t
             FROM n CROSS JOIN generate_series(1, {POSTS_EACH}) k
             CROSS JOIN LATERAL (SELECT now() - ((k * {USERS} + n.i) * interval '3 seconds') AS t) ts")),
        ("follows (200 each, 2,000,000)", format!(
            "INSERT INTO followers (user_id, follower_id, created_at)
             SELECT b.id, a.id, now() - interval '200 days'
             FROM n a CROSS JOIN generate_series(1, {FOLLOWS_EACH}) j JOIN n b ON b.i = (a.i + j * 37 + {CELEBRITIES}) % {USERS}
             WHERE b.i <> a.i ON CONFLICT DO NOTHING")),
        ("celebrity fans (300,000)", format!(
            "INSERT INTO followers (user_id, follower_id)
             SELECT c.id, f.id FROM n c CROSS JOIN users f WHERE c.i < {CELEBRITIES} AND f.username LIKE 'fan%';
             INSERT INTO followers (user_id, follower_id)
             SELECT c.id, a.id FROM n c CROSS JOIN n a WHERE c.i < {CELEBRITIES} AND a.i % 10 = 0 AND a.i >= {CELEBRITIES}
             ON CONFLICT DO NOTHING")),
        ("the three readers' follows", format!(
            "INSERT INTO followers (user_id, follower_id)
             SELECT b.id, r.id FROM users r JOIN n b ON b.i >= {CELEBRITIES}
               AND b.i < {CELEBRITIES} + substr(r.username, 7)::int
             WHERE r.username LIKE 'reader%';
             INSERT INTO followers (user_id, follower_id)
             SELECT c.id, r.id FROM users r JOIN n c ON c.i < {CELEBRITIES} WHERE r.username LIKE 'reader%'")),
        ("counters", "UPDATE users u SET followers_count = c.n FROM (SELECT user_id, count(*) n FROM followers GROUP BY user_id) c WHERE c.user_id = u.id;
             UPDATE users u SET following_count = c.n FROM (SELECT follower_id, count(*) n FROM followers GROUP BY follower_id) c WHERE c.follower_id = u.id".into()),
        ("posts index for the timelines", "CREATE INDEX posts_by_author ON posts (user_id, created_at DESC, id DESC); ANALYZE".into()),
        ("timelines (as fan-out leaves them)", format!(
            "INSERT INTO timelines (user_id, post_id, author_id, created_at)
             SELECT f.follower_id, p.id, p.user_id, p.created_at
             FROM followers f JOIN users a ON a.id = f.user_id AND a.followers_count < {CELEBRITY_THRESHOLD}
             JOIN users r ON r.id = f.follower_id AND r.username NOT LIKE 'fan%'
             CROSS JOIN LATERAL (SELECT id, user_id, created_at FROM posts WHERE user_id = f.user_id
                                 ORDER BY created_at DESC, id DESC LIMIT 2) p")),
        ("indexes, triggers back on", "CREATE INDEX posts_public ON posts (created_at DESC, id DESC);
             CREATE INDEX followers_page ON followers (user_id, created_at DESC, follower_id DESC);
             CREATE INDEX following_page ON followers (follower_id, created_at DESC, user_id DESC);
             CREATE INDEX timelines_page ON timelines (user_id, created_at DESC, post_id DESC);
             CREATE INDEX timelines_author ON timelines (user_id, author_id);
             CREATE INDEX timelines_post ON timelines (post_id);
             ALTER TABLE posts ENABLE TRIGGER ALL; ALTER TABLE followers ENABLE TRIGGER ALL;
             ALTER TABLE timelines ENABLE TRIGGER ALL".into()),
        ("analyze", "VACUUM ANALYZE".into()),
    ];
    for (i, (what, sql)) in steps.iter().enumerate() {
        progress(i, steps.len(), what, started);
        db.batch_execute(sql).await?;
    }
    progress(steps.len(), steps.len(), "done", started);
    eprintln!();
    Ok(())
}

async fn gateway(base: &str, tokens: Arc<Vec<String>>, concurrency: usize) -> anyhow::Result<Latencies> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (client, tokens, url) = (client.clone(), Arc::clone(&tokens), format!("{base}/timeline/home"));
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut i = w * 7919;
            while started.elapsed() < RUN_FOR {
                let t = Instant::now();
                let res = client.get(&url).bearer_auth(&tokens[i % tokens.len()]).send().await?;
                anyhow::ensure!(res.status() == 200, "status {}", res.status());
                let page: serde_json::Value = res.json().await?;
                anyhow::ensure!(page["items"].as_array().is_some_and(|a| a.len() == 20), "short page");
                samples.push(t.elapsed().as_secs_f64() * 1000.0);
                i += 13;
            }
            Ok::<_, anyhow::Error>(samples)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(Latencies::from_ms(all, started.elapsed()))
}

/// The same page straight from the posts table: the followees' newest posts, with authors.
async fn bare_sql(url: &str, readers: Arc<Vec<Uuid>>, concurrency: usize) -> anyhow::Result<Latencies> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (url, readers) = (url.to_string(), Arc::clone(&readers));
        tasks.push(tokio::spawn(async move {
            let (client, conn) = tokio_postgres::connect(&url, NoTls).await?;
            tokio::spawn(conn);
            let stmt = client
                .prepare(
                    "SELECT p.id, p.content, p.like_count, p.comment_count, p.created_at, u.id, u.username, u.display_name
                     FROM followers f JOIN posts p ON p.user_id = f.user_id JOIN users u ON u.id = p.user_id
                     WHERE f.follower_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT 20",
                )
                .await?;
            let mut samples = Vec::new();
            let mut i = w * 7919;
            while started.elapsed() < RUN_FOR {
                let t = Instant::now();
                let rows = client.query(&stmt, &[&readers[i % readers.len()]]).await?;
                anyhow::ensure!(rows.len() == 20, "short page");
                samples.push(t.elapsed().as_secs_f64() * 1000.0);
                i += 13;
            }
            Ok::<_, anyhow::Error>(samples)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(Latencies::from_ms(all, started.elapsed()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = cs_db::testing::fresh_database(&migrations()).await?;
    let (db, conn) = tokio_postgres::connect(&url, NoTls).await?;
    tokio::spawn(conn);
    seed(&db).await?;
    let count = |sql: &'static str| {
        let db = &db;
        async move { db.query_one(sql, &[]).await.map(|r| r.get::<_, i64>(0)) }
    };
    println!(
        "seeded {} users, {} posts, {} follows, {} timeline entries",
        count("SELECT count(*) FROM users").await?,
        count("SELECT count(*) FROM posts").await?,
        count("SELECT count(*) FROM followers").await?,
        count("SELECT count(*) FROM timelines").await?
    );

    let mut config = GatewayConfig::from_env()?;
    config.platform.database_url = url.clone();
    config.platform.pool_size = 16;
    config.frontend_dir = None;
    config.background = false;
    config.feed.celebrity_followers = CELEBRITY_THRESHOLD;
    let running = spawn(config, "127.0.0.1:0".parse::<SocketAddr>()?).await?;
    let base = running.url();
    let tokens = Tokens::new(
        SigningKey::load_or_generate(&repo_root().join(".local/jwt-private.pem"))?,
        "connectsphere",
        "connectsphere-api",
        Duration::from_secs(3600),
    );
    let sample: Vec<(Uuid, String)> = db
        .query("SELECT id, username FROM users WHERE username ~ '^u[0-9]+$' ORDER BY md5(username) LIMIT 1000", &[])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let jwt = |(id, name): &(Uuid, String)| tokens.issue(*id, name).map(|t| t.0);
    let sample_tokens = Arc::new(sample.iter().map(jwt).collect::<Result<Vec<_>, _>>()?);
    let sample_ids = Arc::new(sample.iter().map(|s| s.0).collect::<Vec<_>>());

    println!("\nGET /timeline/home, 20 posts a page; {RUN_FOR:?} per cell; ms");
    println!(
        "{:<36} {:>4} | {:>8} {:>8} {:>7} | {:>8} {:>8} {:>7} | {:>9}",
        "who", "conc", "gw p50", "gw p99", "gw rps", "sql p50", "sql p99", "sql rps", "p99 ratio"
    );
    let _ = gateway(&base, Arc::clone(&sample_tokens), 1).await?;
    for conc in [1, 8] {
        let gw = gateway(&base, Arc::clone(&sample_tokens), conc).await?;
        let sql = bare_sql(&url, Arc::clone(&sample_ids), conc).await?;
        println!(
            "{:<36} {:>4} | {:>8.2} {:>8.2} {:>7.0} | {:>8.2} {:>8.2} {:>7.0} | {:>8.1}x",
            "1,000 readers (200 follows each)",
            conc,
            gw.p50,
            gw.p99,
            gw.rate,
            sql.p50,
            sql.p99,
            sql.rate,
            gw.p99 / sql.p99
        );
    }
    let mut p99s = Vec::new();
    for n in [10, 200, 5000] {
        let reader =
            db.query_one("SELECT id, username FROM users WHERE username = $1", &[&format!("reader{n}")]).await?;
        let who: (Uuid, String) = (reader.get(0), reader.get(1));
        let gw = gateway(&base, Arc::new(vec![jwt(&who)?]), 1).await?;
        let sql = bare_sql(&url, Arc::new(vec![who.0]), 1).await?;
        println!(
            "{:<36} {:>4} | {:>8.2} {:>8.2} {:>7.0} | {:>8.2} {:>8.2} {:>7.0} | {:>8.1}x",
            format!("reader following {n} (+3 merged)"),
            1,
            gw.p50,
            gw.p99,
            gw.rate,
            sql.p50,
            sql.p99,
            sql.rate,
            gw.p99 / sql.p99
        );
        p99s.push(gw.p99);
    }
    println!("\n5,000-follow reader vs 10-follow reader, gateway p99: {:.2}x (target at most 1.5x)", p99s[2] / p99s[0]);
    Ok(())
}
