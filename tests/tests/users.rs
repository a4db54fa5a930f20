#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The user service through the gateway, as a client sees it.

use std::time::{Duration, Instant};

use blackbox::{assert_problem, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn register_login_update_follow_list_unfollow() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;

    // Login answers the wire contract.
    let res = app
        .post("/users/login", None, json!({ "email": alice.email.to_uppercase(), "password": alice.password }))
        .await;
    assert_eq!(res.status(), 200);
    let login: Value = res.json().await.unwrap();
    for key in ["user", "accessToken", "refreshToken", "expiresIn"] {
        assert!(!login[key].is_null(), "login lacks {key}: {login}");
    }
    assert_eq!(login["user"]["email"], alice.email);
    assert!(login["user"].get("hashedPassword").is_none() && !login.to_string().contains("argon2"));
    let token = login["accessToken"].as_str().unwrap();

    // Update the profile.
    let res = app
        .put(
            &format!("/users/{}", alice.id),
            Some(token),
            json!({ "displayName": "Alice L.", "bio": "Down the rabbit hole" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!((me["displayName"].as_str(), me["bio"].as_str()), (Some("Alice L."), Some("Down the rabbit hole")));
    assert_ne!(me["updatedAt"], me["createdAt"]);
    // null clears, absence keeps
    let res = app.put(&format!("/users/{}", alice.id), Some(token), json!({ "bio": null })).await;
    let me: Value = res.json().await.unwrap();
    assert!(me["bio"].is_null());
    assert_eq!(me["displayName"], "Alice L.");

    // Follow, twice: one edge.
    assert_eq!(app.follow(&alice, &bob).await.status(), 204);
    assert_eq!(app.follow(&alice, &bob).await.status(), 204);
    let b = app.user(&bob.id).await;
    assert_eq!((b["followersCount"].as_i64(), b["followingCount"].as_i64()), (Some(1), Some(0)));
    assert_eq!(app.user(&alice.id).await["followingCount"], 1);
    assert!(b.get("email").is_none(), "email shown to a stranger: {b}");

    let res = app.get(&format!("/users/{}/followers", bob.id), None).await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], alice.id);
    assert!(page["nextCursor"].is_null());
    let page: Value = app.get(&format!("/users/{}/following", alice.id), None).await.json().await.unwrap();
    assert_eq!(page["items"][0]["id"], bob.id);

    // Unfollow, twice.
    let body = json!({ "followerId": alice.id, "followingId": bob.id });
    assert_eq!(app.post("/users/unfollow", Some(&alice.access), body.clone()).await.status(), 204);
    assert_eq!(app.post("/users/unfollow", Some(&alice.access), body).await.status(), 204);
    assert_eq!(app.user(&bob.id).await["followersCount"], 0);
    assert_eq!(app.user(&alice.id).await["followingCount"], 0);
    let page: Value = app.get(&format!("/users/{}/followers", bob.id), None).await.json().await.unwrap();
    assert!(page["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn bad_register_input_is_a_clear_4xx() {
    let app = TestApp::spawn().await;
    let res = app.request(Method::POST, "/users/register", None, None).await;
    assert_problem(res, 400, "malformed_json", None).await;
    let raw = app.http.post(format!("{}/users/register", app.url)).body("{not json").send().await.unwrap();
    assert_problem(raw, 400, "malformed_json", None).await;
    let res = app.post("/users/register", None, json!({ "username": "someone", "email": "s@example.com" })).await;
    assert_problem(res, 422, "invalid_field", Some("password")).await;
    let res = app
        .post("/users/register", None, json!({ "username": 5, "email": "s@example.com", "password": "long enough" }))
        .await;
    assert_problem(res, 422, "invalid_field", Some("username")).await;
    let res = app
        .post("/users/register", None, json!({ "username": "someone", "email": "nope", "password": "long enough" }))
        .await;
    assert_problem(res, 422, "invalid_field", Some("email")).await;
    let res = app
        .post("/users/register", None, json!({ "username": "someone", "email": "s@example.com", "password": "short" }))
        .await;
    assert_problem(res, 422, "invalid_field", Some("password")).await;
    let big = "x".repeat(70 * 1024);
    let res = app
        .post("/users/register", None, json!({ "username": big, "email": "s@example.com", "password": "long enough" }))
        .await;
    assert_problem(res, 413, "payload_too_large", None).await;

    // Taken, case-insensitively; nothing half written.
    let first = app.register("dup").await;
    let res = app
        .post("/users/register", None, json!({ "username": first.username.to_uppercase(), "email": "other@example.com", "password": "long enough" }))
        .await;
    assert_problem(res, 409, "username_taken", Some("username")).await;
    let res = app
        .post(
            "/users/register",
            None,
            json!({ "username": "fresh_name", "email": first.email.to_uppercase(), "password": "long enough" }),
        )
        .await;
    assert_problem(res, 409, "email_taken", Some("email")).await;
    let res = app.post("/users/login", None, json!({ "email": "other@example.com", "password": "long enough" })).await;
    assert_eq!(res.status(), 401, "a failed registration must not leave an account");
}

#[tokio::test]
async fn wrong_email_and_wrong_password_look_the_same() {
    let app = TestApp::spawn().await;
    let u = app.register("carol").await;
    let timed = |email: String, password: &'static str| {
        let app = &app;
        async move {
            let start = Instant::now();
            let res = app.post("/users/login", None, json!({ "email": email, "password": password })).await;
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            (status, body["code"].clone(), body["detail"].clone(), start.elapsed())
        }
    };
    // Warm up the dummy hash once, as a long-running function would have.
    timed("nobody@example.com".into(), "whatever123").await;
    // The fastest of a few attempts of each: what the work costs, without the machine's noise.
    let (mut t1, mut t2) = (Duration::MAX, Duration::MAX);
    for _ in 0..4 {
        let (s1, c1, d1, e1) = timed(u.email.clone(), "wrong password").await;
        let (s2, c2, d2, e2) = timed("nobody@example.com".into(), "wrong password").await;
        assert_eq!((s1, s2), (401, 401));
        assert_eq!((c1, d1), (c2, d2));
        (t1, t2) = (t1.min(e1), t2.min(e2));
    }
    // Without the dummy hash a wrong email answers after one indexed lookup, far faster.
    let (fast, slow) = if t1 < t2 { (t1, t2) } else { (t2, t1) };
    assert!(slow.as_secs_f64() < fast.as_secs_f64() * 1.5 + 0.01, "timings differ: {t1:?} vs {t2:?}");
}

#[tokio::test]
async fn login_is_rate_limited_per_account() {
    // A minute into a 15-minute window: the attempts cannot straddle its edge.
    let app = TestApp::spawn_with(|c| {
        c.user.login_limits.per_account = 3;
        c.platform.rate_limit_clock = cs_aws::Clock::fixed(1_800_000_000 + 60);
    })
    .await;
    let u = app.register("dave").await;
    for i in 0..3 {
        let res = app.post("/users/login", None, json!({ "email": u.email, "password": "bad password" })).await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let res = app.post("/users/login", None, json!({ "email": u.email, "password": u.password })).await;
    let headers = res.headers().clone();
    assert_problem(res, 429, "rate_limited", None).await;
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry, 900 - 60, "until the fixed window's end");
    assert_eq!(headers["x-ratelimit-limit"], "3");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    // Another account from the same address is not affected.
    let other = app.register("erin").await;
    let res = app.post("/users/login", None, json!({ "email": other.email, "password": other.password })).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-ratelimit-remaining"));
}

#[tokio::test]
async fn login_is_rate_limited_per_address() {
    // Two seconds into a one-minute window: the attempts cannot straddle its edge.
    let app = TestApp::spawn_with(|c| {
        c.user.login_limits.per_ip = 2;
        c.platform.rate_limit_clock = cs_aws::Clock::fixed(1_800_000_000 + 2);
    })
    .await;
    for _ in 0..2 {
        let res = app.post("/users/login", None, json!({ "email": "x@example.com", "password": "bad password" })).await;
        assert_eq!(res.status(), 401);
    }
    let res = app.post("/users/login", None, json!({ "email": "y@example.com", "password": "bad password" })).await;
    assert_problem(res, 429, "rate_limited", None).await;
}

#[tokio::test]
async fn users_act_only_for_themselves() {
    let app = TestApp::spawn().await;
    let a = app.register("mallory").await;
    let b = app.register("victim").await;

    let res = app.put(&format!("/users/{}", b.id), Some(&a.access), json!({ "bio": "pwned" })).await;
    assert_problem(res, 403, "not_you", Some("userId")).await;
    let res = app.post("/users/follow", Some(&a.access), json!({ "followerId": b.id, "followingId": a.id })).await;
    assert_problem(res, 403, "not_you", Some("followerId")).await;
    let res = app.post("/users/unfollow", Some(&a.access), json!({ "followerId": b.id, "followingId": a.id })).await;
    assert_problem(res, 403, "not_you", Some("followerId")).await;
    assert!(app.user(&b.id).await["bio"].is_null());
    assert_eq!(app.user(&a.id).await["followersCount"], 0);

    // No token, a garbage token, a token with a forged signature.
    let res = app.post("/users/follow", None, json!({ "followerId": a.id, "followingId": b.id })).await;
    assert_problem(res, 401, "unauthorized", None).await;
    let res = app.post("/users/follow", Some("garbage"), json!({ "followerId": a.id, "followingId": b.id })).await;
    assert_problem(res, 401, "unauthorized", None).await;
    let mut parts: Vec<&str> = a.access.split('.').collect();
    let forged_sig = "A".repeat(parts[2].len());
    parts[2] = &forged_sig;
    let res = app.put(&format!("/users/{}", a.id), Some(&parts.join(".")), json!({ "bio": "x" })).await;
    assert_problem(res, 401, "unauthorized", None).await;
    // An optional-auth route rejects a bad token rather than ignoring it.
    let res = app.get(&format!("/users/{}", a.id), Some("garbage")).await;
    assert_problem(res, 401, "unauthorized", None).await;
}

#[tokio::test]
async fn follow_errors() {
    let app = TestApp::spawn().await;
    let a = app.register("fran").await;
    let res = app.post("/users/follow", Some(&a.access), json!({ "followerId": a.id, "followingId": a.id })).await;
    assert_problem(res, 422, "cannot_follow_self", Some("followingId")).await;
    let ghost = uuid::Uuid::new_v4().to_string();
    let res = app.post("/users/follow", Some(&a.access), json!({ "followerId": a.id, "followingId": ghost })).await;
    assert_problem(res, 404, "user_not_found", Some("followingId")).await;
    let res = app.post("/users/unfollow", Some(&a.access), json!({ "followerId": a.id, "followingId": ghost })).await;
    assert_problem(res, 404, "user_not_found", Some("followingId")).await;
    let res =
        app.post("/users/follow", Some(&a.access), json!({ "followerId": a.id, "followingId": "not-a-uuid" })).await;
    assert_problem(res, 400, "invalid_uuid", Some("followingId")).await;
    let res = app.post("/users/follow", Some(&a.access), json!({ "followerId": a.id })).await;
    assert_problem(res, 422, "invalid_field", Some("followingId")).await;
    assert_eq!(app.user(&a.id).await["followingCount"], 0);
}

#[tokio::test]
async fn profiles_show_email_only_to_their_owner() {
    let app = TestApp::spawn().await;
    let a = app.register("gina").await;
    let b = app.register("hank").await;
    let mine: Value = app.get(&format!("/users/{}", a.id), Some(&a.access)).await.json().await.unwrap();
    assert_eq!(mine["email"], a.email);
    let theirs: Value = app.get(&format!("/users/{}", a.id), Some(&b.access)).await.json().await.unwrap();
    assert!(theirs.get("email").is_none());
    for key in [
        "id",
        "username",
        "displayName",
        "bio",
        "avatarUrl",
        "followersCount",
        "followingCount",
        "createdAt",
        "updatedAt",
    ] {
        assert!(theirs.get(key).is_some(), "user lacks {key}: {theirs}");
    }
    assert_problem(app.get("/users/not-a-uuid", None).await, 400, "invalid_uuid", Some("userId")).await;
    let ghost = uuid::Uuid::new_v4();
    assert_problem(app.get(&format!("/users/{ghost}"), None).await, 404, "user_not_found", None).await;
    assert_problem(app.get(&format!("/users/{ghost}/followers"), None).await, 404, "user_not_found", None).await;
}

#[tokio::test]
async fn changing_email_or_password_needs_the_current_password() {
    let app = TestApp::spawn().await;
    let u = app.register("ivan").await;
    let path = format!("/users/{}", u.id);
    let new_email = format!("new_{}", u.email);
    let res = app.put(&path, Some(&u.access), json!({ "email": new_email })).await;
    assert_problem(res, 422, "current_password_required", Some("currentPassword")).await;
    let res = app.put(&path, Some(&u.access), json!({ "email": new_email, "currentPassword": "not it at all" })).await;
    assert_problem(res, 403, "wrong_password", Some("currentPassword")).await;
    let res = app.put(&path, Some(&u.access), json!({ "email": new_email, "currentPassword": u.password })).await;
    assert_eq!(res.status(), 200);
    let other = app.register("judy").await;
    let res = app.put(&path, Some(&u.access), json!({ "username": other.username.to_uppercase() })).await;
    assert_problem(res, 409, "username_taken", Some("username")).await;
    let res = app.put(&path, Some(&u.access), json!({ "avatarUrl": "javascript:alert(1)" })).await;
    assert_problem(res, 422, "invalid_field", Some("avatarUrl")).await;

    // A new password: the old one stops working and old sessions end.
    let res = app
        .put(&path, Some(&u.access), json!({ "password": "a brand new secret", "currentPassword": u.password }))
        .await;
    assert_eq!(res.status(), 200);
    let res = app.post("/users/login", None, json!({ "email": new_email, "password": u.password })).await;
    assert_eq!(res.status(), 401);
    let res = app.post("/users/login", None, json!({ "email": new_email, "password": "a brand new secret" })).await;
    assert_eq!(res.status(), 200);
    let res = app.post("/auth/refresh", None, json!({ "refreshToken": u.refresh })).await;
    assert_problem(res, 401, "invalid_refresh_token", Some("refreshToken")).await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let u = app.register("kim").await;
    let res = app.post("/auth/refresh", None, json!({ "refreshToken": u.refresh })).await;
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.unwrap();
    assert!(first.get("user").is_none());
    let next = first["refreshToken"].as_str().unwrap().to_string();
    assert_ne!(next, u.refresh);
    // The new access token works.
    let token = first["accessToken"].as_str().unwrap();
    let res = app.put(&format!("/users/{}", u.id), Some(token), json!({ "bio": "rotated" })).await;
    assert_eq!(res.status(), 200);

    // Replaying the spent token is theft: the whole family dies, including `next`.
    let res = app.post("/auth/refresh", None, json!({ "refreshToken": u.refresh })).await;
    assert_problem(res, 401, "refresh_token_reused", Some("refreshToken")).await;
    let res = app.post("/auth/refresh", None, json!({ "refreshToken": next })).await;
    assert_problem(res, 401, "invalid_refresh_token", Some("refreshToken")).await;

    // Logout ends a session; unknown tokens are not an error.
    let res = app.post("/users/login", None, json!({ "email": u.email, "password": u.password })).await;
    let session: Value = res.json().await.unwrap();
    let refresh = session["refreshToken"].as_str().unwrap();
    assert_eq!(app.post("/auth/logout", None, json!({ "refreshToken": refresh })).await.status(), 204);
    assert_eq!(app.post("/auth/logout", None, json!({ "refreshToken": "unknown" })).await.status(), 204);
    let res = app.post("/auth/refresh", None, json!({ "refreshToken": refresh })).await;
    assert_problem(res, 401, "invalid_refresh_token", None).await;
    assert_problem(app.post("/auth/refresh", None, json!({})).await, 422, "invalid_field", Some("refreshToken")).await;
}

#[tokio::test]
async fn follower_lists_page_by_cursor_without_gaps_or_duplicates() {
    let app = TestApp::spawn().await;
    let star = app.register("star").await;
    let mut fans = Vec::new();
    for i in 0..25 {
        let fan = app.register(&format!("fan{i}")).await;
        assert_eq!(app.follow(&fan, &star).await.status(), 204);
        fans.push(fan.id);
    }
    let res = app.get(&format!("/users/{}/followers", star.id), None).await;
    let link = res.headers().get("link").expect("Link header").to_str().unwrap().to_string();
    let first: Value = res.json().await.unwrap();
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    assert_eq!(items[0]["id"], fans[24], "newest first");
    let cursor = first["nextCursor"].as_str().unwrap();
    assert!(link.contains(cursor) && link.ends_with("rel=\"next\""), "{link}");

    // A new follower between pages does not shift page two.
    let late = app.register("late").await;
    app.follow(&late, &star).await;
    let second: Value =
        app.get(&format!("/users/{}/followers?cursor={cursor}", star.id), None).await.json().await.unwrap();
    let mut seen: Vec<String> = items
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert!(second["nextCursor"].is_null());
    assert_eq!(seen.len(), 25);
    seen.sort();
    let mut expected = fans.clone();
    expected.sort();
    assert_eq!(seen, expected);

    let small: Value = app.get(&format!("/users/{}/followers?limit=5", star.id), None).await.json().await.unwrap();
    assert_eq!(small["items"].as_array().unwrap().len(), 5);
    let capped: Value = app.get(&format!("/users/{}/followers?limit=1000", star.id), None).await.json().await.unwrap();
    assert_eq!(capped["items"].as_array().unwrap().len(), 26);
    assert_problem(
        app.get(&format!("/users/{}/followers?limit=0", star.id), None).await,
        400,
        "invalid_limit",
        Some("limit"),
    )
    .await;
    assert_problem(
        app.get(&format!("/users/{}/followers?limit=ten", star.id), None).await,
        400,
        "invalid_limit",
        Some("limit"),
    )
    .await;
    assert_problem(
        app.get(&format!("/users/{}/followers?cursor=bogus", star.id), None).await,
        400,
        "invalid_cursor",
        Some("cursor"),
    )
    .await;
}

#[tokio::test]
async fn blocking_checks_its_target() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let res = app.post("/users/block", Some(&alice.access), json!({ "userId": alice.id })).await;
    assert_problem(res, 422, "invalid_field", Some("userId")).await;
    let res = app.post("/users/block", Some(&alice.access), json!({ "userId": uuid::Uuid::new_v4() })).await;
    assert_problem(res, 404, "user_not_found", Some("userId")).await;
    let res = app.post("/users/block", Some(&alice.access), json!({ "userId": "x" })).await;
    assert_problem(res, 400, "invalid_uuid", Some("userId")).await;
    let res = app.post("/users/block", None, json!({ "userId": bob.id })).await;
    assert_eq!(res.status(), 401);
    for _ in 0..2 {
        let res = app.post("/users/block", Some(&alice.access), json!({ "userId": bob.id })).await;
        assert_eq!(res.status(), 204, "blocking twice is fine");
    }
    let res = app.post("/users/unblock", Some(&alice.access), json!({ "userId": bob.id })).await;
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn a_nul_character_in_text_is_a_422_not_a_500() {
    let app = TestApp::spawn().await;
    let res = app.post("/users/login", None, json!({ "email": "a\u{0}@x.io", "password": "whatever1" })).await;
    assert_problem(res, 422, "invalid_text", None).await;
    // Undeclared fields are ignored, whatever they hold.
    let u = app.register("nul").await;
    let res =
        app.post("/users/login", None, json!({ "email": u.email, "password": u.password, "x\u{0}": "\u{0}" })).await;
    assert_eq!(res.status(), 200);
}
