#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Search through the gateway, over Postgres and the emulator's SQS: the indexer consumes
//! the `search` queue through the gateway's pollers, so each test waits for a document to
//! become searchable (a positive signal) before asserting what else is or is not found.

use std::collections::HashSet;

use blackbox::{assert_problem, create_item, eventually, TestApp, TestUser};
use serde_json::{json, Value};

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn search(app: &TestApp, who: Option<&TestUser>, query: &str) -> Value {
    let res = app.get(&format!("/search?{query}"), who.map(|u| u.access.as_str())).await;
    assert_eq!(res.status(), 200, "/search?{query}");
    res.json().await.unwrap()
}

/// The ids of a typed search's page.
async fn ids(app: &TestApp, who: Option<&TestUser>, query: &str) -> Vec<String> {
    let page = search(app, who, query).await;
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

/// Waits until a typed search finds `id`.
async fn found(app: &TestApp, who: Option<&TestUser>, query: &str, id: &str) {
    eventually(20, || async { ids(app, who, query).await.contains(&id.to_string()).then_some(()) }).await
}

async fn post(app: &TestApp, who: &TestUser, content: &str) -> String {
    let res = app.post("/posts", Some(&who.access), json!({ "content": content })).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

fn posts(q: &str) -> String {
    format!("type=posts&q={}", enc(q))
}

#[tokio::test]
async fn posts_are_found_in_any_form_after_create_and_edit_and_not_after_delete() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let id = post(&app, &ann, "She runs to Reykjavík every #summer, \"quietly\" <script>alert(1)</script>").await;
    found(&app, None, &posts("running"), &id).await;
    // Accents, hashtags, phrases and exclusions.
    assert!(ids(&app, None, &posts("reykjavik")).await.contains(&id));
    assert!(ids(&app, None, &posts("#summer")).await.contains(&id));
    assert!(ids(&app, None, &posts("\"runs to reykjavik\"")).await.contains(&id));
    assert!(!ids(&app, None, &posts("\"reykjavik runs\"")).await.contains(&id));
    assert!(!ids(&app, None, &posts("runs -summer")).await.contains(&id));
    // The highlight is the text escaped, with the matches marked and no other HTML.
    let page = search(&app, None, &posts("script")).await;
    let hl = page["items"][0]["highlight"]["content"].as_str().unwrap();
    assert!(hl.contains("&lt;<mark>script</mark>&gt;"), "{hl}");
    assert!(!hl.replace("<mark>", "").replace("</mark>", "").contains('<'), "{hl}");
    assert!(page["items"][0]["content"].as_str().unwrap().contains("<script>"));
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["author"]["id"], ann.id);

    // Edited: found by its new words, not its old ones.
    let res = app.put(&format!("/posts/{id}"), Some(&ann.access), json!({ "content": "Knitting socks in Oslo" })).await;
    assert_eq!(res.status(), 200);
    found(&app, None, &posts("knit"), &id).await;
    assert!(!ids(&app, None, &posts("reykjavik")).await.contains(&id));

    // Deleted: gone.
    let res = app.request(reqwest::Method::DELETE, &format!("/posts/{id}"), Some(&ann.access), None).await;
    assert_eq!(res.status(), 204);
    eventually(20, || async {
        let db = app.db().await;
        let row = db.query_one("SELECT visible FROM search_posts WHERE id = $1::text::uuid", &[&id]).await.unwrap();
        (!row.get::<_, bool>(0)).then_some(())
    })
    .await;
    assert!(ids(&app, None, &posts("knitting")).await.is_empty());
}

