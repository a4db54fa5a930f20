//! `GET /search` and `GET /search/users/suggest`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use cs_http::{json, optional_caller, parse_uuid, query_param, Body, Cursor, PageParams, Problem, Request, Response};
use cs_readmodel::{MediaView, UserSummary};
use lambda_http::http::StatusCode;
use uuid::Uuid;

use crate::{
    index::{After, Common, Hit, Hits, ItemQuery, ItemSort, PostQuery, PostSort},
    wire::*,
    App, SearchError,
};

type Reply = Result<Response<Body>, SearchError>;

/// Longest `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Hits of each kind in the overview (no `type`).
pub const OVERVIEW_HITS: i64 = 5;
pub const SUGGEST_DEFAULT: i64 = 8;
pub const SUGGEST_MAX: i64 = 20;

fn invalid(field: &str, message: impl Into<String>) -> SearchError {
    SearchError::Problem(Problem::invalid(field, message))
}

fn viewer(app: &App, req: &Request) -> Result<Option<Uuid>, SearchError> {
    Ok(optional_caller(req, |token| app.tokens.verify(token).ok().and_then(|c| Uuid::parse_str(&c.sub).ok()))?)
}

/// A query parameter; empty is absent.
fn param(req: &Request, name: &str) -> Option<String> {
    query_param(req, name).filter(|v| !v.is_empty())
}

/// `q`: required, at most 200 characters, not only white space.
fn query_text(req: &Request) -> Result<String, SearchError> {
    let raw = query_param(req, "q").unwrap_or_default();
    if raw.chars().count() > MAX_QUERY_CHARS {
        return Err(invalid("q", format!("q must be at most {MAX_QUERY_CHARS} characters")));
    }
    let text = raw.trim();
    if text.is_empty() {
        return Err(invalid("q", "q is required: the words to search for"));
    }
    // Postgres text cannot hold NUL; it is no word anyway.
    Ok(text.replace('\0', " "))
}

/// The users the searcher must not see, nor they them: blocked either way.
async fn hidden(app: &App, viewer: Option<Uuid>) -> Result<Vec<Uuid>, SearchError> {
    let Some(me) = viewer else { return Ok(Vec::new()) };
    let client = app.db.get().await?;
    let sql = "SELECT blocked_id AS id FROM user_blocks WHERE blocker_id = $1
               UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = $1";
    let rows = client.query(&client.prepare_cached(sql).await?, &[&me]).await?;
    Ok(rows.iter().map(|r| r.get("id")).collect())
}

fn date_param(req: &Request, name: &str, end_of_day: bool) -> Result<Option<DateTime<Utc>>, SearchError> {
    let Some(raw) = param(req, name) else { return Ok(None) };
    if let Ok(t) = DateTime::parse_from_rfc3339(&raw) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    let day = NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
        .map_err(|_| invalid(name, format!("{name} must be an RFC 3339 timestamp or a date (2026-11-28)")))?;
    let start = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let at = if end_of_day {
        day.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc() - chrono::Duration::microseconds(1))
    } else {
        start
    };
    at.map(Some).ok_or_else(|| invalid(name, format!("{name} is out of range")))
}

/// Cents of a decimal string with up to 2 decimals.
pub fn cents(raw: &str) -> Option<i64> {
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 7 || !digits(whole) || frac.len() > 2 || !digits(frac) {
        return None;
    }
    if raw.contains('.') && frac.is_empty() {
        return None;
    }
    let frac_cents = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse::<i64>().ok()?,
    };
    Some(whole.parse::<i64>().ok()? * 100 + frac_cents)
}

fn price_param(req: &Request, name: &str) -> Result<Option<i64>, SearchError> {
    param(req, name)
        .map(|raw| {
            cents(raw.trim())
                .ok_or_else(|| invalid(name, format!("{name} must be a decimal string with up to 2 decimals")))
        })
        .transpose()
}

fn bad_sort(allowed: &str) -> SearchError {
    SearchError::Problem(Problem::bad_request("invalid_sort", "sort", format!("sort must be {allowed}")))
}

fn cursor_after(params: &PageParams) -> Option<After> {
    params.cursor.map(|c| After { key: c.at.timestamp_micros(), id: c.id })
}

