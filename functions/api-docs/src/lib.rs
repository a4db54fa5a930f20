//! The OpenAPI 3.1 document of the whole HTTP API, generated from the services' Rust types.

use cs_http::{handler, Body, HttpError, Request, Response};
use cs_platform::{Function::Http, Functions, Platform, Service};
use lambda_http::http::StatusCode;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ConnectSphere API",
        description = "The HTTP API of ConnectSphere. Errors are RFC 9457 problem+json with a stable `code` and the offending `field`."
    ),
    paths(openapi_json),
    // The response sets of cs_http::openapi refer to it by name.
    components(schemas(cs_http::Problem))
)]
struct PlatformApi;

/// Every service's paths merged into one document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = PlatformApi::openapi();
    doc.merge(user::openapi::UserApi::openapi());
    doc.merge(notify::openapi::NotifyApi::openapi());
    doc.merge(feed::openapi::FeedApi::openapi());
    doc.merge(media::openapi::MediaApi::openapi());
    doc.merge(chat::openapi::ChatApi::openapi());
    doc.merge(market::openapi::MarketApi::openapi());
    doc.merge(search::openapi::SearchApi::openapi());
    doc.merge(graphql::openapi::GraphqlApi::openapi());
    doc
}

/// The document as served. utoipa 5 writes a link's fields in snake case
/// (`operation_id`); OpenAPI spells them `operationId`, `operationRef`, `requestBody`.
pub fn document_json() -> anyhow::Result<serde_json::Value> {
    let mut doc = serde_json::to_value(document())?;
    let operations = doc["paths"].as_object_mut().into_iter().flat_map(|paths| paths.values_mut());
    let responses = operations
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(|r| r.as_object_mut()))
        .flat_map(|responses| responses.values_mut());
    for link in responses
        .filter_map(|response| response.get_mut("links").and_then(|l| l.as_object_mut()))
        .flat_map(|links| links.values_mut())
        .filter_map(|link| link.as_object_mut())
    {
        for (from, to) in
            [("operation_id", "operationId"), ("operation_ref", "operationRef"), ("request_body", "requestBody")]
        {
            if let Some(value) = link.remove(from) {
                link.insert(to.to_string(), value);
            }
        }
    }
    Ok(doc)
}

/// The document, rendered at the first request of an execution environment and kept: a cold
/// start does not pay for it (10 ms) before Lambda hands it a request.
pub struct App {
    json: std::sync::OnceLock<String>,
}

impl Service for App {
    const CRATE: &'static str = "api-docs";
    type Config = ();

    fn config_from_env() -> anyhow::Result<()> {
        Ok(())
    }

    fn new(_: &Platform, _: ()) -> anyhow::Result<Self> {
        Ok(App { json: std::sync::OnceLock::new() })
    }

    fn functions() -> Functions<App> {
        vec![("openapi", Http(handler!(App, openapi_json)))]
    }
}

#[utoipa::path(get, path = "/openapi.json", tag = "platform",
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn openapi_json(app: &App, _req: Request) -> Result<Response<Body>, HttpError> {
    let json = cs_platform::get_or_try_init(&app.json, rendered)?;
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .header("cache-control", "public, max-age=300")
        .body(Body::from(json.clone()))
        .map_err(|e| anyhow::Error::from(e).into())
}

fn rendered() -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&document_json()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cs_manifest::{Manifest, Trigger};
    use serde_json::Value;

    #[test]
    fn every_http_route_in_the_manifest_is_documented() {
        let doc = serde_json::to_value(document()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let manifest = Manifest::load().unwrap();
        let mut missing = Vec::new();
        for f in &manifest.functions {
            if let Trigger::Http(route) = &f.trigger {
                let (method, path) = f.http_route().unwrap();
                let op = &doc["paths"][path][method.to_lowercase()];
                if op.is_null() {
                    missing.push(route.clone());
                    continue;
                }
                assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{route} has no responses");
            }
        }
        assert!(missing.is_empty(), "routes missing from /openapi.json: {missing:?}");
    }

    /// The statuses an operation answers whatever its handler does: the authorizer's 401
    /// (and a bad optional token's), 400 for a malformed path or query parameter, and
    /// 400/413/422 for a JSON body. A route that lacks one of them is not documented exactly.
    #[test]
    fn every_route_documents_the_common_problems() {
        let doc = serde_json::to_value(document()).unwrap();
        let manifest = Manifest::load().unwrap();
        let mut missing = Vec::new();
        for f in &manifest.functions {
            let Some((method, path)) = f.http_route() else { continue };
            let op = &doc["paths"][path][method.to_lowercase()];
            let responses = op["responses"].as_object().cloned().unwrap_or_default();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let mut needed: Vec<&str> = Vec::new();
            if f.auth != cs_manifest::Auth::None {
                needed.push("401");
            }
            if !params.is_empty() {
                needed.push("400");
            }
            if !op["requestBody"].is_null() {
                needed.extend(["400", "413", "422"]);
            }
            for status in needed {
                if !responses.contains_key(status) {
                    missing.push(format!("{method} {path}: {status}"));
                }
            }
            for (status, response) in &responses {
                if status.starts_with('4') {
                    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} {status}");
                }
            }
        }
        assert!(missing.is_empty(), "documented responses lack: {missing:#?}");
    }

    /// The keywords added by hand (cs_http::openapi::add_keywords) landed in the document.
    #[test]
    fn bodies_state_what_their_parsers_enforce() {
        let doc = serde_json::to_value(document()).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["UpdateUserBody"]["allOf"].as_array().map(Vec::len), Some(2));
        assert!(schemas["MarkReadBody"]["anyOf"].is_array());
        assert_eq!(schemas["UploadBody"]["anyOf"].as_array().map(Vec::len), Some(2));
        let cursor = doc["paths"]["/timeline/public"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "cursor")
            .cloned()
            .unwrap();
        assert_eq!(cursor["schema"]["pattern"], cs_http::openapi::CURSOR_PATTERN);
    }

    /// Every link names an operation of the document, by the field OpenAPI defines.
    #[test]
    fn links_point_at_operations() {
        let doc = document_json().unwrap();
        let ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let links: Vec<&Value> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["responses"].as_object())
            .flat_map(|responses| responses.values())
            .filter_map(|response| response["links"].as_object())
            .flat_map(|links| links.values())
            .collect();
        assert!(links.len() >= 10, "{} links", links.len());
        for link in links {
            let target = link["operationId"].as_str().unwrap_or_default();
            assert!(ids.contains(&target), "a link to {target}, which is not an operation: {link}");
        }
    }

    #[test]
    fn problems_are_documented_as_problem_json() {
        let doc = serde_json::to_value(document()).unwrap();
        let register = &doc["paths"]["/users/register"]["post"]["responses"]["409"];
        assert!(register["content"]["application/problem+json"].is_object(), "{register}");
        assert!(doc["components"]["schemas"]["Problem"].is_object());
    }
}
