use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadBody {
    /// image/jpeg, image/png, image/webp, image/gif, video/mp4 or video/webm
    pub content_type: String,
    /// Bytes; at most 10 MiB for images and 200 MiB for video (configurable); 500 MiB for
    /// an `item_file`.
    pub size: i64,
    /// `post` (the default), `avatar`, `item_file` (a file sold in the marketplace: also
    /// application/pdf, application/zip, application/epub+zip, audio/mpeg, audio/flac;
    /// private to its uploader) or `item_preview`.
    pub purpose: Option<String>,
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
