use utoipa::OpenApi;

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
    tags((name = "notifications", description = "In-app notifications, preferences and email unsubscribe"))
)]
pub struct NotifyApi;
