use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadBody {
    /// image/jpeg, image/png, image/webp, image/gif, video/mp4 or video/webm
    #[schema(pattern = "^(image/(jpeg|png|webp|gif)|video/(mp4|webm))$")]
    pub content_type: String,
    /// Bytes; at most 10 MiB for images and 200 MiB for video (configurable).
    #[schema(minimum = 1)]
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

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MediaView {
    pub id: Uuid,
    /// pending | ready | rejected
    pub status: String,
    pub content_type: String,
    pub size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// A presigned GET (or CDN URL) once ready.
    pub url: Option<String>,
    pub thumbnail_url: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
}
