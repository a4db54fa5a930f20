use cs_http::{HttpError, Problem};
use lambda_http::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("post not found")]
    PostNotFound,
    #[error("comment not found")]
    CommentNotFound,
    #[error("only the author can do that")]
    NotAuthor,
    #[error(transparent)]
    Problem(#[from] Problem),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

cs_http::service_error!(FeedError);

impl From<FeedError> for HttpError {
    fn from(err: FeedError) -> Self {
        let detail = err.to_string();
        HttpError::Problem(match err {
            FeedError::Problem(p) => p,
            FeedError::Unexpected(e) => return HttpError::Unexpected(e),
            FeedError::Invalid { field, .. } => Problem::invalid(field, detail),
            FeedError::PostNotFound => Problem::not_found("post_not_found", detail),
            FeedError::CommentNotFound => Problem::not_found("comment_not_found", detail),
            FeedError::NotAuthor => Problem::new(StatusCode::FORBIDDEN, "not_author", detail),
        })
    }
}