/// The page of hits (fetched one over the limit) and the cursor of the next.
fn page(mut hits: Hits, limit: i64) -> (Hits, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if hits.hits.len() <= limit {
        return (hits, None);
    }
    hits.hits.truncate(limit);
    let next = hits
        .hits
        .last()
        .and_then(|h| Some(Cursor { at: DateTime::from_timestamp_micros(h.key.max(0))?, id: h.id }.encode()));
    (hits, next)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Users,
    Posts,
    Items,
}

#[utoipa::path(get, path = "/search", tag = "search", security((), ("bearer" = [])),
    params(
        ("q" = String, Query, description = "What to look for: words (in any form, accents ignored), \"quoted phrases\", -excluded words, #hashtags. 1 to 200 characters, not only white space.",
            max_length = 200, pattern = r"[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"),
        ("type" = Option<crate::openapi::SearchType>, Query, description = "Only this kind, a page at a time (absent: the top 5 of each kind and their totals)"),
        ("sort" = Option<crate::openapi::SearchSort>, Query, description = "posts: relevance (default, decayed by age) or newest; items: relevance (default), newest, price_asc or price_desc"),
        ("author" = Option<String>, Query, description = "posts: only this author's (a user id)",
            pattern = r"^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"),
        ("hasMedia" = Option<crate::openapi::Flag>, Query, description = "posts: only those with (true) or without (false) an attachment"),
        ("since" = Option<String>, Query, description = "posts: created at or after (an RFC 3339 timestamp, or a date: from its start, UTC)",
            pattern = r"^(|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?)$"),
        ("until" = Option<String>, Query, description = "posts: created at or before (an RFC 3339 timestamp, or a date: to its end, UTC)",
            pattern = r"^(|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?)$"),
        ("seller" = Option<String>, Query, description = "items: only this seller's (a user id)",
            pattern = r"^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"),
        ("minPrice" = Option<String>, Query, description = "items: inclusive, a decimal string with up to 2 decimals",
            pattern = r"^(|[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[0-9]{1,7}(\.[0-9]{1,2})?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*)$"),
        ("maxPrice" = Option<String>, Query, description = "items: inclusive, a decimal string with up to 2 decimals",
            pattern = r"^(|[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[0-9]{1,7}(\.[0-9]{1,2})?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*)$"),
        ("currency" = Option<crate::openapi::Currency>, Query, description = "items: only prices in this currency"),
        cs_http::openapi::PageQuery,
    ),
    responses(
        (status = 200, description = "Without `type`: `{ users, posts, items, counts }`, the top 5 of each and the total of each. With `type`: `{ items, nextCursor, total }` of that type. Every hit has a `highlight`.", body = SearchAnswer),
        (status = 400, description = "Unknown `type` or `sort` (or a sort of another type), a malformed `cursor`, `limit`, `author` or `seller`", body = Problem, content_type = "application/problem+json"),
        cs_http::openapi::Unauthorized,
        (status = 422, description = "`q` missing, empty or over 200 characters; a bad date, price or currency (`field` names it)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search(app: &App, req: Request) -> Reply {
    let text = query_text(&req)?;
    let kind = match query_param(&req, "type").as_deref() {
        None => None,
        Some("users") => Some(Kind::Users),
        Some("posts") => Some(Kind::Posts),
        Some("items") => Some(Kind::Items),
        Some(_) => {
            return Err(SearchError::Problem(Problem::bad_request(
                "invalid_type",
                "type",
                "type must be users, posts or items",
            )))
        }
    };
    let params = PageParams::from_request(&req)?;
    // Every parameter is checked, whether or not the type uses it.
    let filters = Filters::from_request(app, &req)?;
    let viewer = viewer(app, &req)?;
    let Some(kind) = kind else { return overview(app, text, viewer).await };
    let sort = filters.sort.as_deref();
    let common =
        Common { text, hidden: hidden(app, viewer).await?, limit: params.fetch(), after: cursor_after(&params) };
    let answer = match kind {
        Kind::Users => {
            let hits = app.index.users(&common).await?;
            let (hits, next_cursor) = page(hits, params.limit);
            let total = hits.total;
            SearchAnswer::Users(Results { items: user_hits(app, hits, &common.text).await?, next_cursor, total })
        }
        Kind::Posts => {
            let sort = match sort {
                None | Some("relevance") => PostSort::Relevance,
                Some("newest") => PostSort::Newest,
                Some(_) => return Err(bad_sort("relevance or newest for posts")),
            };
            let q = PostQuery {
                author: filters.author,
                has_media: filters.has_media,
                since: filters.since,
                until: filters.until,
                sort,
                common,
            };
            let (hits, next_cursor) = page(app.index.posts(&q).await?, params.limit);
            let total = hits.total;
            SearchAnswer::Posts(Results { items: post_hits(app, hits, viewer).await?, next_cursor, total })
        }
        Kind::Items => {
            let sort = match sort {
                None | Some("relevance") => ItemSort::Relevance,
                Some("newest") => ItemSort::Newest,
                Some("price_asc") => ItemSort::PriceAsc,
                Some("price_desc") => ItemSort::PriceDesc,
                Some(_) => return Err(bad_sort("relevance, newest, price_asc or price_desc for items")),
            };
            let q = ItemQuery {
                seller: filters.seller,
                min_cents: filters.min_cents,
                max_cents: filters.max_cents,
                currency: filters.currency,
                sort,
                common,
            };
            let (hits, next_cursor) = page(app.index.items(&q).await?, params.limit);
            let total = hits.total;
            SearchAnswer::Items(Results { items: item_hits(app, hits).await?, next_cursor, total })
        }
    };
    json(StatusCode::OK, &answer)
}

/// The filters and sort of `GET /search`, each checked.
struct Filters {
    sort: Option<String>,
    author: Option<Uuid>,
    has_media: Option<bool>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    seller: Option<Uuid>,
    min_cents: Option<i64>,
    max_cents: Option<i64>,
    currency: Option<String>,
}

impl Filters {
    fn from_request(app: &App, req: &Request) -> Result<Self, SearchError> {
        // Enumerations: an empty value is not one of them (400 or 422, as any other).
        let sort = query_param(req, "sort");
        if let Some(s) = &sort {
            if !["relevance", "newest", "price_asc", "price_desc"].contains(&s.as_str()) {
                return Err(bad_sort("relevance, newest, price_asc or price_desc"));
            }
        }
        let has_media = match query_param(req, "hasMedia").as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return Err(invalid("hasMedia", "hasMedia must be true or false")),
        };
        let currency = query_param(req, "currency");
        if let Some(c) = &currency {
            if !app.config.currencies.contains(c) {
                return Err(invalid(
                    "currency",
                    format!("currency must be one of {}", app.config.currencies.join(", ")),
                ));
            }
        }
        Ok(Filters {
            sort,
            author: param(req, "author").map(|v| parse_uuid("author", &v)).transpose()?,
            has_media,
            since: date_param(req, "since", false)?,
            until: date_param(req, "until", true)?,
            seller: param(req, "seller").map(|v| parse_uuid("seller", &v)).transpose()?,
            min_cents: price_param(req, "minPrice")?,
            max_cents: price_param(req, "maxPrice")?,
            currency,
        })
    }
}

