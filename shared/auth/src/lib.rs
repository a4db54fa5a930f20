//! Credentials: argon2id password hashes, RS256 access tokens with a published JWKS,
//! and opaque refresh tokens stored only as hashes.

mod keys;
mod password;
mod refresh;
mod tokens;

pub use keys::SigningKey;
pub use password::{hash_password, verify_password, verify_password_or_dummy};
pub use refresh::{hash_refresh_token, new_refresh_token};
pub use tokens::{AccessClaims, PurposeClaims, TokenError, Tokens};