#[tokio::test]
async fn people_are_found_by_prefix_and_misspelling_exact_username_first_and_suggested() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let alicia = app.register("alicia").await;
    let res = app
        .put(
            &format!("/users/{}", alice.id),
            Some(&alice.access),
            json!({ "displayName": "Alice Lindqvist", "bio": "Photographer <b>in</b> Oslo" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let users = |q: &str| format!("type=users&q={}", enc(q));
    found(&app, None, &users("lindqvist"), &alice.id).await;
    found(&app, None, &users("alicia"), &alicia.id).await;
    // A misspelling and a prefix.
    assert!(ids(&app, None, &users("alcie")).await.contains(&alice.id));
    let by_prefix = ids(&app, None, &users("al")).await;
    assert!(by_prefix.contains(&alice.id) && by_prefix.contains(&alicia.id), "{by_prefix:?}");
    // Any word of the names, begun or with two letters swapped.
    assert!(ids(&app, None, &users("lindq")).await.contains(&alice.id));
    assert!(ids(&app, None, &users("lnidqvist")).await.contains(&alice.id));
    // The exact username first.
    assert_eq!(ids(&app, None, &users(&alicia.username)).await[0], alicia.id);
    assert_eq!(ids(&app, None, &users(&alice.username)).await[0], alice.id);
    // Highlights: the prefix of the username, the display name's word, the bio escaped.
    let page = search(&app, None, &users("oslo")).await;
    let hit = page["items"].as_array().unwrap().iter().find(|u| u["id"] == alice.id.as_str()).unwrap().clone();
    assert_eq!(hit["highlight"]["bio"], "Photographer &lt;b&gt;in&lt;/b&gt; <mark>Oslo</mark>");
    let page = search(&app, None, &users("ali")).await;
    let hit = page["items"].as_array().unwrap().iter().find(|u| u["id"] == alice.id.as_str()).unwrap().clone();
    assert!(hit["highlight"]["username"].as_str().unwrap().starts_with("<mark>ali</mark>ce_"), "{hit}");
    assert_eq!(hit["highlight"]["displayName"], "<mark>Ali</mark>ce Lindqvist");

    // Suggestions: a prefix of a username or a display name, the exact username first.
    let res = app.get(&format!("/search/users/suggest?q={}", alicia.username), None).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["items"][0]["id"], alicia.id.as_str());
    let res = app.get(&format!("/search/users/suggest?q={}", enc("Alice Lind")), None).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["items"][0]["id"], alice.id.as_str(), "{body}");
    let res = app.get("/search/users/suggest?q=ali&limit=1", None).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn blocks_hide_people_posts_and_items_both_ways_at_once() {
    let app = TestApp::spawn().await;
    let (bea, cal, dee) = (app.register("bea").await, app.register("cal").await, app.register("dee").await);
    let bea_post = post(&app, &bea, "Marmalade recipes").await;
    let cal_post = post(&app, &cal, "Marmalade tasting").await;
    let item = create_item(&app, &cal, json!({ "title": "Marmalade labels" })).await;
    let item_id = item["id"].as_str().unwrap().to_string();
    found(&app, None, &posts("marmalade"), &bea_post).await;
    found(&app, None, &posts("marmalade"), &cal_post).await;
    found(&app, None, "type=items&q=marmalade", &item_id).await;
    found(&app, None, &format!("type=users&q={}", cal.username), &cal.id).await;

    let res = app.post("/users/block", Some(&bea.access), json!({ "userId": cal.id })).await;
    assert_eq!(res.status(), 204);
    for (who, hidden_post, hidden_user) in [(&bea, &cal_post, &cal), (&cal, &bea_post, &bea)] {
        let seen = ids(&app, Some(who), &posts("marmalade")).await;
        assert!(!seen.contains(hidden_post), "{seen:?}");
        let people = ids(&app, Some(who), &format!("type=users&q={}", hidden_user.username)).await;
        assert!(!people.contains(&hidden_user.id));
        let res = app.get(&format!("/search/users/suggest?q={}", hidden_user.username), Some(&who.access)).await;
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["items"], json!([]));
    }
    assert!(!ids(&app, Some(&bea), "type=items&q=marmalade").await.contains(&item_id));
    let overview = search(&app, Some(&bea), "q=marmalade").await;
    assert_eq!(overview["counts"]["posts"], 1, "{overview}");
    assert_eq!(overview["counts"]["items"], 0);
    // Others still see everything.
    assert_eq!(ids(&app, Some(&dee), &posts("marmalade")).await.len(), 2);
    let res = app.post("/users/unblock", Some(&bea.access), json!({ "userId": cal.id })).await;
    assert_eq!(res.status(), 204);
    assert_eq!(ids(&app, Some(&bea), &posts("marmalade")).await.len(), 2);
}

