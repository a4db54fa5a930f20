//! The Postgres adapter of [`SearchIndex`]: the `search_*` tables of this service's
//! migrations, tsvectors written by the indexer (config `cs_search`: unaccent, then English
//! stemming, over the HTML-escaped text that highlights are made of, so that `<script>` is
//! words and not a tag to the parser), `websearch_to_tsquery` (never a syntax error on user input), `ts_rank_cd`,
//! `ts_headline` over HTML-escaped text, and pg_trgm for names.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cs_db::{Pool, ToSql};
use uuid::Uuid;

use crate::index::{
    After, Common, Hit, Hits, ItemDoc, ItemQuery, ItemSort, Kind, PostDoc, PostQuery, PostSort, SearchIndex, UserDoc,
    TOTAL_CAP,
};

/// Trigram word similarity at or above which a word of a name is close to what was typed:
/// "alcie" is 0.33 from "alice", "fmoalo" 0.29 from "fomalo" (pg_trgm's default, 0.6, misses
/// transposed letters). Word against word, so a low bar finds typos without matching
/// fragments of long names.
pub const NAME_SIMILARITY: f64 = 0.25;

/// Posts lose half their relevance every this many days (a fixed reference, not `now()`,
/// so a post's sort key does not move while someone pages).
pub const HALF_LIFE_DAYS: f64 = 30.0;

const HEADLINE: &str = "'StartSel=<mark>, StopSel=</mark>, HighlightAll=true'";
/// The largest code point: `x < prefix || TOP` bounds the strings that start with `prefix`
/// (C collation).
const TOP: &str = "chr(1114111)";

pub struct PgIndex {
    db: Pool,
}

impl PgIndex {
    pub fn new(db: Pool) -> Self {
        PgIndex { db }
    }
}

