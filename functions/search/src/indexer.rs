//! Keeps the index in step with the other services' events: each event names a document,
//! which is re-read through the read model and written with its version (the source row's
//! `updated_at`), or removed when it is gone or not visible (a deleted post, a draft or
//! archived item). Re-reading makes a redelivered or reordered event harmless: the index
//! only ever moves to a newer version of what the source holds.

use chrono::{DateTime, Utc};
use cs_db::GenericClient;
use cs_events::{each_record, DomainEvent, Event, SqsBatchResponse, SqsEvent};
use cs_readmodel::{ItemDocument, PostDocument, UserSummary};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    index::{ItemDoc, Kind, PostDoc, UserDoc},
    App,
};

pub const CONSUMER: &str = "search-index";

pub async fn consume(app: &App, batch: SqsEvent) -> SqsBatchResponse {
    each_record(CONSUMER, batch, |event| apply(app, event)).await
}

async fn apply(app: &App, event: Event) -> anyhow::Result<()> {
    match event.domain() {
        Some(DomainEvent::UserCreated { user_id } | DomainEvent::UserUpdated { user_id }) => {
            index_user(app, user_id).await
        }
        Some(
            DomainEvent::PostCreated { post_id, .. }
            | DomainEvent::PostUpdated { post_id, .. }
            | DomainEvent::PostDeleted { post_id, .. },
        ) => index_post(app, post_id).await,
        Some(
            DomainEvent::ItemCreated { item_id, .. }
            | DomainEvent::ItemUpdated { item_id, .. }
            | DomainEvent::ItemArchived { item_id, .. },
        ) => index_item(app, item_id).await,
        _ => Ok(()),
    }
}

/// The version of a source row: its `updated_at` in microseconds.
pub fn version(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The version of a removal seen now (the database's clock, which wrote every `updated_at`):
/// later than any version read before the document went.
async fn removal_version(db: &impl GenericClient) -> anyhow::Result<i64> {
    let row = db.query_one("SELECT (date_part('epoch', clock_timestamp()) * 1e6)::bigint", &[]).await?;
    Ok(row.get(0))
}

pub fn user_doc(u: UserSummary) -> UserDoc {
    UserDoc { id: u.id, version: version(u.updated_at), username: u.username, display_name: u.display_name, bio: u.bio }
}

pub fn post_doc(p: PostDocument) -> PostDoc {
    PostDoc {
        id: p.id,
        version: version(p.updated_at),
        author_id: p.author_id,
        has_media: p.media_id.is_some() || p.media_url.is_some(),
        content: p.content,
        created_at: p.created_at,
    }
}

/// An item to index, or `None` when it is not for everyone to find (a draft, archived).
pub fn item_doc(i: ItemDocument) -> Option<ItemDoc> {
    (i.status == "active").then(|| ItemDoc {
        id: i.id,
        version: version(i.updated_at),
        seller_id: i.seller_id,
        title: i.title,
        description: i.description,
        price: i.price,
        currency: i.currency,
        created_at: i.created_at,
    })
}

pub async fn index_user(app: &App, id: Uuid) -> anyhow::Result<()> {
    let client = app.db.get().await?;
    match cs_readmodel::users_by_ids(&client, &[id]).await?.pop() {
        Some(u) => app.index.put_users(&[user_doc(u)]).await?,
        None => app.index.remove(Kind::User, &[(id, removal_version(&client).await?)]).await?,
    };
    Ok(())
}

pub async fn index_post(app: &App, id: Uuid) -> anyhow::Result<()> {
    let client = app.db.get().await?;
    match cs_readmodel::posts_by_ids(&client, &[id]).await?.pop() {
        Some(p) => app.index.put_posts(&[post_doc(p)]).await?,
        None => app.index.remove(Kind::Post, &[(id, removal_version(&client).await?)]).await?,
    };
    Ok(())
}

pub async fn index_item(app: &App, id: Uuid) -> anyhow::Result<()> {
    let client = app.db.get().await?;
    match cs_readmodel::items_by_ids(&client, &[id]).await?.pop() {
        Some(i) => {
            let v = version(i.updated_at);
            match item_doc(i) {
                Some(doc) => app.index.put_items(&[doc]).await?,
                None => app.index.remove(Kind::Item, &[(id, v)]).await?,
            }
        }
        None => app.index.remove(Kind::Item, &[(id, removal_version(&client).await?)]).await?,
    };
    Ok(())
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReindexReport {
    pub users: u64,
    pub posts: u64,
    pub items: u64,
    /// Documents indexed that their source no longer has (or no longer shows).
    pub removed: u64,
}

const PAGE: i64 = 2000;

/// Rebuilds the index from the read model: every user, post and active item is written
/// (a newer version already indexed is kept), then whatever the pass did not write is
/// removed.
pub async fn reindex(app: &App) -> anyhow::Result<ReindexReport> {
    let client = app.db.get().await?;
    let started: DateTime<Utc> = client.query_one("SELECT clock_timestamp()", &[]).await?.get(0);
    let mut report = ReindexReport::default();
    let mut after = Uuid::nil();
    loop {
        let page = cs_readmodel::users_after(&client, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        report.users += app.index.put_users(&page.into_iter().map(user_doc).collect::<Vec<_>>()).await?;
    }
    after = Uuid::nil();
    loop {
        let page = cs_readmodel::posts_after(&client, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        report.posts += app.index.put_posts(&page.into_iter().map(post_doc).collect::<Vec<_>>()).await?;
    }
    after = Uuid::nil();
    loop {
        let page = cs_readmodel::items_after(&client, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        report.items += app.index.put_items(&page.into_iter().filter_map(item_doc).collect::<Vec<_>>()).await?;
    }
    let now = removal_version(&client).await?;
    for kind in [Kind::User, Kind::Post, Kind::Item] {
        report.removed += app.index.remove_unwritten_since(kind, started, now).await?;
    }
    Ok(report)
}
