use cs_http::{HttpError, Problem};
use lambda_http::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("that {field} is taken")]
    Taken { field: &'static str },
    #[error("user not found")]
    NotFound { field: Option<&'static str> },
    #[error("you can only act for yourself")]
    NotYou { field: Option<&'static str> },
    #[error("you cannot follow yourself")]
    FollowSelf,
    #[error("{field} is required to change the email or password")]
    CurrentPasswordRequired { field: &'static str },
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("email or password is wrong")]
    BadCredentials,
    #[error("the refresh token is not valid")]
    BadRefreshToken,
    #[error("the refresh token was already used; every session of that login is now signed out")]
    RefreshTokenReused,
    #[error("the access token is not valid")]
    BadAccessToken,
    #[error("too many attempts; try again in {retry_after} seconds")]
    RateLimited { retry_after: u64, limit: u32 },
    #[error(transparent)]
    Problem(#[from] Problem),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

cs_http::service_error!(UserError);

impl From<UserError> for HttpError {
    fn from(err: UserError) -> Self {
        let detail = err.to_string();
        let with = |p: Problem, field: Option<&str>| match field {
            Some(f) => p.field(f),
            None => p,
        };
        let problem = match err {
            UserError::Problem(p) => p,
            UserError::Unexpected(e) => return HttpError::Unexpected(e),
            UserError::Invalid { field, .. } => Problem::invalid(field, detail),
            UserError::Taken { field } => {
                Problem::new(StatusCode::CONFLICT, &format!("{field}_taken"), detail).field(field)
            }
            UserError::NotFound { field } => with(Problem::not_found("user_not_found", detail), field),
            UserError::NotYou { field } => with(Problem::forbidden("not_you", detail), field),
            UserError::FollowSelf => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "cannot_follow_self", detail).field("followingId")
            }
            UserError::CurrentPasswordRequired { field } => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "current_password_required", detail).field(field)
            }
            UserError::WrongPassword => Problem::forbidden("wrong_password", detail).field("currentPassword"),
            UserError::BadCredentials => Problem::new(StatusCode::UNAUTHORIZED, "invalid_credentials", detail),
            UserError::BadRefreshToken => {
                Problem::new(StatusCode::UNAUTHORIZED, "invalid_refresh_token", detail).field("refreshToken")
            }
            UserError::RefreshTokenReused => {
                Problem::new(StatusCode::UNAUTHORIZED, "refresh_token_reused", detail).field("refreshToken")
            }
            UserError::BadAccessToken => Problem::unauthorized(detail),
            UserError::RateLimited { retry_after, limit } => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
                    .header("retry-after", retry_after.to_string())
                    .header("x-ratelimit-limit", limit.to_string())
                    .header("x-ratelimit-remaining", "0")
                    .header("x-ratelimit-reset", retry_after.to_string())
            }
        };
        HttpError::Problem(problem)
    }
}