/// A statement being built: its conditions and their parameters.
struct Sql {
    conditions: Vec<String>,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Sql {
    fn new() -> Self {
        Sql { conditions: Vec::new(), params: Vec::new() }
    }

    /// Adds a parameter; returns its placeholder.
    fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn cond(&mut self, c: String) {
        self.conditions.push(c);
    }

    fn wheres(&self) -> String {
        self.conditions.join(" AND ")
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
    }
}

/// A list in relevance order ranks at most this many matches: the newest (posts, items) or,
/// for people, those the name indexes find first. Postgres cannot take the best few by rank
/// from a GIN index; it ranks every match, which for a common word is 100,000 rows. For such
/// a word older matches are left out, whatever their rank: the price of a bounded search
/// (docs/architecture.md), and a reason to use OpenSearch at scale.
pub const CANDIDATES: i64 = 1_000;

/// What `total` counts.
#[derive(Clone, Copy, PartialEq)]
enum Total {
    /// Every match, up to [`TOTAL_CAP`], by a statement of its own.
    Matches,
    /// The candidates ranked (people: the name indexes' bounded branches), in the page itself.
    Candidates,
}

/// How a list is ordered.
enum Order {
    /// By a key computed for each candidate (relevance), the candidates being the first
    /// [`CANDIDATES`] matches in `candidates` order (every match when `None`).
    Ranked { key: String, candidates: Option<&'static str> },
    /// By an indexed column, walked from the cursor: `key` is the column as the cursor's
    /// integer, `from_key` turns a key (`{}`) back into the column's type.
    Column { key: &'static str, column: &'static str, from_key: &'static str },
}

/// A search over the matching rows (alias `d`) of `from`: `select` lists `id` and the columns
/// `headline` reads (alias `m`), one highlight per name of `fields`.
struct Ranked<'a> {
    from: std::borrow::Cow<'a, str>,
    select: String,
    order: Order,
    total: Total,
    headline: String,
    after: Option<After>,
    ascending: bool,
    limit: i64,
    fields: &'a [&'static str],
    /// A session setting the search needs, sent first on the same connection.
    setup: Option<String>,
}

/// What to explain ([`PgIndex::explain`]).
pub enum Explain<'a> {
    /// A prefix, for suggestions (the count is empty).
    Suggest(&'a str),
    Users(&'a Common),
    Posts(&'a PostQuery),
    Items(&'a ItemQuery),
}

/// The page statement, the count statement and how many parameters the count takes.
fn statements(sql: &mut Sql, r: &Ranked<'_>) -> (String, String, usize) {
    let (from, select, wheres) = (&r.from, &r.select, sql.wheres());
    let count = format!("SELECT count(*) FROM (SELECT FROM {from} d WHERE {wheres} LIMIT {TOTAL_CAP}) c");
    let counted = sql.params.len();
    let (dir, op) = if r.ascending { ("ASC", ">") } else { ("DESC", "<") };
    // `(key, id)` past the cursor's, in the list's direction.
    let past = |sql: &mut Sql, key_col: &str, id_col: &str, key: &dyn Fn(&str) -> String| match r.after {
        None => "true".to_string(),
        Some(a) => {
            let (k, id) = (sql.bind(a.key), sql.bind(a.id));
            format!("({key_col}, {id_col}) {op} ({}, {id})", key(&k))
        }
    };
    let inner = match &r.order {
        Order::Ranked { key, candidates } => {
            let past = past(sql, "key", "id", &|k| k.to_string());
            let lim = sql.bind(r.limit);
            let matches = match candidates {
                Some(order) => format!("(SELECT * FROM {from} d WHERE {wheres} ORDER BY {order} LIMIT {CANDIDATES})"),
                None => format!("(SELECT * FROM {from} d WHERE {wheres})"),
            };
            let total = if r.total == Total::Candidates { ", count(*) OVER () AS total" } else { "" };
            format!(
                "SELECT * FROM (SELECT {select}, {key} AS key{total} FROM {matches} d) s
                 WHERE {past} ORDER BY key {dir}, id {dir} LIMIT {lim}"
            )
        }
        Order::Column { key, column, from_key } => {
            let past = past(sql, column, "d.id", &|k| from_key.replace("{}", k));
            let lim = sql.bind(r.limit);
            format!(
                "SELECT {select}, {key} AS key FROM {from} d WHERE {wheres} AND {past}
                 ORDER BY {column} {dir}, d.id {dir} LIMIT {lim}"
            )
        }
    };
    let total = if r.total == Total::Candidates { ", m.total" } else { "" };
    let page = format!(
        "SELECT m.id, m.key, {headline}{total} FROM ({inner}) m ORDER BY m.key {dir}, m.id {dir}",
        headline = r.headline
    );
    (page, count, counted)
}

impl PgIndex {
    /// Runs the page and the count (same conditions, no cursor) on one connection; a count
    /// of the candidates comes with the page, and needs a statement only past the last one.
    async fn ranked(&self, mut sql: Sql, r: Ranked<'_>) -> anyhow::Result<Hits> {
        let (page, count, counted) = statements(&mut sql, &r);
        let client = self.db.get().await?;
        if let Some(setup) = &r.setup {
            client.batch_execute(setup).await?;
        }
        let params = sql.refs();
        let count_all =
            || async { Ok::<i64, tokio_postgres::Error>(client.query_one(&count, &params[..counted]).await?.get(0)) };
        let (rows, total) = match r.total {
            Total::Matches => tokio::try_join!(client.query(&page, &params), count_all())?,
            Total::Candidates => {
                let rows = client.query(&page, &params).await?;
                let total = match rows.first() {
                    Some(row) => row.get("total"),
                    None if r.after.is_none() => 0,
                    None => count_all().await?,
                };
                (rows, total)
            }
        };
        let hits = rows
            .iter()
            .map(|row| Hit {
                id: row.get(0),
                key: row.get(1),
                highlight: r
                    .fields
                    .iter()
                    .enumerate()
                    .filter_map(|(i, f)| Some((*f, row.get::<_, Option<String>>(i + 2)?)))
                    .collect(),
            })
            .collect();
        Ok(Hits { hits, total })
    }

    /// `EXPLAIN ANALYZE` of a search's page and count statements, as run (benchmarks check
    /// that every one is an index scan).
    pub async fn explain(&self, what: Explain<'_>) -> anyhow::Result<(String, String)> {
        let (mut sql, r) = match what {
            Explain::Suggest(prefix) => {
                let client = self.db.get().await?;
                let none: Vec<Uuid> = Vec::new();
                let rows = client
                    .query(&format!("EXPLAIN (ANALYZE, COSTS OFF) {}", suggest_sql()), &[&prefix, &8_i64, &none])
                    .await?;
                return Ok((rows.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>().join("\n"), String::new()));
            }
            Explain::Users(q) => users_search(q),
            Explain::Posts(q) => posts_search(q),
            Explain::Items(q) => items_search(q),
        };
        let (page, count, counted) = statements(&mut sql, &r);
        let client = self.db.get().await?;
        if let Some(setup) = &r.setup {
            client.batch_execute(setup).await?;
        }
        let params = sql.refs();
        let plan =
            |rows: Vec<tokio_postgres::Row>| rows.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>().join("\n");
        let page = plan(client.query(&format!("EXPLAIN (ANALYZE, COSTS OFF) {page}"), &params).await?);
        let count = plan(client.query(&format!("EXPLAIN (ANALYZE, COSTS OFF) {count}"), &params[..counted]).await?);
        Ok((page, count))
    }
}

/// `websearch_to_tsquery` of the text (parameter `t`).
fn tsquery(t: &str) -> String {
    format!("websearch_to_tsquery('cs_search', {t})")
}

fn hidden_cond(sql: &mut Sql, column: &str, hidden: &[Uuid]) {
    if !hidden.is_empty() {
        let p = sql.bind(hidden.to_vec());
        sql.cond(format!("{column} <> ALL({p})"));
    }
}

#[async_trait]
impl SearchIndex for PgIndex {
    async fn put_users(&self, docs: &[UserDoc]) -> anyhow::Result<u64> {
        let ids: Vec<Uuid> = docs.iter().map(|d| d.id).collect();
        let versions: Vec<i64> = docs.iter().map(|d| d.version).collect();
        let usernames: Vec<&str> = docs.iter().map(|d| d.username.as_str()).collect();
        let names: Vec<Option<&str>> = docs.iter().map(|d| d.display_name.as_deref()).collect();
        let bios: Vec<Option<&str>> = docs.iter().map(|d| d.bio.as_deref()).collect();
        let client = self.db.get().await?;
        // The users, and the words of their names added to the vocabulary.
        let n: i64 = client
            .query_one(
                "WITH written AS (
                 INSERT INTO search_users AS s (id, version, visible, username, display_name, bio, username_key,
                                               display_key, name_terms, tsv, indexed_at)
                 SELECT u.id, u.version, true, u.username, u.display_name, u.bio, k.username_key, k.display_key,
                        search_name_words(k.username_key, k.display_key),
                        setweight(to_tsvector('cs_search', search_escape_html(u.username)), 'A')
                          || setweight(to_tsvector('cs_search', search_escape_html(coalesce(u.display_name, ''))), 'A')
                          || setweight(to_tsvector('cs_search', search_escape_html(coalesce(u.bio, ''))), 'C'),
                        clock_timestamp()
                 FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[])
                      AS u(id, version, username, display_name, bio),
                      LATERAL (SELECT lower(unaccent(u.username)) AS username_key,
                                      lower(unaccent(u.display_name)) AS display_key) k
                 ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, visible = true,
                     username = EXCLUDED.username, display_name = EXCLUDED.display_name, bio = EXCLUDED.bio,
                     username_key = EXCLUDED.username_key, display_key = EXCLUDED.display_key,
                     name_terms = EXCLUDED.name_terms, tsv = EXCLUDED.tsv, indexed_at = EXCLUDED.indexed_at
                 WHERE s.version <= EXCLUDED.version
                 RETURNING s.name_terms),
                 terms AS (INSERT INTO search_name_terms (term)
                           SELECT DISTINCT unnest(name_terms) FROM written ON CONFLICT DO NOTHING)
                 SELECT count(*) FROM written",
                &[&ids, &versions, &usernames, &names, &bios],
            )
            .await?
            .get(0);
        Ok(n as u64)
    }

    async fn put_posts(&self, docs: &[PostDoc]) -> anyhow::Result<u64> {
        let ids: Vec<Uuid> = docs.iter().map(|d| d.id).collect();
        let versions: Vec<i64> = docs.iter().map(|d| d.version).collect();
        let authors: Vec<Uuid> = docs.iter().map(|d| d.author_id).collect();
        let contents: Vec<&str> = docs.iter().map(|d| d.content.as_str()).collect();
        let media: Vec<bool> = docs.iter().map(|d| d.has_media).collect();
        let created: Vec<DateTime<Utc>> = docs.iter().map(|d| d.created_at).collect();
        let client = self.db.get().await?;
        let n = client
            .execute(
                "INSERT INTO search_posts AS s (id, version, visible, author_id, content, has_media, created_at, tsv,
                                               indexed_at)
                 SELECT u.id, u.version, true, u.author_id, u.content, u.has_media, u.created_at,
                        to_tsvector('cs_search', search_escape_html(u.content)), clock_timestamp()
                 FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::bool[], $6::timestamptz[])
                      AS u(id, version, author_id, content, has_media, created_at)
                 ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, visible = true,
                     author_id = EXCLUDED.author_id, content = EXCLUDED.content, has_media = EXCLUDED.has_media,
                     created_at = EXCLUDED.created_at, tsv = EXCLUDED.tsv, indexed_at = EXCLUDED.indexed_at
                 WHERE s.version <= EXCLUDED.version",
                &[&ids, &versions, &authors, &contents, &media, &created],
            )
            .await?;
        Ok(n)
    }

