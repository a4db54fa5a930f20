//! Who is asking: the valid Bearer token of the `POST /graphql` request, checked by the handler
//! (the route's auth is `optional`, so no authorizer ran), and where the request came from.

use async_graphql::{Context, Error};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::invoke::unauthorized;

#[derive(Debug, Clone, Default)]
pub struct Viewer {
    /// The signed-in user: id and username.
    pub user: Option<(Uuid, String)>,
    pub source_ip: String,
    pub request_id: String,
}

impl Viewer {
    /// The claims the JWT authorizer would hand a function.
    pub fn claims(&self) -> Option<Value> {
        self.user.as_ref().map(|(id, username)| json!({ "sub": id.to_string(), "username": username }))
    }

    /// The caller, for what needs one.
    pub fn require(&self) -> Result<Uuid, Error> {
        self.user.as_ref().map(|(id, _)| *id).ok_or_else(unauthorized)
    }
}

pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_unchecked::<Viewer>()
}
