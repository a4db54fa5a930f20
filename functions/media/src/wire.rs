use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadBody {
    /// image/jpeg, image/png, image/webp, image/gif, video/mp4 or video/webm
    pub content_type: String,
    /// Bytes; at most 10 MiB for images and 200 MiB for video (configurable).
    pub size: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadTicket {
    pub media_id: Uuid,
    /// PUT the file here with the declared `Content-Type` and `Content-Length`.
    pub upload_url: String,
    pub expires_at: DateTime<Utc>,
}

pub use cs_readmodel::MediaView;
