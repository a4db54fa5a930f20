use cs_http::{HttpError, Problem};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Problem(#[from] Problem),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

cs_http::service_error!(SearchError);

impl From<SearchError> for HttpError {
    fn from(err: SearchError) -> Self {
        match err {
            SearchError::Problem(p) => HttpError::Problem(p),
            SearchError::Unexpected(e) => HttpError::Unexpected(e),
        }
    }
}
