//! The JSON the feed service speaks.

use chrono::{DateTime, Utc};
use cs_readmodel::{MediaView, UserSummary};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::repo::{CommentRow, PostRow};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewPostBody {
    /// Not blank; no control characters but newlines and tabs.
    #[schema(
        max_length = 5000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub content: String,
    /// An upload of the caller's that is ready (`GET /media/{id}`).
    #[schema(value_type = Option<cs_http::openapi::UuidString>)]
    pub media_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditPostBody {
    /// Not blank; no control characters but newlines and tabs.
    #[schema(
        max_length = 5000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub content: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCommentBody {
    /// Not blank; no control characters but newlines and tabs.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub content: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostView {
    pub id: Uuid,
    pub author: UserSummary,
    pub content: String,
    pub media_url: Option<String>,
    pub like_count: i32,
    pub comment_count: i32,
    pub liked_by_me: bool,
    /// The attached upload, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PostView {
    /// The view of a post, with its upload's view if it has one.
    pub fn new(p: PostRow, media: Option<MediaView>) -> Self {
        PostView {
            id: p.id,
            author: p.author,
            content: p.content,
            media_url: media.as_ref().and_then(|m| m.url.clone()).or(p.media_url),
            media,
            like_count: p.like_count,
            comment_count: p.comment_count,
            liked_by_me: p.liked_by_me,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    pub id: Uuid,
    pub post_id: Uuid,
    pub author: UserSummary,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

impl From<CommentRow> for CommentView {
    fn from(c: CommentRow) -> Self {
        CommentView { id: c.id, post_id: c.post_id, author: c.author, content: c.content, created_at: c.created_at }
    }
}

/// The post's like state after a like or unlike.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LikeState {
    pub liked_by_me: bool,
    pub like_count: i32,
}
