use utoipa::{
    openapi::{ContentBuilder, Ref, Required},
    Modify, OpenApi,
};

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
    modifiers(&OptionalReadBody),
    tags((name = "chat", description = "Conversations and messages; real-time delivery is the WebSocket API (docs/api-specs.md)"))
)]
pub struct ChatApi;

/// `POST …/read` takes no body or a `ReadBody`; `null` is not one (utoipa writes an
/// optional body as nullable).
struct OptionalReadBody;

impl Modify for OptionalReadBody {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let Some(item) = doc.paths.paths.get_mut("/conversations/{conversationId}/read") else { return };
        let Some(op) = item.post.as_mut() else { return };
        if let Some(body) = op.request_body.as_mut() {
            body.required = Some(Required::False);
            body.description = Some("Optional: without a body, everything up to the latest message is read".into());
            body.content.insert(
                "application/json".into(),
                ContentBuilder::new().schema(Some(Ref::from_schema_name("ReadBody"))).build(),
            );
        }
    }
}
