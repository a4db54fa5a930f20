use lambda_http::{http::StatusCode, Body, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem: what went wrong, in a form the client can act on.
/// `code` is stable (the UI switches on it); `field` names the offending input.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub code: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Extra headers (Retry-After, Allow, ...); not part of the body.
    #[serde(skip)]
    #[schema(ignore)]
    pub headers: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: format!("https://connectsphere.dev/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            code: code.to_string(),
            detail: detail.into(),
            field: None,
            request_id: None,
            headers: Vec::new(),
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn bad_request(code: &str, field: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail).field(field)
    }

    pub fn invalid(field: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail).field(field)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail).header("www-authenticate", "Bearer")
    }

    pub fn forbidden(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    pub fn not_found(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; quote the request id if you report it",
        )
    }

    pub fn into_response(mut self, request_id: Option<&str>) -> Response<Body> {
        self.request_id = request_id.map(str::to_string);
        let body = serde_json::to_string(&self).unwrap_or_default();
        let mut builder = Response::builder().status(self.status).header("content-type", "application/problem+json");
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_str());
        }
        builder.body(Body::Text(body)).unwrap_or_else(|_| {
            let mut r = Response::new(Body::Empty);
            *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.detail)
    }
}

impl std::error::Error for Problem {}

/// What a handler fails with: a problem for the client, or something unexpected that is
/// logged in full and answered as a bare 500.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(transparent)]
    Problem(Problem),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<Problem> for HttpError {
    fn from(p: Problem) -> Self {
        HttpError::Problem(p)
    }
}

/// What every service error enum has besides its own variants: `Problem(Problem)` and
/// `Unexpected(anyhow::Error)`. This gives it the conversions handlers rely on to use `?`
/// everywhere: from [`HttpError`] (the HTTP glue's results), and from Postgres and pool
/// errors (unexpected: logged in full, answered as a bare 500).
#[macro_export]
macro_rules! service_error {
    ($error:ident) => {
        impl From<$crate::HttpError> for $error {
            fn from(e: $crate::HttpError) -> Self {
                match e {
                    $crate::HttpError::Problem(p) => $error::Problem(p),
                    $crate::HttpError::Unexpected(e) => $error::Unexpected(e),
                }
            }
        }

        impl From<::tokio_postgres::Error> for $error {
            fn from(e: ::tokio_postgres::Error) -> Self {
                $error::Unexpected(e.into())
            }
        }

        impl From<::deadpool_postgres::PoolError> for $error {
            fn from(e: ::deadpool_postgres::PoolError) -> Self {
                $error::Unexpected(e.into())
            }
        }
    };
}
