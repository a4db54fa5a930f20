use lambda_http::{request::RequestContext, Request, RequestExt};
use uuid::Uuid;

use crate::Problem;

/// The authenticated user making the request, as the JWT authorizer vouched for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: Uuid,
    pub username: String,
}

/// The caller from `requestContext.authorizer.jwt.claims` (put there by API Gateway's JWT
/// authorizer, or the local gateway's emulation of it), or `None` on a public route.
pub fn caller(req: &Request) -> Result<Option<Caller>, Problem> {
    let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref() else {
        return Ok(None);
    };
    let Some(claims) = ctx.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|j| &j.claims) else {
        return Ok(None);
    };
    let Some(sub) = claims.get("sub") else {
        return Ok(None);
    };
    let id = Uuid::parse_str(sub).map_err(|_| Problem::unauthorized("token subject is not a user"))?;
    Ok(Some(Caller { id, username: claims.get("username").cloned().unwrap_or_default() }))
}

/// The raw token of an `Authorization: Bearer …` header, if any.
pub fn bearer_token(req: &Request) -> Option<&str> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller on a route where a token is optional (`auth = "optional"`): from the
/// authorizer if one ran, else from a Bearer token checked with `verify` (which returns
/// the token's user). A token that is sent must be valid: a bad one is a 401, not a
/// silent anonymous request.
pub fn optional_caller(req: &Request, verify: impl FnOnce(&str) -> Option<Uuid>) -> Result<Option<Uuid>, Problem> {
    if let Some(c) = caller(req)? {
        return Ok(Some(c.id));
    }
    match bearer_token(req) {
        None => Ok(None),
        Some(token) => verify(token).map(Some).ok_or_else(|| Problem::unauthorized("the access token is not valid")),
    }
}

/// The caller on a route behind the authorizer (`auth = "jwt"`); 401 if there is none.
pub fn require_caller(req: &Request) -> Result<Caller, Problem> {
    caller(req)?.ok_or_else(|| Problem::unauthorized("a valid access token is required"))
}