#[tokio::test]
async fn items_are_found_while_active_filtered_and_sorted_by_price() {
    let app = TestApp::spawn().await;
    let (sal, tim) = (app.register("sal").await, app.register("tim").await);
    let cheap = create_item(
        &app,
        &sal,
        json!({ "title": "Lantern presets", "price": { "amount": "3.00", "currency": "EUR" } }),
    )
    .await;
    let dear = create_item(&app, &tim, json!({ "title": "Lantern brushes", "description": "For <i>glow</i>", "price": { "amount": "30.00", "currency": "USD" } })).await;
    let draft = create_item(&app, &sal, json!({ "title": "Lantern drafts", "status": "draft" })).await;
    let gone = create_item(&app, &sal, json!({ "title": "Lantern archive" })).await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    found(&app, None, "type=items&q=lantern", &id(&gone)).await;
    let res = app.request(reqwest::Method::DELETE, &format!("/items/{}", id(&gone)), Some(&sal.access), None).await;
    assert_eq!(res.status(), 204);
    found(&app, None, "type=items&q=lantern", &id(&dear)).await;
    eventually(20, || async { (!ids(&app, None, "type=items&q=lantern").await.contains(&id(&gone))).then_some(()) })
        .await;
    let all = ids(&app, None, "type=items&q=lantern").await;
    assert!(!all.contains(&id(&draft)) && all.len() == 2, "{all:?}");

    assert_eq!(ids(&app, None, "type=items&q=lantern&sort=price_asc").await, [id(&cheap), id(&dear)]);
    assert_eq!(ids(&app, None, "type=items&q=lantern&sort=price_desc").await, [id(&dear), id(&cheap)]);
    for (sort, order) in [("price_asc", [id(&cheap), id(&dear)]), ("price_desc", [id(&dear), id(&cheap)])] {
        let first = search(&app, None, &format!("type=items&q=lantern&sort={sort}&limit=1")).await;
        let cursor = first["nextCursor"].as_str().expect("a next page").to_string();
        let second = search(&app, None, &format!("type=items&q=lantern&sort={sort}&limit=1&cursor={cursor}")).await;
        assert_eq!([id(&first["items"][0]), id(&second["items"][0])], order, "{sort}, a page at a time");
        assert!(second["nextCursor"].is_null());
    }
    assert_eq!(ids(&app, None, "type=items&q=lantern&minPrice=10").await, [id(&dear)]);
    assert_eq!(ids(&app, None, "type=items&q=lantern&maxPrice=3.00").await, [id(&cheap)]);
    assert_eq!(ids(&app, None, "type=items&q=lantern&currency=USD").await, [id(&dear)]);
    assert_eq!(ids(&app, None, &format!("type=items&q=lantern&seller={}", sal.id)).await, [id(&cheap)]);
    let page = search(&app, None, "type=items&q=glow").await;
    assert_eq!(page["items"][0]["highlight"]["description"], "For &lt;i&gt;<mark>glow</mark>&lt;/i&gt;");
    assert_eq!(page["items"][0]["price"], json!({ "amount": "30.00", "currency": "USD" }));

    // A draft made active is found; an edit moves it.
    let res = app
        .request(
            reqwest::Method::PATCH,
            &format!("/items/{}", id(&draft)),
            Some(&sal.access),
            Some(json!({ "status": "active", "title": "Lantern kit" })),
        )
        .await;
    assert_eq!(res.status(), 200);
    found(&app, None, "type=items&q=kit", &id(&draft)).await;
}

#[tokio::test]
async fn post_filters_and_paging_without_duplicates_or_gaps_while_posts_arrive() {
    let app = TestApp::spawn().await;
    let (ed, flo) = (app.register("ed").await, app.register("flo").await);
    let mut originals = Vec::new();
    for i in 0..7 {
        let who = if i % 2 == 0 { &ed } else { &flo };
        originals.push(post(&app, who, &format!("Pagination story number {i}")).await);
    }
    for id in &originals {
        found(&app, None, &format!("{}&limit=100", posts("pagination")), id).await;
    }
    for sort in ["relevance", "newest"] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page =
                search(&app, None, &format!("{}&sort={sort}&limit=3&cursor={cursor}", posts("pagination"))).await;
            seen.extend(page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()));
            // New posts arrive between pages.
            post(&app, &ed, "Pagination newcomer").await;
            match page["nextCursor"].as_str() {
                Some(next) => cursor = next.to_string(),
                None => break,
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: duplicates in {seen:?}");
        for id in &originals {
            assert!(seen.contains(id), "{sort}: {id} missing from {seen:?}");
        }
    }
    let newest = ids(&app, None, &format!("{}&sort=newest&limit=100", posts("story"))).await;
    let mut expected = originals.clone();
    expected.reverse();
    assert_eq!(newest, expected);

    // Filters: author, media, dates.
    let by_ed = ids(&app, None, &format!("{}&author={}&limit=100", posts("story"), ed.id)).await;
    assert_eq!(by_ed.len(), 4);
    assert_eq!(ids(&app, None, &format!("{}&hasMedia=true", posts("story"))).await.len(), 0);
    assert_eq!(ids(&app, None, &format!("{}&hasMedia=false&limit=100", posts("story"))).await.len(), 7);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(ids(&app, None, &format!("{}&since={today}&until={today}&limit=100", posts("story"))).await.len(), 7);
    assert_eq!(ids(&app, None, &format!("{}&since={tomorrow}", posts("story"))).await.len(), 0);
    let past = enc("2000-01-01T00:00:00Z");
    assert_eq!(ids(&app, None, &format!("{}&until={past}", posts("story"))).await.len(), 0);
}

