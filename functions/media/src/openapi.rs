use utoipa::{Modify, OpenApi};

use crate::{
    domain::{Limits, ALLOWED},
    handlers,
};

#[derive(OpenApi)]
#[openapi(
    paths(handlers::create_upload, handlers::get_media),
    modifiers(&UploadLimits),
    tags((name = "media", description = "Uploads to object storage through presigned URLs"))
)]
pub struct MediaApi;

/// The content types an upload may declare and the size each allows (the defaults;
/// `MEDIA_MAX_IMAGE_BYTES` and `MEDIA_MAX_VIDEO_BYTES` change them).
struct UploadLimits;

impl Modify for UploadLimits {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let limits = Limits::default();
        let types = |image: bool| ALLOWED.iter().filter(|(_, i)| *i == image).map(|(t, _)| *t).collect::<Vec<_>>();
        let kind = |image: bool, max: i64| serde_json::json!({ "properties": { "contentType": { "enum": types(image) }, "size": { "maximum": max } } });
        cs_http::openapi::add_keywords(
            doc,
            "UploadBody",
            serde_json::json!({ "anyOf": [kind(true, limits.image), kind(false, limits.video)] }),
        );
    }
}
