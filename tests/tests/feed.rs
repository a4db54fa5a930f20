#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Posts, comments, likes and timelines through the gateway; fan-out through the emulator's SQS.

use blackbox::{assert_problem, eventually, TestApp, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

async fn post(app: &TestApp, who: &TestUser, content: &str) -> Value {
    let res = app.post("/posts", Some(&who.access), json!({ "content": content })).await;
    assert_eq!(res.status(), 201, "create post");
    res.json().await.unwrap()
}

async fn page(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    let res = app.get(path, token).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect()
}

async fn home_has(app: &TestApp, who: &TestUser, post_id: &str, present: bool) {
    eventually(15, || async {
        let home = page(app, "/timeline/home?limit=100", Some(&who.access)).await;
        (ids(&home).iter().any(|i| i == post_id) == present).then_some(())
    })
    .await;
}

#[tokio::test]
async fn posts_are_created_read_edited_and_deleted_by_their_author_only() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.register("poster").await, app.register("other").await);
    let p = post(&app, &a, "  hello world  ").await;
    for key in
        ["id", "author", "content", "mediaUrl", "likeCount", "commentCount", "likedByMe", "createdAt", "updatedAt"]
    {
        assert!(p.get(key).is_some(), "post lacks {key}: {p}");
    }
    assert_eq!((p["content"].as_str(), p["author"]["id"].as_str()), (Some("hello world"), Some(a.id.as_str())));
    let id = p["id"].as_str().unwrap();
    let path = format!("/posts/{id}");
    assert_eq!(page(&app, &path, None).await["likeCount"], 0);

    assert_problem(app.put(&path, Some(&b.access), json!({ "content": "hijack" })).await, 403, "not_author", None)
        .await;
    assert_problem(app.request(Method::DELETE, &path, Some(&b.access), None).await, 403, "not_author", None).await;
    let res = app.put(&path, Some(&a.access), json!({ "content": "edited" })).await;
    let edited: Value = res.json().await.unwrap();
    assert_eq!(edited["content"], "edited");
    assert_eq!(edited["createdAt"], p["createdAt"]);
    assert_ne!(edited["updatedAt"], p["updatedAt"]);

    assert_problem(
        app.post("/posts", Some(&a.access), json!({ "content": "   " })).await,
        422,
        "invalid_field",
        Some("content"),
    )
    .await;
    let long = "x".repeat(5001);
    assert_problem(
        app.post("/posts", Some(&a.access), json!({ "content": long })).await,
        422,
        "invalid_field",
        Some("content"),
    )
    .await;
    let res = app.post("/posts", Some(&a.access), json!({ "content": "pic", "mediaId": uuid::Uuid::new_v4() })).await;
    assert_problem(res, 422, "invalid_field", Some("mediaId")).await;
    assert_problem(app.get("/posts/nope", None).await, 400, "invalid_uuid", Some("id")).await;
    assert_problem(app.post("/posts", None, json!({ "content": "anon" })).await, 401, "unauthorized", None).await;

    assert_eq!(app.request(Method::DELETE, &path, Some(&a.access), None).await.status(), 204);
    assert_problem(app.get(&path, None).await, 404, "post_not_found", None).await;
    assert_problem(app.put(&path, Some(&a.access), json!({ "content": "x" })).await, 404, "post_not_found", None).await;
}

#[tokio::test]
async fn likes_are_idempotent_counted_and_notify_once() {
    let app = TestApp::spawn().await;
    let (author, fan) = (app.register("liked").await, app.register("liker").await);
    let id = post(&app, &author, "like me").await["id"].as_str().unwrap().to_string();
    let like = format!("/posts/{id}/like");
    for _ in 0..2 {
        let state: Value = app.post(&like, Some(&fan.access), json!({})).await.json().await.unwrap();
        assert_eq!((state["likedByMe"].as_bool(), state["likeCount"].as_i64()), (Some(true), Some(1)));
    }
    assert_eq!(page(&app, &format!("/posts/{id}"), Some(&fan.access)).await["likedByMe"], true);
    assert_eq!(page(&app, &format!("/posts/{id}"), Some(&author.access)).await["likedByMe"], false);
    for _ in 0..2 {
        let state: Value = app.request(Method::DELETE, &like, Some(&fan.access), None).await.json().await.unwrap();
        assert_eq!((state["likedByMe"].as_bool(), state["likeCount"].as_i64()), (Some(false), Some(0)));
    }
    // Liking again after unliking joins the same unread notification: still one, from one actor.
    app.post(&like, Some(&fan.access), json!({})).await;
    let n = eventually(15, || async {
        let n = page(&app, "/notifications?type=like", Some(&author.access)).await;
        (!n["items"].as_array().unwrap().is_empty()).then_some(n)
    })
    .await;
    // Like, unlike, like: two `post.liked` events, both applied.
    app.processed("notify", 2).await;
    let n2 = page(&app, "/notifications?type=like", Some(&author.access)).await;
    assert_eq!(n2["items"].as_array().unwrap().len(), 1, "{n}");
    assert_eq!(n2["items"][0]["actorCount"], 1);
    assert_eq!(n2["items"][0]["subjectId"], id);
    let ghost = uuid::Uuid::new_v4();
    assert_problem(
        app.post(&format!("/posts/{ghost}/like"), Some(&fan.access), json!({})).await,
        404,
        "post_not_found",
        None,
    )
    .await;
}