#[tokio::test]
async fn stale_versions_never_overwrite_newer_ones() {
    use search::{
        index::{Kind, PostDoc},
        PgIndex, SearchIndex,
    };
    let app = TestApp::spawn().await;
    let gus = app.register("gus").await;
    let id = post(&app, &gus, "Walnut bread").await;
    found(&app, None, &posts("walnut"), &id).await;
    let index = PgIndex::new(cs_db::connect_as(&app.db_url, "cs_search", 1).unwrap());
    let uuid: uuid::Uuid = id.parse().unwrap();
    let version: i64 =
        app.db().await.query_one("SELECT version FROM search_posts WHERE id = $1", &[&uuid]).await.unwrap().get(0);
    let doc = |v: i64, content: &str| PostDoc {
        id: uuid,
        version: v,
        author_id: gus.id.parse().unwrap(),
        content: content.into(),
        has_media: false,
        created_at: chrono::Utc::now(),
    };
    // An older version (a late event's read) changes nothing; a newer one wins.
    assert_eq!(index.put_posts(&[doc(version - 1, "Stale rye")]).await.unwrap(), 0);
    assert_eq!(index.remove(Kind::Post, &[(uuid, version - 1)]).await.unwrap(), 0);
    assert!(ids(&app, None, &posts("walnut")).await.contains(&id));
    assert!(ids(&app, None, &posts("rye")).await.is_empty());
    assert_eq!(index.put_posts(&[doc(version + 1, "Fresh rye")]).await.unwrap(), 1);
    assert!(ids(&app, None, &posts("rye")).await.contains(&id));
    // A removal is a tombstone: an older write cannot bring the document back.
    assert_eq!(index.remove(Kind::Post, &[(uuid, version + 2)]).await.unwrap(), 1);
    assert_eq!(index.put_posts(&[doc(version + 1, "Fresh rye")]).await.unwrap(), 0);
    assert!(ids(&app, None, &posts("rye")).await.is_empty());

    // A reindex re-reads the source and rebuilds what the index lost; it keeps the newer
    // tombstone (nothing in the source is newer than it).
    let cake = post(&app, &gus, "Walnut cake").await;
    found(&app, None, &posts("cake"), &cake).await;
    let admin = app.db().await;
    admin.execute("DELETE FROM search_posts WHERE id = $1::text::uuid", &[&cake]).await.unwrap();
    assert!(ids(&app, None, &posts("cake")).await.is_empty());
    let settings =
        cs_platform::Settings { database_url: app.db_url.clone(), ..cs_platform::Settings::from_env().unwrap() };
    let platform = cs_platform::Platform::new(settings).await;
    let app_search = <search::App as cs_platform::Service>::new(&platform, search::Config::default()).unwrap();
    let report = search::indexer::reindex(&app_search).await.unwrap();
    assert_eq!((report.users, report.posts), (1, 1), "{report:?}");
    assert_eq!(ids(&app, None, &posts("walnut")).await, [cake]);
}

