#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The user repository against real Postgres, a fresh database per test.

use cs_db::Pool;
use cs_http::PageParams;
use user::repo::{self, Direction, NewUser};
use uuid::Uuid;

async fn db() -> Pool {
    let url = cs_db::testing::fresh_database(&[cs_db::MIGRATIONS, user::MIGRATIONS].concat()).await.unwrap();
    cs_db::connect(&url, 8).unwrap()
}

async fn user(db: &Pool, name: &str) -> Uuid {
    let client = db.get().await.unwrap();
    let id = Uuid::now_v7();
    let name = format!("{name}_{}", &id.simple().to_string()[24..]);
    let email = format!("{name}@example.com");
    repo::insert_user(&client, &NewUser { id, username: &name, email: &email, hashed_password: "x" }).await.unwrap();
    id
}

#[tokio::test]
async fn concurrent_follows_keep_counters_exact() {
    let db = db().await;
    let star = user(&db, "star").await;
    let mut fans = Vec::new();
    for i in 0..20 {
        fans.push(user(&db, &format!("fan{i}")).await);
    }
    // Every fan follows three times at once, and the star follows every fan back.
    let mut tasks = Vec::new();
    for fan in &fans {
        for _ in 0..3 {
            let (db, fan) = (db.clone(), *fan);
            tasks.push(tokio::spawn(async move { repo::follow(&db.get().await.unwrap(), fan, star).await }));
        }
        let (db, fan) = (db.clone(), *fan);
        tasks.push(tokio::spawn(async move { repo::follow(&db.get().await.unwrap(), star, fan).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let client = db.get().await.unwrap();
    let s = repo::user_by_id(&client, star).await.unwrap().unwrap();
    assert_eq!((s.followers_count, s.following_count), (20, 20));
    let edges: i64 = client.query_one("SELECT count(*) FROM followers", &[]).await.unwrap().get(0);
    assert_eq!(edges, 40);

    for fan in &fans[..5] {
        repo::unfollow(&client, *fan, star).await.unwrap();
        repo::unfollow(&client, *fan, star).await.unwrap();
    }
    let s = repo::user_by_id(&client, star).await.unwrap().unwrap();
    assert_eq!(s.followers_count, 15);
}

#[tokio::test]
async fn follow_pages_walk_newest_first_and_stop() {
    let db = db().await;
    let me = user(&db, "me").await;
    let client = db.get().await.unwrap();
    let mut followed = Vec::new();
    for i in 0..7 {
        let other = user(&db, &format!("o{i}")).await;
        repo::follow(&client, me, other).await.unwrap();
        followed.push(other);
    }
    let mut params = PageParams { limit: 3, cursor: None };
    let mut walked = Vec::new();
    loop {
        let rows = repo::follow_page(&client, me, Direction::Following, &params).await.unwrap();
        let page = cs_http::Page::from_rows(rows, &params, repo::edge_cursor);
        walked.extend(page.items.iter().map(|(u, _)| u.id));
        match page.next_cursor {
            Some(c) => params.cursor = Some(cs_http::Cursor::decode(&c).unwrap()),
            None => break,
        }
    }
    followed.reverse();
    assert_eq!(walked, followed);
    let none =
        repo::follow_page(&client, me, Direction::Followers, &PageParams { limit: 3, cursor: None }).await.unwrap();
    assert!(none.is_empty());
}
