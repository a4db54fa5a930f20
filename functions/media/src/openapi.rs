use utoipa::OpenApi;

use crate::handlers;

#[derive(OpenApi)]
#[openapi(
    paths(handlers::create_upload, handlers::get_media),
    tags((name = "media", description = "Uploads to object storage through presigned URLs"))
)]
pub struct MediaApi;