    async fn put_items(&self, docs: &[ItemDoc]) -> anyhow::Result<u64> {
        let ids: Vec<Uuid> = docs.iter().map(|d| d.id).collect();
        let versions: Vec<i64> = docs.iter().map(|d| d.version).collect();
        let sellers: Vec<Uuid> = docs.iter().map(|d| d.seller_id).collect();
        let titles: Vec<&str> = docs.iter().map(|d| d.title.as_str()).collect();
        let descriptions: Vec<&str> = docs.iter().map(|d| d.description.as_str()).collect();
        let prices: Vec<&str> = docs.iter().map(|d| d.price.as_str()).collect();
        let currencies: Vec<&str> = docs.iter().map(|d| d.currency.as_str()).collect();
        let created: Vec<DateTime<Utc>> = docs.iter().map(|d| d.created_at).collect();
        let client = self.db.get().await?;
        let n = client
            .execute(
                "INSERT INTO search_items AS s (id, version, visible, seller_id, title, description, price, currency,
                                               created_at, tsv, indexed_at)
                 SELECT u.id, u.version, true, u.seller_id, u.title, u.description, u.price::numeric, u.currency,
                        u.created_at,
                        setweight(to_tsvector('cs_search', search_escape_html(u.title)), 'A')
                          || setweight(to_tsvector('cs_search', search_escape_html(u.description)), 'B'),
                        clock_timestamp()
                 FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                             $8::timestamptz[])
                      AS u(id, version, seller_id, title, description, price, currency, created_at)
                 ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, visible = true,
                     seller_id = EXCLUDED.seller_id, title = EXCLUDED.title, description = EXCLUDED.description,
                     price = EXCLUDED.price, currency = EXCLUDED.currency, created_at = EXCLUDED.created_at,
                     tsv = EXCLUDED.tsv, indexed_at = EXCLUDED.indexed_at
                 WHERE s.version <= EXCLUDED.version",
                &[&ids, &versions, &sellers, &titles, &descriptions, &prices, &currencies, &created],
            )
            .await?;
        Ok(n)
    }

    async fn remove(&self, kind: Kind, docs: &[(Uuid, i64)]) -> anyhow::Result<u64> {
        let ids: Vec<Uuid> = docs.iter().map(|d| d.0).collect();
        let versions: Vec<i64> = docs.iter().map(|d| d.1).collect();
        let (table, cleared) = tombstone(kind);
        let client = self.db.get().await?;
        let sql = format!(
            "INSERT INTO {table} AS s (id, version, visible, indexed_at)
             SELECT u.id, u.version, false, clock_timestamp() FROM unnest($1::uuid[], $2::bigint[]) AS u(id, version)
             ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, visible = false, {cleared},
                 indexed_at = EXCLUDED.indexed_at
             WHERE s.version <= EXCLUDED.version"
        );
        Ok(client.execute(&sql, &[&ids, &versions]).await?)
    }

    async fn remove_unwritten_since(&self, kind: Kind, since: DateTime<Utc>, version: i64) -> anyhow::Result<u64> {
        let (table, cleared) = tombstone(kind);
        let client = self.db.get().await?;
        let sql = format!(
            "UPDATE {table} SET visible = false, version = greatest(version, $2), {cleared}, indexed_at = clock_timestamp()
             WHERE visible AND indexed_at < $1"
        );
        Ok(client.execute(&sql, &[&since, &version]).await?)
    }

    async fn users(&self, q: &Common) -> anyhow::Result<Hits> {
        let (sql, ranked) = users_search(q);
        self.ranked(sql, ranked).await
    }

    async fn posts(&self, q: &PostQuery) -> anyhow::Result<Hits> {
        let (sql, ranked) = posts_search(q);
        self.ranked(sql, ranked).await
    }

    async fn items(&self, q: &ItemQuery) -> anyhow::Result<Hits> {
        let (sql, ranked) = items_search(q);
        self.ranked(sql, ranked).await
    }

    async fn suggest(&self, prefix: &str, hidden: &[Uuid], limit: i64) -> anyhow::Result<Vec<Uuid>> {
        let client = self.db.get().await?;
        let rows = client.query(&client.prepare_cached(&suggest_sql()).await?, &[&prefix, &limit, &hidden]).await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}