/// The top hits of each kind and the total of each.
async fn overview(app: &App, text: String, viewer: Option<Uuid>) -> Reply {
    let hidden = hidden(app, viewer).await?;
    let common = Common { text, hidden, limit: OVERVIEW_HITS, after: None };
    let posts = PostQuery {
        common: common.clone(),
        author: None,
        has_media: None,
        since: None,
        until: None,
        sort: PostSort::Relevance,
    };
    let items = ItemQuery {
        common: common.clone(),
        seller: None,
        min_cents: None,
        max_cents: None,
        currency: None,
        sort: ItemSort::Relevance,
    };
    let (users, posts, items) =
        tokio::try_join!(app.index.users(&common), app.index.posts(&posts), app.index.items(&items))?;
    let counts = Counts { users: users.total, posts: posts.total, items: items.total };
    let (users, posts, items) =
        tokio::try_join!(user_hits(app, users, &common.text), post_hits(app, posts, viewer), item_hits(app, items))?;
    json(StatusCode::OK, &SearchAnswer::Overview(Overview { users, posts, items, counts }))
}

fn highlight<'a>(hit: &'a Hit, field: &str) -> Option<&'a str> {
    hit.highlight.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_str())
}

/// HTML-escaped text.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` escaped, with the first word that starts with `prefix` (ignoring case) marked.
pub fn mark_prefix(text: &str, prefix: &str) -> String {
    let wanted: Vec<char> = prefix.chars().flat_map(char::to_lowercase).collect();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for i in 0..chars.len() {
        let word_start = i == 0 || !chars[i - 1].1.is_alphanumeric();
        let Some(window) = chars.get(i..i + wanted.len()) else { break };
        if !word_start || wanted.is_empty() {
            continue;
        }
        let same = window.iter().zip(&wanted).all(|((_, c), w)| c.to_lowercase().eq(std::iter::once(*w)));
        if same {
            let start = chars[i].0;
            let end = chars.get(i + wanted.len()).map_or(text.len(), |c| c.0);
            return format!(
                "{}<mark>{}</mark>{}",
                escape_html(&text[..start]),
                escape_html(&text[start..end]),
                escape_html(&text[end..])
            );
        }
    }
    escape_html(text)
}

