//! The OpenSearch adapter of [`SearchIndex`], for deployments whose index outgrows Postgres
//! (a managed domain, service `es`, or OpenSearch Serverless, service `aoss`). Three indices
//! (`cs-users`, `cs-posts`, `cs-items`) whose analyzers and mappings are the JSON files of
//! `functions/search/opensearch/`, applied by `search-setup` at deploy time. Writes are
//! versioned externally (`version_type=external`, the source's `updated_at` in µs): an
//! older write is a 409 that changes nothing. A removal is a tombstone document
//! (`visible: false`) with its version, so that a late write cannot bring it back after
//! OpenSearch forgets a deletion (`index.gc_deletes`).
//!
//! The requests and the reading of the answers are plain functions of JSON, tested against
//! recorded OpenSearch bodies; [`OsHttp`] is the one call the adapter makes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    index::{
        After, Common, Hit, Hits, ItemDoc, ItemQuery, ItemSort, Kind, PostDoc, PostQuery, PostSort, SearchIndex,
        UserDoc,
    },
    postgres::HALF_LIFE_DAYS,
};

pub const TEMPLATE: &str = include_str!("../opensearch/template.json");
pub const USERS_MAPPING: &str = include_str!("../opensearch/users.json");
pub const POSTS_MAPPING: &str = include_str!("../opensearch/posts.json");
pub const ITEMS_MAPPING: &str = include_str!("../opensearch/items.json");

/// An HTTP call to OpenSearch: method, path (with its query string), JSON body; the status
/// and the JSON answer.
#[async_trait]
pub trait OsHttp: Send + Sync {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<(u16, Value)>;
}

/// The `opensearch` crate's transport, signed with SigV4 when `aws` is given.
pub struct OsClient {
    transport: opensearch::http::transport::Transport,
}

impl OsClient {
    /// `url` is the domain's (or collection's) endpoint; `service` is `es` for a domain,
    /// `aoss` for Serverless.
    pub fn new(url: &str, aws: Option<(&aws_config::SdkConfig, &str)>) -> anyhow::Result<Self> {
        use opensearch::http::transport::{SingleNodeConnectionPool, TransportBuilder};
        let pool = SingleNodeConnectionPool::new(url::Url::parse(url)?);
        let mut builder = TransportBuilder::new(pool).disable_proxy();
        if let Some((sdk, service)) = aws {
            builder = builder.auth(opensearch::auth::Credentials::try_from(sdk)?).service_name(service);
        }
        Ok(OsClient { transport: builder.build()? })
    }
}

#[async_trait]
impl OsHttp for OsClient {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<(u16, Value)> {
        use opensearch::http::{headers::HeaderMap, request::JsonBody, Method};
        let method = match method {
            "GET" => Method::Get,
            "PUT" => Method::Put,
            "POST" => Method::Post,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            other => anyhow::bail!("no such method {other}"),
        };
        let response =
            self.transport.send(method, path, HeaderMap::new(), None::<&()>, body.map(JsonBody::new), None).await?;
        let status = response.status_code().as_u16();
        let text = response.text().await?;
        let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? };
        Ok((status, value))
    }
}

pub struct OpenSearchIndex {
    http: Box<dyn OsHttp>,
    /// Prepended to the index names (a stage's own indices on a shared domain).
    prefix: String,
}

fn index_name(prefix: &str, kind: Kind) -> String {
    let name = match kind {
        Kind::User => "cs-users",
        Kind::Post => "cs-posts",
        Kind::Item => "cs-items",
    };
    format!("{prefix}{name}")
}

const HIGHLIGHT_TAGS: (&str, &str) = ("<mark>", "</mark>");

/// `highlight` of a search: the fields, whole (no fragments), HTML-escaped (`encoder: html`)
/// with `<mark>` tags.
fn highlight(fields: &[&str]) -> Value {
    let fields: serde_json::Map<String, Value> =
        fields.iter().map(|f| (f.to_string(), json!({ "number_of_fragments": 0 }))).collect();
    json!({ "pre_tags": [HIGHLIGHT_TAGS.0], "post_tags": [HIGHLIGHT_TAGS.1], "encoder": "html", "fields": fields })
}

