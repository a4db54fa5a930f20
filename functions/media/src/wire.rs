use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadBody {
    /// image/jpeg, image/png, image/webp, image/gif, video/mp4 or video/webm
    #[schema(pattern = "^(image/(jpeg|png|webp|gif)|video/(mp4|webm))$")]
    pub content_type: String,
    /// Bytes; at most 10 MiB for images and 200 MiB for video (configurable); 500 MiB for
    /// an `item_file`.
    #[schema(minimum = 1)]
    #[serde(deserialize_with = "whole_number")]
    pub size: i64,
    /// `post` (the default), `avatar`, `item_file` (a file sold in the marketplace: also
    /// application/pdf, application/zip, application/epub+zip, audio/mpeg, audio/flac;
    /// private to its uploader) or `item_preview`.
    pub purpose: Option<String>,
}

/// A JSON number with no fraction, as JSON Schema's `integer` counts them: `5.0` is 5.
fn whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    let whole = |f: f64| (f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64);
    n.as_i64()
        .or_else(|| n.as_f64().and_then(whole))
        .ok_or_else(|| serde::de::Error::custom(format!("invalid value: {n}, expected a whole number")))
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
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_any_whole_number() {
        let body: UploadBody = serde_json::from_str(r#"{"contentType":"image/png","size":1024.0}"#).unwrap();
        assert_eq!(body.size, 1024);
        assert!(serde_json::from_str::<UploadBody>(r#"{"contentType":"image/png","size":1.5}"#).is_err());
        assert!(serde_json::from_str::<UploadBody>(r#"{"contentType":"image/png","size":"1"}"#).is_err());
    }
}
