use utoipa::OpenApi;

use crate::handlers;

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::create_conversation,
        handlers::list_conversations,
        handlers::get_conversation,
        handlers::messages,
        handlers::send_message,
        handlers::edit_message,
        handlers::delete_message,
        handlers::read,
    ),
    tags((name = "chat", description = "Conversations and messages; real-time delivery is the WebSocket API (docs/api-specs.md)"))
)]
pub struct ChatApi;
