//! The JSON the user service speaks: request bodies and views, camelCase on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::repo::UserRow;

/// `username`: letters, digits and `_`, unique regardless of case. `email`: kept in lower
/// case. `password`: 8 to 128 characters, any.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterBody {
    #[schema(min_length = 3, max_length = 30, pattern = r"^[A-Za-z0-9_]{3,30}$")]
    pub username: String,
    #[schema(max_length = 254, pattern = r"^[!-?A-~]{1,64}@[!-\-/-?A-~]+(\.[!-\-/-?A-~]+)+$")]
    pub email: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginBody {
    /// Not blank, no NUL.
    #[schema(
        pattern = r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
    )]
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshBody {
    pub refresh_token: String,
}

/// Both ids are the caller's and the other user's; `followerId` must be the caller.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowBody {
    #[schema(value_type = cs_http::openapi::UuidString)]
    pub follower_id: String,
    #[schema(value_type = cs_http::openapi::UuidString)]
    pub following_id: String,
}

/// The other user of a block or unblock; the caller is the one blocking.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlockBody {
    #[schema(value_type = cs_http::openapi::UuidString)]
    pub user_id: String,
}

/// Fields left out are unchanged; `null` clears `displayName`, `bio` or `avatarUrl`.
/// Changing `email` or `password` needs `currentPassword`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserBody {
    #[schema(min_length = 3, max_length = 30, pattern = r"^[A-Za-z0-9_]{3,30}$")]
    pub username: Option<String>,
    #[schema(max_length = 254, pattern = r"^[!-?A-~]{1,64}@[!-\-/-?A-~]+(\.[!-\-/-?A-~]+)+$")]
    pub email: Option<String>,
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
    pub current_password: Option<String>,
    /// At most 50 characters, one line; empty or `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 50, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub display_name: Option<Option<String>>,
    /// At most 500 characters; newlines allowed; empty or `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 500, pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$")]
    pub bio: Option<Option<String>>,
    /// An http(s) URL; empty or `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 2048, pattern = r"^(https://[!-~]+|http://[!-~]{2,})?$")]
    pub avatar_url: Option<Option<String>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A user as others see it; `email` only when the caller is that user.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub followers_count: i64,
    pub following_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl UserView {
    pub fn public(u: UserRow) -> Self {
        UserView {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            bio: u.bio,
            avatar_url: u.avatar_url,
            followers_count: u.followers_count,
            following_count: u.following_count,
            created_at: u.created_at,
            updated_at: u.updated_at,
            email: None,
        }
    }

    /// The view for `viewer`: with the email when it is the user themself.
    pub fn for_viewer(u: UserRow, viewer: Option<Uuid>) -> Self {
        let email = (viewer == Some(u.id)).then(|| u.email.clone());
        UserView { email, ..Self::public(u) }
    }
}

/// What register and login answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthResponse {
    pub user: UserView,
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub token_type: &'static str,
}

/// What refresh answers: a new access token and the next refresh token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub token_type: &'static str,
}

/// A JSON Web Key Set.
#[derive(Debug, Serialize, ToSchema)]
pub struct Jwks {
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<serde_json::Value>,
}

/// The OpenID discovery document, as much of it as a JWT authorizer needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenIdConfiguration {
    pub issuer: String,
    pub jwks_uri: String,
    pub id_token_signing_alg_values_supported: Vec<&'static str>,
}
