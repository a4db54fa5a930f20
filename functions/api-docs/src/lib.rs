//! The OpenAPI 3.1 document of the whole HTTP API, generated from the services' Rust types.

use cs_http::{handler, json_with_headers, Body, HttpError, Request, Response};
use cs_platform::{Function::Http, Functions, Platform, Service};
use lambda_http::http::StatusCode;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ConnectSphere API",
        description = "The HTTP API of ConnectSphere. Errors are RFC 9457 problem+json with a stable `code` and the offending `field`."
    ),
    paths(openapi_json)
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
    doc
}

/// The document, rendered once per cold start.
pub struct App {
    json: String,
}

impl Service for App {
    const CRATE: &'static str = "api-docs";
    type Config = ();

    fn config_from_env() -> anyhow::Result<()> {
        Ok(())
    }

    fn new(_: &Platform, _: ()) -> anyhow::Result<Self> {
        Ok(App { json: document().to_pretty_json()? })
    }

    fn functions() -> Functions<App> {
        vec![("openapi", Http(handler!(App, openapi_json)))]
    }
}

#[utoipa::path(get, path = "/openapi.json", tag = "platform",
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn openapi_json(app: &App, _req: Request) -> Result<Response<Body>, HttpError> {
    let value: serde_json::Value = serde_json::from_str(&app.json).map_err(anyhow::Error::from)?;
    json_with_headers(StatusCode::OK, &value, &[("cache-control", "public, max-age=300".into())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use cs_manifest::{Manifest, Trigger};

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

    #[test]
    fn problems_are_documented_as_problem_json() {
        let doc = serde_json::to_value(document()).unwrap();
        let register = &doc["paths"]["/users/register"]["post"]["responses"]["409"];
        assert!(register["content"]["application/problem+json"].is_object(), "{register}");
        assert!(doc["components"]["schemas"]["Problem"].is_object());
    }
}