#[tokio::test]
async fn comments_page_oldest_first_and_are_deleted_by_their_or_the_posts_author() {
    let app = TestApp::spawn().await;
    let (author, c1, stranger) =
        (app.register("op").await, app.register("commenter").await, app.register("stranger").await);
    let id = post(&app, &author, "discuss").await["id"].as_str().unwrap().to_string();
    let comments = format!("/posts/{id}/comments");
    let mut made = Vec::new();
    for i in 0..3 {
        let res = app.post(&comments, Some(&c1.access), json!({ "content": format!("comment {i}") })).await;
        assert_eq!(res.status(), 201);
        made.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
    }
    assert_eq!(page(&app, &format!("/posts/{id}"), None).await["commentCount"], 3);
    let first = page(&app, &format!("{comments}?limit=2"), None).await;
    assert_eq!(ids(&first), made[..2]);
    let cursor = first["nextCursor"].as_str().unwrap();
    let second = page(&app, &format!("{comments}?limit=2&cursor={cursor}"), None).await;
    assert_eq!(ids(&second), made[2..]);
    assert!(second["nextCursor"].is_null());

    let del = |cid: &str| format!("/comments/{cid}");
    assert_problem(
        app.request(Method::DELETE, &del(&made[0]), Some(&stranger.access), None).await,
        403,
        "not_author",
        None,
    )
    .await;
    assert_eq!(app.request(Method::DELETE, &del(&made[0]), Some(&c1.access), None).await.status(), 204);
    assert_eq!(app.request(Method::DELETE, &del(&made[1]), Some(&author.access), None).await.status(), 204);
    assert_problem(
        app.request(Method::DELETE, &del(&made[1]), Some(&author.access), None).await,
        404,
        "comment_not_found",
        None,
    )
    .await;
    assert_eq!(page(&app, &format!("/posts/{id}"), None).await["commentCount"], 1);
    assert_problem(
        app.post(&comments, Some(&c1.access), json!({ "content": "" })).await,
        422,
        "invalid_field",
        Some("content"),
    )
    .await;
    let ghost = format!("/posts/{}/comments", uuid::Uuid::new_v4());
    assert_problem(app.post(&ghost, Some(&c1.access), json!({ "content": "hi" })).await, 404, "post_not_found", None)
        .await;
    assert_problem(app.get(&ghost, None).await, 404, "post_not_found", None).await;

    // The post's author hears of the comments (one grouped notification).
    eventually(15, || async {
        let n = page(&app, "/notifications?type=comment", Some(&author.access)).await;
        (n["items"].as_array().unwrap().len() == 1).then_some(())
    })
    .await;
}

