use cs_http::{HttpError, Problem};
use lambda_http::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    /// Missing, or the caller is not a member: the two look the same from outside.
    #[error("conversation not found")]
    ConversationNotFound,
    #[error("message not found")]
    MessageNotFound,
    #[error("only the sender can change a message")]
    NotSender,
    #[error("the message was deleted")]
    MessageDeleted,
    #[error("you cannot message this user")]
    Blocked,
    #[error(transparent)]
    Problem(#[from] Problem),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

cs_http::service_error!(ChatError);

impl From<ChatError> for HttpError {
    fn from(err: ChatError) -> Self {
        let detail = err.to_string();
        HttpError::Problem(match err {
            ChatError::Problem(p) => p,
            ChatError::Unexpected(e) => return HttpError::Unexpected(e),
            ChatError::Invalid { field, .. } => Problem::invalid(field, detail),
            ChatError::ConversationNotFound => Problem::not_found("conversation_not_found", detail),
            ChatError::MessageNotFound => Problem::not_found("message_not_found", detail),
            ChatError::NotSender => Problem::forbidden("not_sender", detail),
            ChatError::MessageDeleted => Problem::new(StatusCode::CONFLICT, "message_deleted", detail),
            ChatError::Blocked => Problem::forbidden("blocked", detail),
        })
    }
}