async fn users_by_id(app: &App, ids: &[Uuid]) -> Result<HashMap<Uuid, UserSummary>, SearchError> {
    let client = app.db.get().await?;
    Ok(cs_readmodel::users_by_ids(&client, ids).await?.into_iter().map(|u| (u.id, u)).collect())
}

async fn user_hits(app: &App, hits: Hits, text: &str) -> Result<Vec<UserHit>, SearchError> {
    let ids: Vec<Uuid> = hits.hits.iter().map(|h| h.id).collect();
    let mut users = users_by_id(app, &ids).await?;
    Ok(hits
        .hits
        .iter()
        .filter_map(|h| {
            let u = users.remove(&h.id)?;
            let display_name = u.display_name.as_ref().map(|name| match highlight(h, "displayName") {
                Some(marked) if marked.contains("<mark>") => marked.to_string(),
                _ => mark_prefix(name, text),
            });
            let bio = u.bio.as_ref().map(|bio| highlight(h, "bio").map_or_else(|| escape_html(bio), str::to_string));
            let marks = UserHighlight { username: mark_prefix(&u.username, text), display_name, bio };
            Some(UserHit { user: u, highlight: marks })
        })
        .collect())
}

async fn media_views(app: &App, ids: Vec<Uuid>) -> Result<HashMap<Uuid, MediaView>, SearchError> {
    let mut views = HashMap::new();
    if ids.is_empty() {
        return Ok(views);
    }
    let client = app.db.get().await?;
    for file in cs_readmodel::media_by_ids(&client, &ids).await? {
        // Public media only: a file sold in the marketplace is never shown.
        if file.purpose != "item_file" {
            views.insert(file.id, cs_readmodel::media_view(&app.media, file).await?);
        }
    }
    Ok(views)
}

async fn post_hits(app: &App, hits: Hits, viewer: Option<Uuid>) -> Result<Vec<PostHit>, SearchError> {
    let ids: Vec<Uuid> = hits.hits.iter().map(|h| h.id).collect();
    let client = app.db.get().await?;
    let mut posts: HashMap<Uuid, _> =
        cs_readmodel::posts_by_ids(&client, &ids).await?.into_iter().map(|p| (p.id, p)).collect();
    let liked: HashSet<Uuid> = match viewer {
        Some(me) => cs_readmodel::liked_by(&client, me, &ids).await?,
        None => HashSet::new(),
    };
    drop(client);
    let authors: Vec<Uuid> = posts.values().map(|p| p.author_id).collect();
    let users = users_by_id(app, &authors).await?;
    let media = media_views(app, posts.values().filter_map(|p| p.media_id).collect()).await?;
    Ok(hits
        .hits
        .iter()
        .filter_map(|h| {
            let p = posts.remove(&h.id)?;
            let author = users.get(&p.author_id)?.clone();
            let media = p.media_id.and_then(|id| media.get(&id).cloned());
            let content = highlight(h, "content").map_or_else(|| escape_html(&p.content), str::to_string);
            Some(PostHit {
                id: p.id,
                author,
                media_url: media.as_ref().and_then(|m| m.url.clone()).or(p.media_url),
                media,
                content: p.content,
                like_count: p.like_count,
                comment_count: p.comment_count,
                liked_by_me: liked.contains(&p.id),
                created_at: p.created_at,
                updated_at: p.updated_at,
                highlight: PostHighlight { content },
            })
        })
        .collect())
}