#[tokio::test]
async fn mentions_notify_the_mentioned() {
    let app = TestApp::spawn().await;
    let (writer, named) = (app.register("writer").await, app.register("named").await);
    let id = post(
        &app,
        &writer,
        &format!("thanks @{} and @nobody_here, and me @{}", named.username.to_uppercase(), writer.username),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let n = eventually(15, || async {
        let n = page(&app, "/notifications?type=mention", Some(&named.access)).await;
        (!n["items"].as_array().unwrap().is_empty()).then_some(n)
    })
    .await;
    assert_eq!(n["items"][0]["subjectId"], id);
    assert_eq!(n["items"][0]["actors"][0]["id"], writer.id);
    assert!(page(&app, "/notifications?type=mention", Some(&writer.access)).await["items"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn home_timelines_follow_the_follow_graph() {
    let app = TestApp::spawn().await;
    let (reader, author, other) =
        (app.register("reader").await, app.register("author").await, app.register("unrelated").await);
    let old = post(&app, &author, "before the follow").await["id"].as_str().unwrap().to_string();
    let unrelated = post(&app, &other, "not followed").await["id"].as_str().unwrap().to_string();
    // Your own post is in your home timeline at once.
    let mine = post(&app, &reader, "mine").await["id"].as_str().unwrap().to_string();
    assert!(ids(&page(&app, "/timeline/home", Some(&reader.access)).await).contains(&mine));

    app.follow(&reader, &author).await;
    home_has(&app, &reader, &old, true).await; // backfilled
    let new = post(&app, &author, "after the follow").await["id"].as_str().unwrap().to_string();
    home_has(&app, &reader, &new, true).await; // fanned out
    let home = page(&app, "/timeline/home", Some(&reader.access)).await;
    assert!(!ids(&home).contains(&unrelated));
    assert_eq!(ids(&home)[0], new, "newest first");

    // A deleted post leaves at once; unfollowing takes the author's posts out.
    app.request(Method::DELETE, &format!("/posts/{new}"), Some(&author.access), None).await;
    assert!(!ids(&page(&app, "/timeline/home", Some(&reader.access)).await).contains(&new));
    app.post("/users/unfollow", Some(&reader.access), json!({ "followerId": reader.id, "followingId": author.id }))
        .await;
    home_has(&app, &reader, &old, false).await;
    assert!(ids(&page(&app, "/timeline/home", Some(&reader.access)).await).contains(&mine));

    let public = page(&app, "/timeline/public", None).await;
    assert!(ids(&public).contains(&unrelated) && ids(&public).contains(&old));
    let theirs = page(&app, &format!("/users/{}/posts", author.id), None).await;
    assert_eq!(ids(&theirs), vec![old]);
}

#[tokio::test]
async fn very_followed_authors_are_merged_on_read() {
    let app = TestApp::spawn_with(|c| c.feed.celebrity_followers = 2).await;
    let (star, f1, f2) = (app.register("star").await, app.register("fan1").await, app.register("fan2").await);
    app.follow(&f1, &star).await;
    app.follow(&f2, &star).await;
    let p = post(&app, &star, "to the masses").await["id"].as_str().unwrap().to_string();
    // Not fanned out (no timeline rows), yet both fans see it, exactly once.
    for fan in [&f1, &f2] {
        let home = page(&app, "/timeline/home", Some(&fan.access)).await;
        assert_eq!(ids(&home).iter().filter(|i| **i == p).count(), 1);
    }
    let db = app.db().await;
    let rows: i64 =
        db.query_one("SELECT count(*) FROM timelines WHERE post_id = $1::text::uuid", &[&p]).await.unwrap().get(0);
    assert_eq!(rows, 1, "only the author's own entry");
}

#[tokio::test]
async fn timeline_pages_have_no_gaps_or_duplicates_while_posts_arrive() {
    let app = TestApp::spawn().await;
    let (reader, author) = (app.register("scroller").await, app.register("prolific").await);
    app.follow(&reader, &author).await;
    let mut made = Vec::new();
    for i in 0..25 {
        made.push(post(&app, &author, &format!("post {i}")).await["id"].as_str().unwrap().to_string());
    }
    home_has(&app, &reader, &made[0], true).await;
    eventually(15, || async {
        (page(&app, "/timeline/home?limit=100", Some(&reader.access)).await["items"].as_array().unwrap().len() == 25)
            .then_some(())
    })
    .await;
    let first = page(&app, "/timeline/home", Some(&reader.access)).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 20);
    // Concurrent posting between the pages.
    let writers: Vec<_> =
        (0..5).map(|i| app.post("/posts", Some(&author.access), json!({ "content": format!("late {i}") }))).collect();
    for res in futures::future::join_all(writers).await {
        assert_eq!(res.status(), 201);
    }
    let cursor = first["nextCursor"].as_str().unwrap();
    let second = page(&app, &format!("/timeline/home?cursor={cursor}"), Some(&reader.access)).await;
    let mut seen: Vec<String> = ids(&first).into_iter().chain(ids(&second)).collect();
    assert_eq!(seen.len(), 25);
    seen.reverse();
    assert_eq!(seen, made, "every post once, in order");
    assert!(second["nextCursor"].is_null());
}