/// Suggestions for `$1` (a prefix), `$2` of them, none of the users `$3`: the first few
/// usernames and display names in order from the prefix (two btree range scans), the exact
/// username first, then the shortest.
fn suggest_sql() -> String {
    let branch = |col: &str, rank: u8| {
        format!(
            "(SELECT d.id, {col} AS k, {rank} AS r FROM search_users d
              WHERE d.visible AND {col} >= lower(unaccent($1)) AND {col} < lower(unaccent($1)) || {TOP}
                    AND d.id <> ALL($3::uuid[])
              ORDER BY {col} LIMIT $2)"
        )
    };
    format!(
        "SELECT id FROM (SELECT DISTINCT ON (id) id, k, r FROM ({} UNION ALL {}) b ORDER BY id, r, length(k)) s
         ORDER BY r, length(k), k, id LIMIT $2",
        branch("d.username_key", 0),
        branch("d.display_key", 1)
    )
}

/// Newest first: the order in which relevance takes its candidates.
const NEWEST: &str = "d.created_at DESC, d.id DESC";

/// Newest first through the `created_at` index; the key is the creation time in microseconds.
const BY_CREATION: Order = Order::Column {
    key: "(extract(epoch FROM d.created_at) * 1000000)::bigint",
    column: "d.created_at",
    from_key: "(timestamptz 'epoch' + {}::bigint * interval '1 microsecond')",
};

