//! HTTP glue shared by every function: typed input from API Gateway payload-2.0 requests,
//! RFC 9457 problem responses, the caller from the JWT authorizer, keyset pagination, and
//! the adapter that runs a handler on Lambda or in the local gateway.

mod caller;
mod input;
pub mod openapi;
mod page;
mod problem;
mod reply;
mod run;

pub use caller::{bearer_token, caller, optional_caller, require_caller, Caller};
pub use input::{json_body, parse_uuid, parse_uuids, path_uuid, query_param, MAX_BODY_BYTES};
pub use lambda_http::{Body, Request, RequestExt, Response};
pub use page::{Cursor, Page, PageParams, DEFAULT_LIMIT, MAX_LIMIT};
pub use problem::{HttpError, Problem};
pub use reply::{json, json_with_headers, no_content};
pub use run::{init_tracing, request_id, respond, run, BoxResponse, Handler};
