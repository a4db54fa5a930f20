//! Demo data for `make dev`: a few users who follow each other and have chatted (written
//! straight to their tables), then their posts, likes, comments and marketplace items (made
//! through the HTTP API). Their logins are in the README. Running it again changes nothing.

use anyhow::Context;
use serde_json::{json, Value};
use uuid::Uuid;

pub const DEMO_PASSWORD: &str = "connectsphere";
pub const DEMO_USERS: &[(&str, &str, &str)] = &[
    ("alice", "alice@example.com", "Alice Liddell"),
    ("bob", "bob@example.com", "Bob Builder"),
    ("carol", "carol@example.com", "Carol Danvers"),
];

pub async fn demo(database_url: &str) -> anyhow::Result<()> {
    let db = cs_db::connect(database_url, 2)?;
    let mut client = db.get().await?;
    let hash = cs_auth::hash_password(DEMO_PASSWORD.into()).await?;
    let mut ids = Vec::new();
    for (username, email, name) in DEMO_USERS {
        // As registration does: the user and its `user.created` event in one transaction (the
        // search index learns of people from it). The gateway's outbox sweep sends it (rows
        // older than 10 s, every minute), so the demo people are searchable within a minute.
        let tx = client.transaction().await?;
        let created = tx
            .query_opt(
                "INSERT INTO users (id, username, email, hashed_password, display_name) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING RETURNING id",
                &[&Uuid::now_v7(), username, email, &hash, name],
            )
            .await?;
        if let Some(row) = created {
            cs_events::emit(&tx, &cs_events::DomainEvent::UserCreated { user_id: row.get(0) }.into_event()).await?;
        }
        tx.commit().await?;
        let row = client.query_one("SELECT id FROM users WHERE lower(username) = $1", &[username]).await?;
        ids.push(row.get::<_, Uuid>(0));
    }
    for (i, follower) in ids.iter().enumerate() {
        for (j, following) in ids.iter().enumerate() {
            if i != j {
                user::repo::follow(&client, *follower, *following).await?;
            }
        }
    }
    let (alice, bob, carol) = (ids[0], ids[1], ids[2]);
    let direct = match chat::repo::direct(&client, alice, bob).await? {
        Some(id) => id,
        None => {
            let id = Uuid::now_v7();
            chat::repo::create(&client, id, alice, &[bob], "direct", None).await?;
            id
        }
    };
    let group: Option<Uuid> = client
        .query_opt(
            "SELECT id FROM conversations WHERE kind = 'group' AND name = 'Book club' AND created_by = $1",
            &[&carol],
        )
        .await?
        .map(|r| r.get(0));
    let group = match group {
        Some(id) => id,
        None => {
            let id = Uuid::now_v7();
            chat::repo::create(&client, id, carol, &[alice, bob], "group", Some("Book club")).await?;
            id
        }
    };
    let lines = [
        (direct, alice, "Are you coming on Saturday?"),
        (direct, bob, "Wouldn't miss it. Bringing the cake."),
        (group, carol, "Next book: The Left Hand of Darkness?"),
        (group, alice, "Yes! Already on my shelf."),
    ];
    for (i, (conversation, sender, body)) in lines.into_iter().enumerate() {
        let stored =
            chat::repo::insert_message(&client, Uuid::now_v7(), conversation, sender, body, &format!("demo-{i}"))
                .await?;
        if let Some(m) = stored {
            chat::repo::touch(&client, conversation, m.created_at).await?;
            chat::repo::read_up_to(&client, conversation, sender, &m).await?;
        }
    }
    println!(
        "demo users: {} (password: {DEMO_PASSWORD})",
        DEMO_USERS.iter().map(|u| u.1).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

/// Demo posts and marketplace items, made through the HTTP API of a gateway at `base` (as
/// their users would make them, so every event, index and read model sees them). Each user's
/// content is made once: a user who has posts (or items) already is left alone.
pub async fn demo_content(base: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let mut sessions = Vec::new();
    for (_, email, _) in DEMO_USERS {
        let res = http.post(format!("{base}/users/login")).json(&json!({ "email": email, "password": DEMO_PASSWORD }));
        let body: Value = res.send().await?.error_for_status()?.json().await?;
        let token = body["accessToken"].as_str().context("accessToken")?.to_string();
        let id = body["user"]["id"].as_str().context("user.id")?.to_string();
        sessions.push((id, token));
    }
    let api = Api { http: &http, base };
    for ((id, token), posts) in sessions.iter().zip(DEMO_POSTS) {
        let mine: Value = api.send(reqwest::Method::GET, &format!("/users/{id}/posts?limit=1"), token, None).await?;
        if mine["items"].as_array().is_some_and(|a| !a.is_empty()) {
            continue;
        }
        for content in *posts {
            api.send(reqwest::Method::POST, "/posts", token, Some(json!({ "content": content }))).await?;
        }
    }
    // Everyone likes and answers the first post of the next user.
    for (i, (_, token)) in sessions.iter().enumerate() {
        let (next, _) = &sessions[(i + 1) % sessions.len()];
        let theirs: Value = api.send(reqwest::Method::GET, &format!("/users/{next}/posts"), token, None).await?;
        if let Some(post) = theirs["items"].as_array().and_then(|a| a.last()) {
            let post = post["id"].as_str().context("post.id")?;
            api.send(reqwest::Method::POST, &format!("/posts/{post}/like"), token, None).await?;
            if post_comment_count(&api, post, token).await? == 0 {
                let comment = json!({ "content": "Love this, thanks for sharing!" });
                api.send(reqwest::Method::POST, &format!("/posts/{post}/comments"), token, Some(comment)).await?;
            }
        }
    }
    for ((id, token), items) in sessions.iter().zip(DEMO_ITEMS) {
        let listed: Value = api.send(reqwest::Method::GET, &format!("/items?seller={id}&limit=1"), token, None).await?;
        if listed["items"].as_array().is_some_and(|a| !a.is_empty()) {
            continue;
        }
        for (title, description, amount, copies) in *items {
            let file = demo_file(&api, token, title).await?;
            let mut item = json!({
                "title": title, "description": description,
                "price": { "amount": amount, "currency": "EUR" }, "fileMediaId": file,
            });
            if let Some(copies) = copies {
                item["copies"] = json!(copies);
            }
            api.send(reqwest::Method::POST, "/items", token, Some(item)).await?;
        }
    }
    println!("demo posts and items: made through {base}");
    Ok(())
}

const DEMO_POSTS: &[&[&str]] = &[
    &[
        "Finished my first 10k run this morning! #running",
        "Reykjavík in winter: the light lasts four hours and every one of them is gold.",
    ],
    &["New workbench is done. Oak top, steel legs, zero wobble. #woodworking"],
    &["Book club pick for December: The Left Hand of Darkness. Who's in? @alice @bob"],
];

/// (title, description, price in EUR, copies: None for unlimited)
type DemoItem = (&'static str, &'static str, &'static str, Option<i32>);
const DEMO_ITEMS: &[&[DemoItem]] = &[
    &[("Film presets, vol. 1", "Twelve warm film-look presets for Lightroom.", "12.50", None)],
    &[("Workbench plans (PDF)", "Cut list and drawings for an oak workbench.", "5.00", Some(100))],
    &[("Reading guide: Le Guin", "Discussion questions for six of her novels.", "3.99", None)],
];

struct Api<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
}

impl Api<'_> {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self.http.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await?;
        let status = res.status();
        let text = res.text().await?;
        anyhow::ensure!(status.is_success(), "{method} {path}: {status} {text}");
        Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? })
    }
}

