#![allow(clippy::expect_used, clippy::unwrap_used)]
//! `make bench` (search): 110,000 users, 1,000,000 posts and 100,000 items loaded in bulk
//! into the owning services' tables, indexed by `search-reindex` (the function behind
//! `make reindex`); then p50/p99 of `GET /search` per type, of the overview and of
//! `GET /search/users/suggest` through the gateway, beside the bare SQL of the same query
//! (the Postgres adapter called directly: no HTTP, no read-model hydration) and a naive
//! `ILIKE '%q%'` scan; the plans of every query (index scans, never a sequential scan of
//! an index table); and the index lag from a post's creation to its being found, p50/p99.

use std::time::{Duration, Instant};

use blackbox::{Latencies, TestApp};
use cs_platform::Service;
use search::{
    index::{Common, ItemQuery, ItemSort, PostQuery, PostSort},
    postgres::Explain,
    PgIndex, SearchIndex,
};

const USERS: i64 = 110_000;
const POSTS: i64 = 1_000_000;
const ITEMS: i64 = 100_000;
const SAMPLES: usize = 200;
const NAIVE_SAMPLES: usize = 5;
const LAG_SAMPLES: usize = 30;

/// 8,000 pseudo-words (three syllables each), index 0 the most frequent in the generated text.
fn vocabulary() -> Vec<String> {
    const SYLLABLES: [&str; 20] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "be", "da", "fo", "gu", "ha", "je", "ki", "lu", "ma", "no",
        "pe", "ri",
    ];
    let mut words = Vec::new();
    for a in SYLLABLES {
        for b in SYLLABLES {
            for c in SYLLABLES {
                words.push(format!("{a}{b}{c}"));
            }
        }
    }
    words
}

async fn timed<F, Fut>(n: usize, mut f: F) -> Latencies
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let at = Instant::now();
        f(i).await;
        samples.push(at.elapsed());
    }
    Latencies::from_durations(&samples, started.elapsed())
}

fn row(name: &str, l: &Latencies) {
    println!("  {name:<48} p50 {:>8.2} ms   p99 {:>8.2} ms   ({} samples)", l.p50, l.p99, l.n);
}

