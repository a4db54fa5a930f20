//! Demo data for `make dev`: a few users who follow each other. Their logins are in the README.

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
    println!(
        "demo users: {} (password: {DEMO_PASSWORD})",
        DEMO_USERS.iter().map(|u| u.1).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}
