//! The pieces of the OpenAPI document every service shares, declared once: the sets of
//! problem+json responses an operation can answer (`responses(…, BadBody, NotFound)` in a
//! `#[utoipa::path]`), and the query parameters of a list (`params(PageQuery)`).
//!
//! Each set says what it covers in general; what is particular to an operation (which
//! field, whose permission) is in the problem's `code` and `detail` at run time.

use std::collections::BTreeMap;

use utoipa::{
    openapi::{
        header::HeaderBuilder,
        path::{Parameter, ParameterBuilder, ParameterIn},
        schema::{ObjectBuilder, Schema, SchemaFormat, Type},
        ContentBuilder, KnownFormat, Ref, RefOr, Required, Response, ResponseBuilder,
    },
    IntoParams, IntoResponses,
};

use crate::{DEFAULT_LIMIT, MAX_LIMIT};

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// What `?cursor=` accepts: `nextCursor` of a previous page, or empty for the first page.
/// Kept beside `Cursor::decode`, which accepts exactly these strings.
pub const CURSOR_PATTERN: &str = crate::page::CURSOR_PATTERN;

/// A UUID in its hyphenated form, either case: what `parse_uuid` reads from a string field
/// (it also reads the simple, braced and URN forms, which the document leaves out).
pub const UUID_PATTERN: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// The schema of an id sent as a string in a body (`#[schema(value_type = UuidString)]`):
/// `format: uuid` alone is an annotation that generators and validators may ignore.
pub struct UuidString;

impl utoipa::PartialSchema for UuidString {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            .pattern(Some(UUID_PATTERN))
            .into()
    }
}

impl utoipa::ToSchema for UuidString {}

/// One problem+json response referring to the `Problem` schema.
pub fn problem(description: &str) -> RefOr<Response> {
    problem_with_headers(description, &[])
}

/// A problem response with headers the server may send beside it.
fn problem_with_headers(description: &str, headers: &[(&str, Type, &str)]) -> RefOr<Response> {
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build());
    for (name, kind, about) in headers {
        let schema = ObjectBuilder::new().schema_type(kind.clone()).build();
        response = response.header(*name, HeaderBuilder::new().schema(schema).description(Some(*about)).build());
    }
    response.build().into()
}

macro_rules! problem_set {
    ($(#[$doc:meta])* $name:ident { $($status:literal => $description:expr),+ $(,)? }) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([$(($status.to_string(), problem($description))),+])
            }
        }
    };
}

const MALFORMED: &str = "Malformed request: a path or query parameter of the wrong form (an id that is not \
     a UUID, a bad `limit` or `cursor`), or a body that is not JSON";

/// 401: a route behind the JWT authorizer without a valid token, a route where the token
/// is optional and the one sent is not valid, or credentials that do not sign in.
pub struct Unauthorized;

impl IntoResponses for Unauthorized {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let description = "The credentials are not valid: no access token, or an expired or bad one (where a token \
            is optional: one was sent and it is not valid); for sign-in and refresh, a wrong password or a refresh \
            token that is unknown, expired or spent";
        let headers = [("WWW-Authenticate", Type::String, "`Bearer`, when an access token is what is missing")];
        BTreeMap::from([("401".to_string(), problem_with_headers(description, &headers))])
    }
}

problem_set!(
    /// 400: a path or query parameter of the wrong form.
    Malformed { 400 => MALFORMED }
);

problem_set!(
    /// What a JSON body can fail with: not JSON, too large, or a field missing or invalid.
    BadBody {
        400 => MALFORMED,
        413 => "The body is over 64 KiB",
        422 => "A field is missing, of the wrong type, or not valid (`field` names it)",
    }
);

problem_set!(
    /// 422 without a body: a value the schema allows but the server refuses.
    Unprocessable { 422 => "A value is not acceptable (`field` names it)" }
);

problem_set!(
    /// 403: the caller may not do this to that resource.
    Forbidden { 403 => "The caller may not do this (`code` says why)" }
);

problem_set!(
    /// 404: the resource named in the path (or by an id in the body) does not exist, or
    /// the caller may not know that it does.
    NotFound { 404 => "No such resource, or not one the caller may see" }
);

problem_set!(
    /// 409: the request conflicts with the resource's state.
    Conflict { 409 => "Conflicts with the current state (`code` says how)" }
);

/// 429: a rate limit, with the seconds to wait.
pub struct TooManyRequests;

impl IntoResponses for TooManyRequests {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let headers = [
            ("Retry-After", Type::Integer, "Seconds until the limit lets the next attempt through"),
            ("X-RateLimit-Limit", Type::Integer, "Attempts the window allows"),
            ("X-RateLimit-Remaining", Type::Integer, "Attempts left in the window (0)"),
            ("X-RateLimit-Reset", Type::Integer, "Seconds until the window resets"),
        ];
        BTreeMap::from([("429".to_string(), problem_with_headers("Too many attempts", &headers))])
    }
}

/// `?limit=&cursor=` of every list. `limit` values over the maximum are served as the
/// maximum (the page says how many it holds), so the schema's bound is the integer's.
pub struct PageQuery;

impl IntoParams for PageQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let limit = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(1))
            .maximum(Some(i64::MAX))
            .default(Some(DEFAULT_LIMIT.into()));
        let cursor = ObjectBuilder::new().schema_type(Type::String).pattern(Some(CURSOR_PATTERN));
        vec![
            ParameterBuilder::new()
                .name("limit")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(format!(
                    "Page size, default {DEFAULT_LIMIT}; at most {MAX_LIMIT} items are returned (a larger limit is served as {MAX_LIMIT})"
                )))
                .schema(Some(Schema::Object(limit.build())))
                .build(),
            ParameterBuilder::new()
                .name("cursor")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("`nextCursor` of the previous page (empty or absent: the first page)"))
                .schema(Some(Schema::Object(cursor.build())))
                .build(),
        ]
    }
}

/// Adds JSON Schema keywords that utoipa has no attribute for (`dependentRequired`, an
/// `anyOf` of the field sets a body needs…) to the component schema `name`, so the document
/// says what the parser enforces. Returns false when there is no such object schema (the
/// api-docs tests look for every keyword added).
pub fn add_keywords(doc: &mut utoipa::openapi::OpenApi, name: &str, keywords: serde_json::Value) -> bool {
    let schema = doc.components.as_mut().and_then(|c| c.schemas.get_mut(name));
    let (Some(RefOr::T(Schema::Object(object))), serde_json::Value::Object(keywords)) = (schema, keywords) else {
        return false;
    };
    let extensions = object.extensions.get_or_insert_with(Default::default);
    for (keyword, value) in keywords {
        extensions.insert(keyword, value);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_errors_are_problems() {
        let set = BadBody::responses();
        assert_eq!(set.keys().map(String::as_str).collect::<Vec<_>>(), ["400", "413", "422"]);
        let json = serde_json::to_value(&set["422"]).unwrap();
        assert_eq!(json["content"][PROBLEM_JSON]["schema"]["$ref"], "#/components/schemas/Problem");
    }
}
