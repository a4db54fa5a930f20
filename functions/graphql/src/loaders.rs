//! Batched loading: every post a response names is read in one query per kind of thing,
//! whatever the page size (posts with their authors, counts and the viewer's like state;
//! then their uploads).

use std::{collections::HashMap, sync::Arc};

use async_graphql::{dataloader::Loader, Error};
use uuid::Uuid;

use crate::invoke::service_error;

/// Posts by id as the viewer sees them (`likedByMe` is the viewer's): a loader per request.
pub struct PostLoader {
    pub feed: Arc<feed::App>,
    pub viewer: Option<Uuid>,
}

impl Loader<Uuid> for PostLoader {
    type Value = Arc<feed::repo::PostRow>;
    type Error = Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Error> {
        let client = self.feed.db.get().await.map_err(|e| service_error(feed::FeedError::from(e)))?;
        let rows = feed::repo::posts(&client, self.viewer, ids).await.map_err(service_error)?;
        Ok(rows.into_iter().map(|p| (p.id, Arc::new(p))).collect())
    }
}

/// Uploads by id (the media read model), with their URLs.
pub struct MediaLoader {
    pub feed: Arc<feed::App>,
}

impl Loader<Uuid> for MediaLoader {
    type Value = cs_readmodel::MediaView;
    type Error = Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Error> {
        let client = self.feed.db.get().await.map_err(|e| service_error(feed::FeedError::from(e)))?;
        let files =
            cs_readmodel::media_by_ids(&client, ids).await.map_err(|e| service_error(feed::FeedError::from(e)))?;
        drop(client);
        let mut found = HashMap::new();
        for file in files {
            let view = cs_readmodel::media_view(&self.feed.store, file)
                .await
                .map_err(|e| service_error(feed::FeedError::Unexpected(e)))?;
            found.insert(view.id, view);
        }
        Ok(found)
    }
}

/// Whether the viewer follows each user: a loader per request (none for anonymous viewers).
pub struct FollowLoader {
    pub user: Arc<user::App>,
    pub viewer: Uuid,
}

impl Loader<Uuid> for FollowLoader {
    type Value = bool;
    type Error = Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, bool>, Error> {
        let client = self.user.db.get().await.map_err(|e| service_error(user::UserError::from(e)))?;
        let followed = user::repo::followed_among(&client, self.viewer, ids).await.map_err(service_error)?;
        Ok(ids.iter().map(|id| (*id, followed.contains(id))).collect())
    }
}
