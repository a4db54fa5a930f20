//! Demo data for `make dev`: a few users who follow each other and have chatted. Their
//! logins are in the README. Running it again changes nothing.

use uuid::Uuid;

pub const DEMO_PASSWORD: &str = "connectsphere";
pub const DEMO_USERS: &[(&str, &str, &str)] = &[
    ("alice", "alice@example.com", "Alice Liddell"),
    ("bob", "bob@example.com", "Bob Builder"),
    ("carol", "carol@example.com", "Carol Danvers"),
];

pub async fn demo(database_url: &str) -> anyhow::Result<()> {
    let db = cs_db::connect(database_url, 2)?;
    let client = db.get().await?;
    let hash = cs_auth::hash_password(DEMO_PASSWORD.into()).await?;
    let mut ids = Vec::new();
    for (username, email, name) in DEMO_USERS {
        client
            .execute(
                "INSERT INTO users (id, username, email, hashed_password, display_name) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING",
                &[&Uuid::now_v7(), username, email, &hash, name],
            )
            .await?;
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