/// People: at most this many words of names are tried, of those that begin with the text
/// and of those close to it.
const TERMS: i64 = 25;
/// ... this many people per word of names; this many by username, by display name and by
/// their profile's words.
const PER_TERM: i64 = 20;
const PER_BRANCH: i64 = 100;

/// The statement of a users search: candidates from the name indexes (a username or display
/// name beginning with the text, a word of the names beginning with or close to it, the
/// profile's words), each branch bounded, then ranked; the total is how many candidates.
fn users_search(q: &Common) -> (Sql, Ranked<'static>) {
    let mut sql = Sql::new();
    let t = sql.bind(q.text.clone());
    let (query, name) = (tsquery(&t), format!("lower(unaccent({t}))"));
    let prefix = |col: &str| format!("({col} >= {name} AND {col} < {name} || {TOP})");
    let (user_prefix, display_prefix) = (prefix("d.username_key"), prefix("d.display_key"));
    let cols = "d.id, d.username, d.display_name, d.bio, d.username_key, d.display_key, d.tsv";
    let from = format!(
        "(WITH terms AS MATERIALIZED (
              SELECT x.term, word_similarity({name}, x.term) AS s FROM (
                  (SELECT t.term FROM search_name_terms t WHERE {term_prefix} ORDER BY t.term LIMIT {TERMS})
                  UNION
                  (SELECT t.term FROM search_name_terms t WHERE {name} <% t.term
                   ORDER BY word_similarity({name}, t.term) DESC, t.term LIMIT {TERMS})) x)
          SELECT DISTINCT ON (id) * FROM (
              (SELECT {cols}, 0::real AS s FROM search_users d WHERE d.visible AND {user_prefix}
               ORDER BY d.username_key LIMIT {PER_BRANCH})
              UNION ALL
              (SELECT {cols}, 0 FROM search_users d WHERE d.visible AND {display_prefix}
               ORDER BY d.display_key LIMIT {PER_BRANCH})
              UNION ALL
              (SELECT u.*, t.s FROM terms t CROSS JOIN LATERAL
                  (SELECT {cols} FROM search_users d WHERE d.visible AND d.name_terms @> ARRAY[t.term]
                   LIMIT {PER_TERM}) u)
              UNION ALL
              (SELECT {cols}, 0 FROM search_users d WHERE d.visible AND d.tsv @@ {query} LIMIT {PER_BRANCH})
          ) c ORDER BY id, s DESC)",
        term_prefix = prefix("t.term"),
    );
    sql.cond("true".into());
    hidden_cond(&mut sql, "d.id", &q.hidden);
    let key = format!(
        "round((CASE WHEN d.username_key = {name} THEN 8 WHEN {user_prefix} THEN 4 WHEN {display_prefix} THEN 3
                     ELSE 0 END
                + 2 * d.s + ts_rank_cd(d.tsv, {query})) * 1e6)::bigint"
    );
    let headline = format!(
        "m.username,
         ts_headline('cs_search', search_escape_html(m.display_name), {query}, {HEADLINE}),
         ts_headline('cs_search', search_escape_html(m.bio), {query}, {HEADLINE})"
    );
    let ranked = Ranked {
        from: from.into(),
        select: "d.id, d.username, d.display_name, d.bio".into(),
        order: Order::Ranked { key, candidates: None },
        total: Total::Candidates,
        headline,
        after: q.after,
        ascending: false,
        limit: q.limit,
        fields: &["username", "displayName", "bio"],
        // The trigram threshold is a session setting: set on the connection that searches.
        setup: Some(format!("SET pg_trgm.word_similarity_threshold = {NAME_SIMILARITY}")),
    };
    (sql, ranked)
}

