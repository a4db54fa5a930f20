//! The timeline queue's consumer: fan-out on write, and the timeline side of follows.

use cs_events::{each_record, first_delivery, DomainEvent, Event, SqsBatchResponse, SqsEvent};

use crate::{repo, App};

pub const CONSUMER: &str = "timeline";

/// How many recent posts of a newly followed author join the follower's timeline.
pub const BACKFILL: i64 = 50;

pub async fn consume(app: &App, batch: SqsEvent) -> SqsBatchResponse {
    each_record(CONSUMER, batch, |event| apply(app, event)).await
}

/// One event, once: the timeline change commits with its processed-event key.
pub async fn apply(app: &App, event: Event) -> anyhow::Result<()> {
    let Some(domain) = event.domain() else { return Ok(()) };
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    if !first_delivery(&tx, CONSUMER, event.id).await? {
        return Ok(());
    }
    match domain {
        // A deleted post is already gone (and its timeline rows with it): nothing to do.
        DomainEvent::PostCreated { post_id, .. } => {
            repo::fan_out(&tx, post_id, app.celebrity_followers).await?;
        }
        DomainEvent::Followed { follower_id, following_id } => {
            repo::backfill(&tx, follower_id, following_id, BACKFILL, app.celebrity_followers).await?;
        }
        DomainEvent::Unfollowed { follower_id, following_id } => {
            repo::remove_author(&tx, follower_id, following_id).await?;
        }
        _ => {}
    }
    tx.commit().await?;
    Ok(())
}
