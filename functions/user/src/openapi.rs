use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use crate::handlers;

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::register,
        handlers::login,
        handlers::get_user,
        handlers::update_user,
        handlers::follow,
        handlers::unfollow,
        handlers::block,
        handlers::unblock,
        handlers::followers,
        handlers::following,
        handlers::refresh,
        handlers::logout,
        handlers::jwks,
        handlers::openid_configuration,
    ),
    modifiers(&BearerAuth, &ExactBodies),
    tags(
        (name = "users", description = "Accounts and profiles"),
        (name = "auth", description = "Sessions and tokens"),
        (name = "follows", description = "The follow graph"),
    )
)]
pub struct UserApi;

struct BearerAuth;

/// What the attributes cannot say: a new `email` or `password` (a string; `null` changes
/// nothing) needs `currentPassword` as a string. (The server asks for it only when the email
/// really changes; the document asks always, which no valid request contradicts.)
struct ExactBodies;

fn needs_current_password(field: &str) -> serde_json::Value {
    serde_json::json!({ "anyOf": [
        { "properties": { field: { "type": "null" } } },
        { "required": ["currentPassword"], "properties": { "currentPassword": { "type": "string" } } },
    ] })
}

impl Modify for ExactBodies {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        cs_http::openapi::add_keywords(
            doc,
            "UpdateUserBody",
            serde_json::json!({ "allOf": [needs_current_password("email"), needs_current_password("password")] }),
        );
    }
}

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}