/// The statement of a posts search.
fn posts_search(q: &PostQuery) -> (Sql, Ranked<'static>) {
    let mut sql = Sql::new();
    let t = sql.bind(q.common.text.clone());
    let query = tsquery(&t);
    sql.cond("d.visible".into());
    sql.cond(format!("d.tsv @@ {query}"));
    if let Some(a) = q.author {
        let p = sql.bind(a);
        sql.cond(format!("d.author_id = {p}"));
    }
    if let Some(m) = q.has_media {
        let p = sql.bind(m);
        sql.cond(format!("d.has_media = {p}"));
    }
    if let Some(s) = q.since {
        let p = sql.bind(s);
        sql.cond(format!("d.created_at >= {p}"));
    }
    if let Some(u) = q.until {
        let p = sql.bind(u);
        sql.cond(format!("d.created_at <= {p}"));
    }
    hidden_cond(&mut sql, "d.author_id", &q.common.hidden);
    let order = match q.sort {
        // ln(rank · 2^(-age/H)) without now(): ln(rank) + created/H · ln 2, plus a constant.
        PostSort::Relevance => Order::Ranked {
            key: format!(
                "round((ln(ts_rank_cd(d.tsv, {query}) + 1e-6) + date_part('epoch', d.created_at) / {} * ln(2) + 100) * 1e6)::bigint",
                HALF_LIFE_DAYS * 86_400.0
            ),
            candidates: Some(NEWEST),
        },
        PostSort::Newest => BY_CREATION,
    };
    let ranked = Ranked {
        from: "search_posts".into(),
        total: Total::Matches,
        select: "d.id, d.content".into(),
        order,
        headline: format!("ts_headline('cs_search', search_escape_html(m.content), {query}, {HEADLINE})"),
        after: q.common.after,
        ascending: false,
        limit: q.common.limit,
        fields: &["content"],
        setup: None,
    };
    (sql, ranked)
}

