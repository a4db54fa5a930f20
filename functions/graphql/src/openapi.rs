//! `POST /graphql` in the OpenAPI document. The operations themselves are in the GraphQL
//! schema (`frontend/schema.graphql`); the document gives the envelope.

use utoipa::OpenApi;

use crate::handler;

#[derive(OpenApi)]
#[openapi(
    paths(handler::graphql),
    components(schemas(handler::GraphqlRequest, handler::GraphqlResponse)),
    tags((name = "graphql", description = "The web app's API: one GraphQL schema over every service"))
)]
pub struct GraphqlApi;