#[tokio::test]
async fn odd_queries_are_answered_and_bad_ones_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let hal = app.register("hal").await;
    let id = post(&app, &hal, "The quick fox").await;
    found(&app, None, &posts("fox"), &id).await;
    // Punctuation only, stop words only: 200 and nothing (a name may still match).
    for q in ["!!!", "?", "the and of", "\"\"", "-"] {
        let overview = search(&app, None, &format!("q={}", enc(q))).await;
        assert_eq!(overview["posts"], json!([]), "{q}");
        assert_eq!(overview["items"], json!([]), "{q}");
        assert_eq!(overview["counts"]["posts"], 0);
    }
    let overview = search(&app, None, "q=fox").await;
    assert_eq!(overview["counts"], json!({ "users": 0, "posts": 1, "items": 0 }));
    assert_eq!(overview["posts"][0]["highlight"]["content"], "The quick <mark>fox</mark>");

    assert_problem(app.get("/search", None).await, 422, "invalid_field", Some("q")).await;
    assert_problem(app.get("/search?q=%20%20", None).await, 422, "invalid_field", Some("q")).await;
    assert_problem(app.get(&format!("/search?q={}", "a".repeat(201)), None).await, 422, "invalid_field", Some("q"))
        .await;
    assert_eq!(app.get(&format!("/search?q={}", "a".repeat(200)), None).await.status(), 200);
    assert_problem(app.get("/search?q=x&type=groups", None).await, 400, "invalid_type", Some("type")).await;
    assert_problem(app.get("/search?q=x&type=posts&sort=price_asc", None).await, 400, "invalid_sort", Some("sort"))
        .await;
    assert_problem(app.get("/search?q=x&type=items&sort=oldest", None).await, 400, "invalid_sort", Some("sort")).await;
    assert_problem(app.get("/search?q=x&type=posts&since=yesterday", None).await, 422, "invalid_field", Some("since"))
        .await;
    assert_problem(app.get("/search?q=x&type=posts&until=2026-02-30", None).await, 422, "invalid_field", Some("until"))
        .await;
    assert_problem(
        app.get("/search?q=x&type=posts&hasMedia=maybe", None).await,
        422,
        "invalid_field",
        Some("hasMedia"),
    )
    .await;
    assert_problem(
        app.get("/search?q=x&type=items&minPrice=1.234", None).await,
        422,
        "invalid_field",
        Some("minPrice"),
    )
    .await;
    assert_problem(app.get("/search?q=x&type=items&maxPrice=abc", None).await, 422, "invalid_field", Some("maxPrice"))
        .await;
    assert_problem(app.get("/search?q=x&type=items&currency=XXX", None).await, 422, "invalid_field", Some("currency"))
        .await;
    assert_problem(app.get("/search/users/suggest", None).await, 422, "invalid_field", Some("q")).await;
}

#[tokio::test]
async fn a_common_word_is_counted_to_the_cap_ranked_among_its_newest_matches_and_paged_by_date() {
    use search::{
        index::{Common, PostDoc, PostQuery, PostSort, TOTAL_CAP},
        postgres::CANDIDATES,
        PgIndex, SearchIndex,
    };
    let app = TestApp::spawn().await;
    let index = PgIndex::new(cs_db::connect_as(&app.db_url, "cs_search", 1).unwrap());
    let (author, now) = (uuid::Uuid::new_v4(), chrono::Utc::now());
    let doc = |minutes: i64, content: &str| PostDoc {
        id: uuid::Uuid::new_v4(),
        version: 1,
        author_id: author,
        content: content.into(),
        has_media: false,
        created_at: now - chrono::Duration::minutes(minutes),
    };
    // More matches than the cap; the fifth newest says the word three times; the oldest says
    // it eight times, and ranked among every match it would come first (a week's decay halves
    // nothing like that), but it is not among the newest CANDIDATES.
    let mut docs: Vec<PostDoc> = (0..TOTAL_CAP + 5).map(|i| doc(i, "quince jam")).collect();
    docs[5] = doc(5, "quince quince quince jam");
    let oldest = doc(7 * 24 * 60, &"quince ".repeat(8));
    docs.push(oldest.clone());
    for chunk in docs.chunks(2_000) {
        index.put_posts(chunk).await.unwrap();
    }
    const { assert!(CANDIDATES <= TOTAL_CAP) };
    let query = |sort, after| PostQuery {
        common: Common { text: "quince".into(), hidden: Vec::new(), limit: 3, after },
        author: None,
        has_media: None,
        since: None,
        until: None,
        sort,
    };
    let best = index.posts(&query(PostSort::Relevance, None)).await.unwrap();
    assert_eq!(best.total, TOTAL_CAP, "the count stops at the cap");
    assert_eq!(best.hits[0].id, docs[5].id);
    assert!(best.hits.iter().all(|h| h.id != oldest.id));

    // Newest first, page after page through the created_at index: no gap, no repeat.
    let first = index.posts(&query(PostSort::Newest, None)).await.unwrap();
    let last = first.hits.last().unwrap();
    let after = search::index::After { key: last.key, id: last.id };
    let second = index.posts(&query(PostSort::Newest, Some(after))).await.unwrap();
    let ids: Vec<_> = first.hits.iter().chain(&second.hits).map(|h| h.id).collect();
    assert_eq!(ids, docs[..6].iter().map(|d| d.id).collect::<Vec<_>>());
}