/// The statement of a items search.
fn items_search(q: &ItemQuery) -> (Sql, Ranked<'static>) {
    let mut sql = Sql::new();
    let t = sql.bind(q.common.text.clone());
    let query = tsquery(&t);
    sql.cond("d.visible".into());
    sql.cond(format!("d.tsv @@ {query}"));
    if let Some(s) = q.seller {
        let p = sql.bind(s);
        sql.cond(format!("d.seller_id = {p}"));
    }
    if let Some(c) = q.min_cents {
        let p = sql.bind(c);
        sql.cond(format!("d.price >= {p}::bigint::numeric / 100"));
    }
    if let Some(c) = q.max_cents {
        let p = sql.bind(c);
        sql.cond(format!("d.price <= {p}::bigint::numeric / 100"));
    }
    if let Some(c) = &q.currency {
        let p = sql.bind(c.clone());
        sql.cond(format!("d.currency = {p}"));
    }
    hidden_cond(&mut sql, "d.seller_id", &q.common.hidden);
    let by_price =
        || Order::Column { key: "(d.price * 100)::bigint", column: "d.price", from_key: "({}::bigint::numeric / 100)" };
    let (order, ascending) = match q.sort {
        ItemSort::Relevance => (
            Order::Ranked { key: format!("round(ts_rank_cd(d.tsv, {query}) * 1e9)::bigint"), candidates: Some(NEWEST) },
            false,
        ),
        ItemSort::Newest => (BY_CREATION, false),
        ItemSort::PriceAsc => (by_price(), true),
        ItemSort::PriceDesc => (by_price(), false),
    };
    let ranked = Ranked {
        from: "search_items".into(),
        total: Total::Matches,
        select: "d.id, d.title, d.description".into(),
        order,
        headline: format!(
            "ts_headline('cs_search', search_escape_html(m.title), {query}, {HEADLINE}),
             ts_headline('cs_search', search_escape_html(m.description), {query}, {HEADLINE})"
        ),
        after: q.common.after,
        ascending,
        limit: q.common.limit,
        fields: &["title", "description"],
        setup: None,
    };
    (sql, ranked)
}

/// The table of a kind, and what a tombstone clears.
fn tombstone(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::User => (
            "search_users",
            "username = NULL, display_name = NULL, bio = NULL, username_key = NULL, display_key = NULL, name_terms = NULL, \
             tsv = NULL",
        ),
        Kind::Post => ("search_posts", "author_id = NULL, content = NULL, tsv = NULL"),
        Kind::Item => ("search_items", "seller_id = NULL, title = NULL, description = NULL, tsv = NULL"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_parameters() {
        let mut sql = Sql::new();
        assert_eq!(sql.bind(1_i64), "$1");
        assert_eq!(sql.bind("x".to_string()), "$2");
        assert_eq!(sql.refs().len(), 2);
    }

    #[test]
    fn a_column_order_walks_the_column_from_the_cursor_and_the_count_stops_at_the_cap() {
        let mut sql = Sql::new();
        sql.cond("d.visible".into());
        let r = Ranked {
            from: "search_items".into(),
            total: Total::Matches,
            select: "d.id".into(),
            order: Order::Column {
                key: "(d.price * 100)::bigint",
                column: "d.price",
                from_key: "({}::bigint::numeric / 100)",
            },
            headline: "m.id".into(),
            after: Some(After { key: 1250, id: Uuid::nil() }),
            ascending: true,
            limit: 21,
            fields: &[],
            setup: None,
        };
        let (page, count, counted) = statements(&mut sql, &r);
        assert!(page.contains("(d.price, d.id) > (($1::bigint::numeric / 100), $2)"), "{page}");
        assert!(page.contains("ORDER BY d.price ASC, d.id ASC LIMIT $3"), "{page}");
        assert_eq!(
            count,
            format!("SELECT count(*) FROM (SELECT FROM search_items d WHERE d.visible LIMIT {TOTAL_CAP}) c")
        );
        assert_eq!(counted, 0);
    }
}
