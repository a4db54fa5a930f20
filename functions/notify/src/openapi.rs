use utoipa::{Modify, OpenApi};

use crate::handlers;

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::list,
        handlers::unread_count,
        handlers::mark_read,
        handlers::get_preferences,
        handlers::put_preferences,
        handlers::unsubscribe,
        handlers::unsubscribe_page,
    ),
    modifiers(&ExactBodies),
    tags((name = "notifications", description = "In-app notifications, preferences and email unsubscribe"))
)]
pub struct NotifyApi;

/// What the attributes cannot say: marking read needs `all: true` (and then `ids` is not
/// read), or `ids` as an array of UUIDs.
struct ExactBodies;

impl Modify for ExactBodies {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        cs_http::openapi::add_keywords(
            doc,
            "MarkReadBody",
            serde_json::json!({ "anyOf": [
                { "required": ["all"], "properties": { "all": { "const": true } } },
                { "required": ["ids"], "properties": { "ids": {
                    "type": "array",
                    "items": { "type": "string", "format": "uuid", "pattern": cs_http::openapi::UUID_PATTERN },
                } } },
            ] }),
        );
    }
}