async fn post_comment_count(api: &Api<'_>, post: &str, token: &str) -> anyhow::Result<u64> {
    let post: Value = api.send(reqwest::Method::GET, &format!("/posts/{post}"), token, None).await?;
    Ok(post["commentCount"].as_u64().unwrap_or(0))
}

/// A small PDF uploaded as an `item_file` and checked: its media id once it is ready.
async fn demo_file(api: &Api<'_>, token: &str, title: &str) -> anyhow::Result<String> {
    let pdf = format!("%PDF-1.7\n% {title}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    let ticket = json!({ "contentType": "application/pdf", "size": pdf.len(), "purpose": "item_file" });
    let ticket = api.send(reqwest::Method::POST, "/media/uploads", token, Some(ticket)).await?;
    let url = ticket["uploadUrl"].as_str().context("uploadUrl")?;
    api.http.put(url).header("content-type", "application/pdf").body(pdf).send().await?.error_for_status()?;
    let id = ticket["mediaId"].as_str().context("mediaId")?.to_string();
    for _ in 0..100 {
        let media = api.send(reqwest::Method::GET, &format!("/media/{id}"), token, None).await?;
        match media["status"].as_str() {
            Some("ready") => return Ok(id),
            Some("pending") => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            _ => anyhow::bail!("the demo file for {title} was not accepted: {media}"),
        }
    }
    anyhow::bail!("the demo file for {title} was not checked within 10 s")
}