/// The words of `q` as OpenSearch reads a search box: "phrases", -exclusions, all words
/// required (as `websearch_to_tsquery` does).
fn text_query(q: &str, fields: &[&str]) -> Value {
    json!({ "simple_query_string": {
        "query": q,
        "fields": fields,
        "default_operator": "and",
        "flags": "AND|NOT|PHRASE|WHITESPACE|PRECEDENCE|ESCAPE",
        "analyze_wildcard": false
    }})
}

fn hidden_filter(field: &str, hidden: &[Uuid]) -> Vec<Value> {
    if hidden.is_empty() {
        Vec::new()
    } else {
        vec![json!({ "terms": { field: hidden.iter().map(Uuid::to_string).collect::<Vec<_>>() } })]
    }
}

/// A score as a sort key: the bits of the (non-negative) f32 OpenSearch scores in, which
/// order as the scores do and come back exactly for `search_after`.
fn score_key(score: f64) -> i64 {
    i64::from((score.max(0.0) as f32).to_bits())
}

fn key_score(key: i64) -> f64 {
    f64::from(f32::from_bits(u32::try_from(key).unwrap_or(0)))
}

/// How a search sorts: `_score` or a field, then the id.
#[derive(Clone, Copy)]
enum Order {
    Score,
    Field(&'static str, bool),
}

fn sort_and_after(order: Order, after: Option<After>) -> (Value, Option<Value>) {
    match order {
        Order::Score => (
            json!([{ "_score": "desc" }, { "id": "desc" }]),
            after.map(|a| json!([key_score(a.key), a.id.to_string()])),
        ),
        Order::Field(field, ascending) => {
            let dir = if ascending { "asc" } else { "desc" };
            (json!([{ field: dir }, { "id": dir }]), after.map(|a| json!([a.key, a.id.to_string()])))
        }
    }
}

fn search_body(query: Value, order: Order, common: &Common, fields: &[&str]) -> Value {
    let (sort, after) = sort_and_after(order, common.after);
    let mut body = json!({
        "size": common.limit,
        "track_total_hits": crate::index::TOTAL_CAP,
        "query": query,
        "sort": sort,
        "highlight": highlight(fields),
        "_source": false
    });
    if let Some(after) = after {
        body["search_after"] = after;
    }
    body
}

/// The request body of a posts search.
pub fn posts_body(q: &PostQuery) -> Value {
    let mut filter = vec![json!({ "term": { "visible": true } })];
    if let Some(a) = q.author {
        filter.push(json!({ "term": { "author_id": a.to_string() } }));
    }
    if let Some(m) = q.has_media {
        filter.push(json!({ "term": { "has_media": m } }));
    }
    if q.since.is_some() || q.until.is_some() {
        let mut range = serde_json::Map::new();
        if let Some(s) = q.since {
            range.insert("gte".into(), json!(s.to_rfc3339()));
        }
        if let Some(u) = q.until {
            range.insert("lte".into(), json!(u.to_rfc3339()));
        }
        filter.push(json!({ "range": { "created_at": range } }));
    }
    let matched = json!({ "bool": {
        "must": [text_query(&q.common.text, &["content"])],
        "filter": filter,
        "must_not": hidden_filter("author_id", &q.common.hidden)
    }});
    match q.sort {
        // ln(relevance · 2^(-age/H)) against a fixed reference, as the Postgres adapter
        // ranks: a post's score does not move while someone pages.
        PostSort::Relevance => {
            let script = format!(
                "Math.log(_score + 1e-6) + doc['created_at'].value.toInstant().toEpochMilli() / {} * Math.log(2) + 100",
                HALF_LIFE_DAYS * 86_400_000.0
            );
            let query = json!({ "script_score": { "query": matched, "script": { "source": script } } });
            search_body(query, Order::Score, &q.common, &["content"])
        }
        PostSort::Newest => search_body(matched, Order::Field("created_at", false), &q.common, &["content"]),
    }
}

/// The request body of an items search.
pub fn items_body(q: &ItemQuery) -> Value {
    let mut filter = vec![json!({ "term": { "visible": true } })];
    if let Some(s) = q.seller {
        filter.push(json!({ "term": { "seller_id": s.to_string() } }));
    }
    if q.min_cents.is_some() || q.max_cents.is_some() {
        let mut range = serde_json::Map::new();
        if let Some(c) = q.min_cents {
            range.insert("gte".into(), json!(c));
        }
        if let Some(c) = q.max_cents {
            range.insert("lte".into(), json!(c));
        }
        filter.push(json!({ "range": { "price_cents": range } }));
    }
    if let Some(c) = &q.currency {
        filter.push(json!({ "term": { "currency": c } }));
    }
    let query = json!({ "bool": {
        "must": [text_query(&q.common.text, &["title^2", "description"])],
        "filter": filter,
        "must_not": hidden_filter("seller_id", &q.common.hidden)
    }});
    let order = match q.sort {
        ItemSort::Relevance => Order::Score,
        ItemSort::Newest => Order::Field("created_at", false),
        ItemSort::PriceAsc => Order::Field("price_cents", true),
        ItemSort::PriceDesc => Order::Field("price_cents", false),
    };
    search_body(query, order, &q.common, &["title", "description"])
}

/// The request body of a people search: an exact username first, then prefixes, then close
/// (fuzzy) matches of names, then the bio's relevance.
pub fn users_body(q: &Common) -> Value {
    let key = q.text.to_lowercase();
    let query = json!({ "bool": {
        "should": [
            { "term": { "username_key": { "value": key, "boost": 8 } } },
            { "prefix": { "username_key": { "value": key, "boost": 4 } } },
            { "prefix": { "display_key": { "value": key, "boost": 3 } } },
            { "match": { "username": { "query": q.text, "fuzziness": "AUTO", "boost": 2 } } },
            { "match": { "display_name": { "query": q.text, "fuzziness": "AUTO", "boost": 2 } } },
            text_query(&q.text, &["bio"])
        ],
        "minimum_should_match": 1,
        "filter": [{ "term": { "visible": true } }],
        "must_not": if q.hidden.is_empty() { json!([]) } else {
            json!([{ "ids": { "values": q.hidden.iter().map(Uuid::to_string).collect::<Vec<_>>() } }])
        }
    }});
    search_body(query, Order::Score, q, &["username", "display_name", "bio"])
}

/// The request body of suggestions: names that start with the prefix, exact first.
pub fn suggest_body(prefix: &str, hidden: &[Uuid], limit: i64) -> Value {
    let key = prefix.to_lowercase();
    json!({
        "size": limit,
        "query": { "bool": {
            "should": [
                { "term": { "username_key": { "value": key, "boost": 8 } } },
                { "prefix": { "username_key": { "value": key, "boost": 4 } } },
                { "prefix": { "display_key": { "value": key, "boost": 3 } } }
            ],
            "minimum_should_match": 1,
            "filter": [{ "term": { "visible": true } }],
            "must_not": if hidden.is_empty() { json!([]) } else {
                json!([{ "ids": { "values": hidden.iter().map(Uuid::to_string).collect::<Vec<_>>() } }])
            }
        }},
        "sort": [{ "_score": "desc" }, { "username_key": "asc" }],
        "_source": false
    })
}

/// Hits of a search answer: ids, sort keys, highlights (renamed to the API's fields).
pub fn read_hits(answer: &Value, fields: &[(&str, &'static str)], order_is_score: bool) -> anyhow::Result<Hits> {
    let total = answer["hits"]["total"]["value"].as_i64().unwrap_or(0);
    let mut hits = Vec::new();
    for h in answer["hits"]["hits"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let id = h["_id"].as_str().ok_or_else(|| anyhow::anyhow!("a hit without _id"))?.parse()?;
        let sort = &h["sort"][0];
        let key = if order_is_score { score_key(sort.as_f64().unwrap_or(0.0)) } else { sort.as_i64().unwrap_or(0) };
        let highlight = fields
            .iter()
            .filter_map(|(field, name)| Some((*name, h["highlight"][*field][0].as_str()?.to_string())))
            .collect();
        hits.push(Hit { id, key, highlight });
    }
    Ok(Hits { hits, total })
}

fn micros_iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl OpenSearchIndex {
    pub fn new(http: Box<dyn OsHttp>, prefix: &str) -> Self {
        OpenSearchIndex { http, prefix: prefix.to_string() }
    }

    /// Writes one document with its external version: 409 (an equal or newer version is
    /// indexed) changes nothing and is no error. Returns whether it was written.
    async fn put(&self, kind: Kind, id: Uuid, version: i64, doc: Value) -> anyhow::Result<u64> {
        let path = format!("/{}/_doc/{id}?version={version}&version_type=external", index_name(&self.prefix, kind));
        match self.http.call("PUT", &path, Some(doc)).await? {
            (200 | 201, _) => Ok(1),
            (409, _) => Ok(0),
            (status, answer) => anyhow::bail!("OpenSearch answered {status} to {path}: {answer}"),
        }
    }

    async fn search(&self, kind: Kind, body: Value) -> anyhow::Result<Value> {
        let path = format!("/{}/_search", index_name(&self.prefix, kind));
        match self.http.call("POST", &path, Some(body)).await? {
            (200, answer) => Ok(answer),
            (status, answer) => anyhow::bail!("OpenSearch answered {status} to {path}: {answer}"),
        }
    }

    /// The index template, then each index with its mappings unless it exists: what the
    /// `search-setup` function applies at deploy time.
    pub async fn apply_templates(&self) -> anyhow::Result<Vec<String>> {
        let mut done = Vec::new();
        let mut template: Value = serde_json::from_str(TEMPLATE)?;
        // The template's patterns name this stage's indices.
        let patterns = [Kind::User, Kind::Post, Kind::Item].map(|k| format!("{}*", index_name(&self.prefix, k)));
        template["index_patterns"] = json!(patterns);
        let path = format!("/_index_template/{}cs", self.prefix);
        match self.http.call("PUT", &path, Some(template)).await? {
            (200, _) => done.push(path),
            (status, answer) => anyhow::bail!("OpenSearch answered {status} to {path}: {answer}"),
        }
        for (kind, mapping) in [(Kind::User, USERS_MAPPING), (Kind::Post, POSTS_MAPPING), (Kind::Item, ITEMS_MAPPING)] {
            let path = format!("/{}", index_name(&self.prefix, kind));
            match self.http.call("PUT", &path, Some(serde_json::from_str(mapping)?)).await? {
                (200, _) => done.push(path),
                (400, answer) if answer["error"]["type"] == "resource_already_exists_exception" => {}
                (status, answer) => anyhow::bail!("OpenSearch answered {status} to {path}: {answer}"),
            }
        }
        Ok(done)
    }
}

#[async_trait]
impl SearchIndex for OpenSearchIndex {
    async fn put_users(&self, docs: &[UserDoc]) -> anyhow::Result<u64> {
        let mut n = 0;
        for d in docs {
            let doc = json!({
                "id": d.id.to_string(), "visible": true, "username": d.username,
                "username_key": d.username, "display_name": d.display_name, "display_key": d.display_name,
                "bio": d.bio, "indexed_at": micros_iso(Utc::now())
            });
            n += self.put(Kind::User, d.id, d.version, doc).await?;
        }
        Ok(n)
    }

    async fn put_posts(&self, docs: &[PostDoc]) -> anyhow::Result<u64> {
        let mut n = 0;
        for d in docs {
            let doc = json!({
                "id": d.id.to_string(), "visible": true, "author_id": d.author_id.to_string(), "content": d.content,
                "has_media": d.has_media, "created_at": micros_iso(d.created_at), "indexed_at": micros_iso(Utc::now())
            });
            n += self.put(Kind::Post, d.id, d.version, doc).await?;
        }
        Ok(n)
    }

    async fn put_items(&self, docs: &[ItemDoc]) -> anyhow::Result<u64> {
        let mut n = 0;
        for d in docs {
            let cents = crate::handlers::cents(&d.price).ok_or_else(|| anyhow::anyhow!("bad price {}", d.price))?;
            let doc = json!({
                "id": d.id.to_string(), "visible": true, "seller_id": d.seller_id.to_string(), "title": d.title,
                "description": d.description, "price_cents": cents, "currency": d.currency,
                "created_at": micros_iso(d.created_at), "indexed_at": micros_iso(Utc::now())
            });
            n += self.put(Kind::Item, d.id, d.version, doc).await?;
        }
        Ok(n)
    }

    async fn remove(&self, kind: Kind, docs: &[(Uuid, i64)]) -> anyhow::Result<u64> {
        let mut n = 0;
        for (id, version) in docs {
            let doc = json!({ "id": id.to_string(), "visible": false, "indexed_at": micros_iso(Utc::now()) });
            n += self.put(kind, *id, *version, doc).await?;
        }
        Ok(n)
    }

    async fn remove_unwritten_since(&self, kind: Kind, since: DateTime<Utc>, _version: i64) -> anyhow::Result<u64> {
        let path = format!("/{}/_update_by_query?conflicts=proceed&refresh=true", index_name(&self.prefix, kind));
        let body = json!({
            "query": { "bool": { "filter": [
                { "term": { "visible": true } },
                { "range": { "indexed_at": { "lt": micros_iso(since) } } }
            ]}},
            "script": { "source": "ctx._source.visible = false", "lang": "painless" }
        });
        match self.http.call("POST", &path, Some(body)).await? {
            (200, answer) => Ok(answer["updated"].as_u64().unwrap_or(0)),
            (status, answer) => anyhow::bail!("OpenSearch answered {status} to {path}: {answer}"),
        }
    }

    async fn users(&self, q: &Common) -> anyhow::Result<Hits> {
        let answer = self.search(Kind::User, users_body(q)).await?;
        read_hits(&answer, &[("username", "username"), ("display_name", "displayName"), ("bio", "bio")], true)
    }

    async fn posts(&self, q: &PostQuery) -> anyhow::Result<Hits> {
        let answer = self.search(Kind::Post, posts_body(q)).await?;
        read_hits(&answer, &[("content", "content")], q.sort == PostSort::Relevance)
    }

    async fn items(&self, q: &ItemQuery) -> anyhow::Result<Hits> {
        let answer = self.search(Kind::Item, items_body(q)).await?;
        read_hits(&answer, &[("title", "title"), ("description", "description")], q.sort == ItemSort::Relevance)
    }

    async fn suggest(&self, prefix: &str, hidden: &[Uuid], limit: i64) -> anyhow::Result<Vec<Uuid>> {
        let answer = self.search(Kind::User, suggest_body(prefix, hidden, limit)).await?;
        Ok(read_hits(&answer, &[], true)?.hits.into_iter().map(|h| h.id).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A recorded exchange: method, path, the request body (None: not checked), the status
    /// and body of the answer.
    type Exchange = (&'static str, String, Option<Value>, u16, Value);

    /// Answers each call with the next recorded answer, after checking that the call is the
    /// recorded request.
    struct Replay {
        calls: Mutex<Vec<Exchange>>,
    }

    impl Replay {
        fn new(calls: Vec<Exchange>) -> Box<Self> {
            Box::new(Replay { calls: Mutex::new(calls.into_iter().rev().collect()) })
        }
    }

    #[async_trait]
    impl OsHttp for Replay {
        async fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<(u16, Value)> {
            let (m, p, b, status, answer) = self.calls.lock().unwrap().pop().expect("an unexpected call");
            assert_eq!((method, path), (m, p.as_str()));
            if let Some(expected) = b {
                assert_eq!(body.as_ref(), Some(&expected), "the request body of {method} {path}");
            }
            Ok((status, answer))
        }
    }

    fn recorded(name: &str) -> Value {
        let text = match name {
            "posts_search_request" => include_str!("../tests/recorded/posts_search_request.json"),
            "posts_search_response" => include_str!("../tests/recorded/posts_search_response.json"),
            "items_search_response" => include_str!("../tests/recorded/items_search_response.json"),
            "put_created_response" => include_str!("../tests/recorded/put_created_response.json"),
            "put_conflict_response" => include_str!("../tests/recorded/put_conflict_response.json"),
            "index_exists_response" => include_str!("../tests/recorded/index_exists_response.json"),
            other => panic!("no recording {other}"),
        };
        serde_json::from_str(text).unwrap()
    }

    fn id(s: &str) -> Uuid {
        s.parse().unwrap()
    }

    fn common(text: &str, limit: i64, after: Option<After>) -> Common {
        Common { text: text.into(), hidden: Vec::new(), limit, after }
    }

    #[tokio::test]
    async fn a_posts_search_sends_the_query_filters_and_position_and_reads_hits_and_highlights() {
        let q = PostQuery {
            common: Common {
                hidden: vec![id("0192f3a4-0000-7000-8000-000000000001")],
                ..common(
                    "reykjavik \"midnight sun\" -winter",
                    3,
                    Some(After { key: score_key(2.5), id: id("0192f3a4-aaaa-7bbb-8ccc-dddddddddddd") }),
                )
            },
            author: Some(id("0192f3a4-5b6c-7d8e-9f00-112233445566")),
            has_media: None,
            since: DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").ok().map(|t| t.with_timezone(&Utc)),
            until: None,
            sort: PostSort::Relevance,
        };
        let index = OpenSearchIndex::new(
            Replay::new(vec![(
                "POST",
                "/cs-posts/_search".into(),
                Some(recorded("posts_search_request")),
                200,
                recorded("posts_search_response"),
            )]),
            "",
        );
        let hits = index.posts(&q).await.unwrap();
        assert_eq!(hits.total, 4);
        assert_eq!(hits.hits.len(), 2);
        assert_eq!(hits.hits[0].id, id("0192f3a4-9999-7999-8999-999999999999"));
        assert_eq!(key_score(hits.hits[0].key) as f32, 2.133_653_2_f32);
        assert!(hits.hits[0].key > hits.hits[1].key, "scores order as keys");
        assert_eq!(
            hits.hits[0].highlight,
            [(
                "content",
                "Under the <mark>midnight</mark> <mark>sun</mark> in <mark>Reykjavík</mark> &lt;script&gt;".to_string()
            )]
        );
    }

    #[tokio::test]
    async fn an_items_search_by_price_keys_on_cents() {
        let q = ItemQuery {
            common: common("lantern", 20, None),
            seller: None,
            min_cents: Some(100),
            max_cents: None,
            currency: Some("EUR".into()),
            sort: ItemSort::PriceAsc,
        };
        let body = items_body(&q);
        assert_eq!(body["sort"], json!([{ "price_cents": "asc" }, { "id": "asc" }]));
        assert_eq!(body["query"]["bool"]["filter"][1], json!({ "range": { "price_cents": { "gte": 100 } } }));
        assert_eq!(body["query"]["bool"]["filter"][2], json!({ "term": { "currency": "EUR" } }));
        let index = OpenSearchIndex::new(
            Replay::new(vec![(
                "POST",
                "/dev-cs-items/_search".into(),
                Some(body),
                200,
                recorded("items_search_response"),
            )]),
            "dev-",
        );
        let hits = index.items(&q).await.unwrap();
        assert_eq!(hits.hits[0].key, 300);
        assert_eq!(
            hits.hits[0].highlight[1],
            ("description", "For &lt;i&gt;glow&lt;/i&gt; <mark>lanterns</mark>".to_string())
        );
    }

    #[tokio::test]
    async fn writes_carry_external_versions_and_a_stale_one_is_no_error() {
        let doc_id = id("0192f3a4-9999-7999-8999-999999999999");
        let path = |v: i64| format!("/cs-posts/_doc/{doc_id}?version={v}&version_type=external");
        let index = OpenSearchIndex::new(
            Replay::new(vec![
                ("PUT", path(1_764_340_000_123_456), None, 201, recorded("put_created_response")),
                ("PUT", path(1_764_340_000_000_000), None, 409, recorded("put_conflict_response")),
                ("PUT", path(1_764_340_000_000_000), None, 409, recorded("put_conflict_response")),
            ]),
            "",
        );
        let doc = |version| PostDoc {
            id: doc_id,
            version,
            author_id: Uuid::nil(),
            content: "x".into(),
            has_media: false,
            created_at: Utc::now(),
        };
        assert_eq!(index.put_posts(&[doc(1_764_340_000_123_456)]).await.unwrap(), 1);
        assert_eq!(index.put_posts(&[doc(1_764_340_000_000_000)]).await.unwrap(), 0);
        // A removal is a versioned tombstone, refused the same way when stale.
        assert_eq!(index.remove(Kind::Post, &[(doc_id, 1_764_340_000_000_000)]).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn setup_applies_the_template_and_creates_missing_indices() {
        let ok = json!({ "acknowledged": true });
        let created = json!({ "acknowledged": true, "shards_acknowledged": true, "index": "cs-posts" });
        let index = OpenSearchIndex::new(
            Replay::new(vec![
                ("PUT", "/_index_template/cs".into(), Some(serde_json::from_str(TEMPLATE).unwrap()), 200, ok),
                (
                    "PUT",
                    "/cs-users".into(),
                    Some(serde_json::from_str(USERS_MAPPING).unwrap()),
                    400,
                    recorded("index_exists_response"),
                ),
                ("PUT", "/cs-posts".into(), Some(serde_json::from_str(POSTS_MAPPING).unwrap()), 200, created.clone()),
                ("PUT", "/cs-items".into(), Some(serde_json::from_str(ITEMS_MAPPING).unwrap()), 200, created),
            ]),
            "",
        );
        assert_eq!(index.apply_templates().await.unwrap(), ["/_index_template/cs", "/cs-posts", "/cs-items"]);
    }

    #[test]
    fn score_keys_order_as_scores_and_round_trip() {
        for (a, b) in [(0.0, 1e-6), (0.5, 0.50001), (1.0, 2.0), (3.3, 1000.0)] {
            assert!(score_key(a) < score_key(b), "{a} {b}");
        }
        assert_eq!(key_score(score_key(2.5)), 2.5);
    }

    #[test]
    fn the_mapping_files_are_json_with_the_fields_the_adapter_writes() {
        for (file, fields) in [
            (
                USERS_MAPPING,
                &["id", "visible", "username", "username_key", "display_name", "display_key", "bio", "indexed_at"][..],
            ),
            (POSTS_MAPPING, &["id", "visible", "author_id", "content", "has_media", "created_at", "indexed_at"][..]),
            (
                ITEMS_MAPPING,
                &[
                    "id",
                    "visible",
                    "seller_id",
                    "title",
                    "description",
                    "price_cents",
                    "currency",
                    "created_at",
                    "indexed_at",
                ][..],
            ),
        ] {
            let mapping: Value = serde_json::from_str(file).unwrap();
            let props = mapping["mappings"]["properties"].as_object().unwrap();
            let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
            names.sort_unstable();
            let mut expected = fields.to_vec();
            expected.sort_unstable();
            assert_eq!(names, expected);
        }
        let template: Value = serde_json::from_str(TEMPLATE).unwrap();
        assert!(template["template"]["settings"]["analysis"]["analyzer"]["cs_text"].is_object());
    }
}

/// Where the OpenSearch index is (`OPENSEARCH_*`); none configured: the Postgres index.
#[derive(Debug, Clone, Default)]
pub struct OpenSearchConfig {
    /// `OPENSEARCH_URL`: the endpoint. Unset with a domain: `search-setup` finds it.
    pub url: Option<String>,
    /// `OPENSEARCH_DOMAIN`: the managed domain's name, for `search-setup`.
    pub domain: Option<String>,
    /// `OPENSEARCH_SERVICE`: `es` (a domain, the default), `aoss` (Serverless), or `none`
    /// (no signing: a cluster of one's own, as the live test may use).
    pub service: String,
    /// `OPENSEARCH_INDEX_PREFIX`: a stage's own indices on a shared cluster.
    pub prefix: String,
}

impl OpenSearchConfig {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        OpenSearchConfig {
            url: var("OPENSEARCH_URL"),
            domain: var("OPENSEARCH_DOMAIN"),
            service: var("OPENSEARCH_SERVICE").unwrap_or_else(|| "es".into()),
            prefix: var("OPENSEARCH_INDEX_PREFIX").unwrap_or_default(),
        }
    }

    /// The adapter for `url`, signed as the configuration says.
    pub fn index(&self, url: &str, aws: &aws_config::SdkConfig) -> anyhow::Result<OpenSearchIndex> {
        let signing = (self.service != "none").then_some((aws, self.service.as_str()));
        Ok(OpenSearchIndex::new(Box::new(OsClient::new(url, signing)?), &self.prefix))
    }
}

/// What `search-setup` does at deploy time: finds the domain's endpoint and checks that it
/// is ready (aws-sdk-opensearch), then applies the template and creates missing indices.
pub async fn setup(config: &OpenSearchConfig, aws: &aws_config::SdkConfig) -> anyhow::Result<Value> {
    let url = match (&config.url, &config.domain) {
        (Some(url), _) => url.clone(),
        (None, Some(domain)) => {
            let client = aws_sdk_opensearch::Client::new(aws);
            let answer = client.describe_domain().domain_name(domain).send().await?;
            let status = answer.domain_status().ok_or_else(|| anyhow::anyhow!("no status for domain {domain}"))?;
            if status.deleted().unwrap_or(false) || !status.created().unwrap_or(false) {
                anyhow::bail!("the domain {domain} is not created (or is being deleted)");
            }
            let endpoint = status
                .endpoint()
                .or_else(|| status.endpoints().and_then(|e| e.get("vpc")).map(String::as_str))
                .ok_or_else(|| anyhow::anyhow!("the domain {domain} has no endpoint yet (still processing?)"))?;
            format!("https://{endpoint}")
        }
        (None, None) => return Ok(json!({ "skipped": "no OPENSEARCH_URL or OPENSEARCH_DOMAIN: the Postgres index" })),
    };
    let applied = config.index(&url, aws)?.apply_templates().await?;
    Ok(json!({ "endpoint": url, "applied": applied }))
}