async fn item_hits(app: &App, hits: Hits) -> Result<Vec<ItemHit>, SearchError> {
    let ids: Vec<Uuid> = hits.hits.iter().map(|h| h.id).collect();
    let client = app.db.get().await?;
    // Only active items, whatever the index still holds within its lag.
    let mut items: HashMap<Uuid, _> = cs_readmodel::items_by_ids(&client, &ids)
        .await?
        .into_iter()
        .filter(|i| i.status == "active")
        .map(|i| (i.id, i))
        .collect();
    drop(client);
    let sellers: Vec<Uuid> = items.values().map(|i| i.seller_id).collect();
    let users = users_by_id(app, &sellers).await?;
    let previews = media_views(app, items.values().filter_map(|i| i.preview_media_id).collect()).await?;
    Ok(hits
        .hits
        .iter()
        .filter_map(|h| {
            let i = items.remove(&h.id)?;
            let seller = users.get(&i.seller_id)?.clone();
            let marks = ItemHighlight {
                title: highlight(h, "title").map_or_else(|| escape_html(&i.title), str::to_string),
                description: highlight(h, "description").map_or_else(|| escape_html(&i.description), str::to_string),
            };
            Some(ItemHit {
                id: i.id,
                seller,
                title: i.title,
                description: i.description,
                price: SearchPrice { amount: i.price, currency: i.currency },
                status: i.status,
                copies_left: i.copies_left,
                sales_count: i.sales_count,
                file_name: i.file_name,
                file_size: i.file_size,
                preview: i.preview_media_id.and_then(|id| previews.get(&id).cloned()),
                created_at: i.created_at,
                updated_at: i.updated_at,
                highlight: marks,
            })
        })
        .collect())
}

#[utoipa::path(get, path = "/search/users/suggest", tag = "search", security((), ("bearer" = [])),
    params(
        ("q" = String, Query, description = "The start of a username or display name (1 to 200 characters, not only white space)",
            max_length = 200, pattern = r"[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"),
        ("limit" = Option<i64>, Query, description = "How many, default 8; at most 20 are returned", minimum = 1),
    ),
    responses(
        (status = 200, description = "People whose username or display name starts with `q`: an exact username first, then the shortest", body = Suggestions),
        (status = 400, description = "A malformed `limit`", body = Problem, content_type = "application/problem+json"),
        cs_http::openapi::Unauthorized,
        (status = 422, description = "`q` missing, empty or over 200 characters", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn suggest_users(app: &App, req: Request) -> Reply {
    let text = query_text(&req)?;
    let limit = match query_param(&req, "limit") {
        None => SUGGEST_DEFAULT,
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if n >= 1 => n.min(SUGGEST_MAX),
            _ => {
                return Err(SearchError::Problem(Problem::bad_request(
                    "invalid_limit",
                    "limit",
                    "limit must be a whole number of at least 1",
                )))
            }
        },
    };
    let viewer = viewer(app, &req)?;
    let hidden = hidden(app, viewer).await?;
    let ids = app.index.suggest(&text, &hidden, limit).await?;
    let mut users = users_by_id(app, &ids).await?;
    let items = ids.iter().filter_map(|id| users.remove(id)).collect();
    json(StatusCode::OK, &Suggestions { items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_marked_at_word_starts_and_the_rest_escaped() {
        assert_eq!(mark_prefix("alice", "AL"), "<mark>al</mark>ice");
        assert_eq!(mark_prefix("Bob <Alice>", "ali"), "Bob &lt;<mark>Ali</mark>ce&gt;");
        assert_eq!(mark_prefix("malice", "al"), "malice");
        assert_eq!(mark_prefix("<b>", "zz"), "&lt;b&gt;");
    }

    #[test]
    fn prices_are_cents() {
        assert_eq!(cents("12.5"), Some(1250));
        assert_eq!(cents("0.01"), Some(1));
        assert_eq!(cents("12."), None);
        assert_eq!(cents("1e3"), None);
        assert_eq!(cents("12345678"), None);
    }

    #[test]
    fn a_full_page_points_at_its_last_hit() {
        let hit = |key| Hit { id: Uuid::nil(), key, highlight: Vec::new() };
        let (hits, next) = page(Hits { hits: vec![hit(3), hit(2), hit(1)], total: 3 }, 2);
        assert_eq!(hits.hits.len(), 2);
        let cursor = Cursor::decode(&next.unwrap_or_default()).map(|c| c.at.timestamp_micros());
        assert_eq!(cursor.ok(), Some(2));
        assert!(page(Hits { hits: vec![hit(1)], total: 1 }, 2).1.is_none());
    }
}