/// Which node types a plan uses, and whether an index table is read by a sequential scan.
fn plan_summary(plan: &str) -> String {
    let seq = plan.lines().any(|l| l.contains("Seq Scan on search_"));
    let mut nodes: Vec<&str> = plan
        .lines()
        .filter_map(|l| {
            let l = l.trim_start().trim_start_matches("->").trim();
            ["Bitmap Index Scan on ", "Index Scan using ", "Index Only Scan using ", "Seq Scan on "]
                .iter()
                .find(|p| l.starts_with(**p))
                .map(|_| l.split("  ").next().unwrap_or(l))
        })
        .collect();
    nodes.dedup();
    format!("{}{}", if seq { "SEQUENTIAL SCAN! " } else { "" }, nodes.join("; "))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let app = TestApp::spawn().await;
    let db = app.db().await;
    let words = vocabulary();
    let pick = "v[1 + floor(8000 * random() ^ 2)::int]";
    // Inside `string_agg(…) FROM generate_series(…) s`, the word must depend on `s`, or the
    // aggregate would belong to the outer query.
    let words_of = |n: &str| {
        format!(
            "(SELECT string_agg(v[1 + floor(8000 * random() ^ 2)::int + 0 * s], ' ') FROM generate_series(1, {n}) s)"
        )
    };
    let (bio, content) = (words_of("8 + g % 2"), words_of("10 + g % 5"));
    let (title, description) = (words_of("3 + g % 2"), words_of("20 + g % 5"));
    println!("search benchmark: {USERS} users, {POSTS} posts, {ITEMS} items");
    let load = Instant::now();
    db.execute("SET synchronous_commit = off", &[]).await?;
    db.execute(
        &format!(
            "INSERT INTO users (id, username, email, hashed_password, display_name, bio, created_at, updated_at)
             SELECT gen_random_uuid(), w || '_' || g, 'u' || g || '@bench.example', 'x',
                    initcap({pick}) || ' ' || initcap({pick}),
                    {bio},
                    now() - interval '1 day', now() - interval '1 day'
             FROM generate_series(1, $2::int) g, LATERAL (SELECT $1::text[] AS v) vv,
                  LATERAL (SELECT v[1 + (g % 8000)] AS w) ww"
        ),
        &[&words, &(USERS as i32)],
    )
    .await?;
    db.execute(
        &format!(
            "INSERT INTO posts (id, user_id, content, created_at, updated_at)
             SELECT gen_random_uuid(), u.ids[1 + g % $3::int],
                    {content}
                      || CASE WHEN g % 10 = 0 THEN ' #' || v[1 + g % 300] ELSE '' END,
                    now() - (g % 525600) * interval '1 minute', now() - (g % 525600) * interval '1 minute'
             FROM generate_series(1, $2::int) g, LATERAL (SELECT $1::text[] AS v) vv,
                  (SELECT array_agg(id ORDER BY id) AS ids FROM users) u"
        ),
        &[&words, &(POSTS as i32), &(USERS as i32)],
    )
    .await?;
    let posts: i64 = db.query_one("SELECT count(*) FROM posts", &[]).await?.get(0);
    println!("  loaded {posts} posts");
    db.execute(
        &format!(
            "INSERT INTO items (id, seller_id, title, description, price, currency, status, file_media_id, file_key,
                                file_name, file_size, created_at, updated_at)
             SELECT gen_random_uuid(), u.ids[1 + g % $3::int],
                    initcap({title}),
                    {description},
                    1 + (g % 50000) / 100.0, (ARRAY['EUR', 'USD', 'GBP'])[1 + g % 3],
                    CASE WHEN g % 10 = 0 THEN 'draft' WHEN g % 10 = 1 THEN 'archived' ELSE 'active' END,
                    gen_random_uuid(), 'uploads/bench', 'bench.pdf', 10,
                    now() - (g % 100000) * interval '5 minutes', now() - (g % 100000) * interval '5 minutes'
             FROM generate_series(1, $2::int) g, LATERAL (SELECT $1::text[] AS v) vv,
                  (SELECT array_agg(id ORDER BY id) AS ids FROM users) u"
        ),
        &[&words, &(ITEMS as i32), &(USERS as i32)],
    )
    .await?;
    println!("  source tables loaded in {:.0?}", load.elapsed());

    // The index, built as `make reindex` builds it.
    let mut settings = cs_platform::Settings::from_env()?;
    settings.database_url = app.db_url.clone();
    settings.pool_size = 4;
    let platform = cs_platform::Platform::new(settings).await;
    let searcher = search::App::new(&platform, search::App::config_from_env()?)?;
    let started = Instant::now();
    let report = search::indexer::reindex(&searcher).await?;
    let took = started.elapsed();
    let docs = report.users + report.posts + report.items;
    println!(
        "  reindex: {} users, {} posts, {} items in {took:.0?} ({:.0} documents/s)",
        report.users,
        report.posts,
        report.items,
        docs as f64 / took.as_secs_f64()
    );
    db.batch_execute("VACUUM ANALYZE search_users, search_posts, search_items").await?;

    // What to look for: a word in ~0.3% of posts (index 1000 of the skewed vocabulary), two
    // words together, a phrase, a common word (~15% of posts: the worst case for ranking),
    // a typo'd name, a prefix.
    let typical = &words[1000];
    let cases: Vec<(String, String)> = vec![
        ("posts: one word (~0.3% of posts)".into(), format!("type=posts&q={typical}")),
        ("posts: one word, newest".into(), format!("type=posts&q={typical}&sort=newest")),
        ("posts: two words".into(), format!("type=posts&q={}+{}", words[100], words[200])),
        ("posts: a phrase".into(), format!("type=posts&q=%22{}+{}%22", words[10], words[11])),
        ("posts: a common word (~13% of posts)".into(), format!("type=posts&q={}", words[0])),
        ("posts: a common word, newest".into(), format!("type=posts&q={}&sort=newest", words[0])),
        ("items: one word".into(), format!("type=items&q={}", words[300])),
        ("items: a common word".into(), format!("type=items&q={}", words[0])),
        (
            "items: one word, price_asc, a currency".into(),
            format!("type=items&q={}&sort=price_asc&currency=EUR", words[300]),
        ),
        ("users: a name".into(), format!("type=users&q={}", words[4321])),
        ("users: a misspelt name".into(), format!("type=users&q={}", swap(&words[4321]))),
        ("overview: all three, top 5".into(), format!("q={typical}")),
    ];
    println!("\n  through the gateway (GET, one at a time):");
    let mut http = Vec::new();
    for (name, query) in &cases {
        let url = format!("{}/search?{query}", app.url);
        let l = timed(SAMPLES, |_| {
            let (c, url) = (&app.http, url.clone());
            async move {
                let res = c.get(url).send().await.expect("search");
                assert_eq!(res.status(), 200);
                res.bytes().await.expect("body");
            }
        })
        .await;
        row(name, &l);
        http.push(l);
    }
    let prefixes: Vec<String> = (0..SAMPLES).map(|i| words[(i * 37) % 8000][..2 + i % 3].to_string()).collect();
    let suggest = timed(SAMPLES, |i| {
        let url = format!("{}/search/users/suggest?q={}", app.url, prefixes[i]);
        let c = &app.http;
        async move {
            let res = c.get(url).send().await.expect("suggest");
            assert_eq!(res.status(), 200);
            res.bytes().await.expect("body");
        }
    })
    .await;
    row("suggest: a 2-4 letter prefix", &suggest);

    // The same queries, bare: the adapter's SQL, no HTTP, no hydration.
    let index = PgIndex::new(cs_db::connect_as(&app.db_url, "cs_search", 2)?);
    let common = |text: &str| Common { text: text.into(), hidden: Vec::new(), limit: 21, after: None };
    let post_q = |text: &str, sort| PostQuery {
        common: common(text),
        author: None,
        has_media: None,
        since: None,
        until: None,
        sort,
    };
    let item_q = |text: &str, sort, currency: Option<&str>| ItemQuery {
        common: common(text),
        seller: None,
        min_cents: None,
        max_cents: None,
        currency: currency.map(str::to_string),
        sort,
    };
    println!("\n  bare SQL of the same queries (the Postgres adapter, page and count):");
    let bare_posts = [
        ("posts: one word", post_q(typical, PostSort::Relevance)),
        ("posts: one word, newest", post_q(typical, PostSort::Newest)),
        ("posts: two words", post_q(&format!("{} {}", words[100], words[200]), PostSort::Relevance)),
        ("posts: a phrase", post_q(&format!("\"{} {}\"", words[10], words[11]), PostSort::Relevance)),
        ("posts: a common word", post_q(&words[0], PostSort::Relevance)),
        ("posts: a common word, newest", post_q(&words[0], PostSort::Newest)),
    ];
    for (name, q) in &bare_posts {
        let l = timed(SAMPLES, |_| async {
            index.posts(q).await.expect("posts");
        })
        .await;
        row(name, &l);
    }
    let bare_items = [
        ("items: one word", item_q(&words[300], ItemSort::Relevance, None)),
        ("items: a common word", item_q(&words[0], ItemSort::Relevance, None)),
        ("items: one word, price_asc, a currency", item_q(&words[300], ItemSort::PriceAsc, Some("EUR"))),
    ];
    for (name, q) in &bare_items {
        let l = timed(SAMPLES, |_| async {
            index.items(q).await.expect("items");
        })
        .await;
        row(name, &l);
    }
    for (name, text) in [("users: a name", words[4321].clone()), ("users: a misspelt name", swap(&words[4321]))] {
        let q = common(&text);
        let l = timed(SAMPLES, |_| async {
            index.users(&q).await.expect("users");
        })
        .await;
        row(name, &l);
    }
    let l = timed(SAMPLES, |i| {
        let (index, p) = (&index, prefixes[i].clone());
        async move {
            index.suggest(&p, &[], 8).await.expect("suggest");
        }
    })
    .await;
    row("suggest: a 2-4 letter prefix", &l);

    println!("\n  the naive baseline (ILIKE '%q%' on the source tables, newest first, 20 rows):");
    for (name, sql, q) in [
        ("posts: one word", "SELECT id FROM posts WHERE content ILIKE $1 ORDER BY created_at DESC LIMIT 20", typical.clone()),
        ("items: one word", "SELECT id FROM items WHERE status = 'active' AND (title ILIKE $1 OR description ILIKE $1) ORDER BY created_at DESC LIMIT 20", words[300].clone()),
        ("users: a name", "SELECT id FROM users WHERE username ILIKE $1 OR display_name ILIKE $1 LIMIT 20", words[4321].clone()),
    ] {
        let pattern = format!("%{q}%");
        let l = timed(NAIVE_SAMPLES, |_| {
            let (db, p) = (&db, pattern.clone());
            async move {
                db.query(sql, &[&p]).await.expect("ilike");
            }
        })
        .await;
        row(name, &l);
    }

    println!("\n  plans (EXPLAIN ANALYZE of the page; of the count where there is one):");
    let plans = [
        ("posts: one word", Explain::Posts(&bare_posts[0].1)),
        ("posts: one word, newest", Explain::Posts(&bare_posts[1].1)),
        ("posts: a common word", Explain::Posts(&bare_posts[4].1)),
        ("posts: a common word, newest", Explain::Posts(&bare_posts[5].1)),
        ("items: a common word", Explain::Items(&bare_items[1].1)),
        ("items: price_asc, a currency", Explain::Items(&bare_items[2].1)),
        ("users: a name", Explain::Users(&common(&words[4321]))),
        ("users: a misspelt name", Explain::Users(&common(&swap(&words[4321])))),
        ("suggest", Explain::Suggest("kal")),
    ];
    for (name, what) in plans {
        let (page, count) = index.explain(what).await?;
        println!("  {name:<30} page: {}", plan_summary(&page));
        if !count.is_empty() {
            println!("  {:<30} count: {}", "", plan_summary(&count));
        }
        if std::env::var_os("BENCH_PLANS").is_some() {
            println!("{page}\n{count}");
        }
    }

    // Index lag: from the POST that creates a post to the search that first finds it.
    let author = app.register("lag").await;
    let mut lags = Vec::new();
    let started = Instant::now();
    for i in 0..LAG_SAMPLES {
        let word = format!("lagword{i}x");
        let at = Instant::now();
        let res = app
            .post("/posts", Some(&author.access), serde_json::json!({ "content": format!("Measuring {word}") }))
            .await;
        assert_eq!(res.status(), 201);
        loop {
            let page: serde_json::Value =
                app.get(&format!("/search?type=posts&q={word}"), None).await.json().await.expect("json");
            if page["total"] == 1 {
                break;
            }
            assert!(at.elapsed() < Duration::from_secs(60), "not indexed within a minute");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        lags.push(at.elapsed());
    }
    let lag = Latencies::from_durations(&lags, started.elapsed());
    println!("\n  index lag, event to searchable (outbox → the emulator's SQS → search-index):");
    row("lag", &lag);
    Ok(())
}

/// The word with its 2nd and 3rd letters swapped (a typo).
fn swap(word: &str) -> String {
    let mut c: Vec<char> = word.chars().collect();
    c.swap(1, 2);
    c.into_iter().collect()
}
