use serde::Deserialize;
use utoipa::{
    openapi::{
        schema::{AnyOf, Schema},
        RefOr,
    },
    Modify, OpenApi, ToSchema,
};

use crate::{handlers, wire::SearchAnswer};

#[derive(OpenApi)]
#[openapi(
    paths(handlers::search, handlers::suggest_users),
    components(schemas(SearchAnswer, SearchType, SearchSort, Flag, Currency)),
    modifiers(&AnyAnswer),
    tags((name = "search", description = "People, posts and items, found by their words"))
)]
pub struct SearchApi;

/// `?type=` of `GET /search`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchType {
    Users,
    Posts,
    Items,
}

/// `?sort=` of `GET /search` (which values a type takes: see the parameter).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    Relevance,
    Newest,
    PriceAsc,
    PriceDesc,
}

/// `true` or `false`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    True,
    False,
}

/// The configured currencies (the default list; `MARKET_CURRENCIES` changes it).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum Currency {
    #[serde(rename = "EUR")]
    Eur,
    #[serde(rename = "USD")]
    Usd,
    #[serde(rename = "GBP")]
    Gbp,
}

/// The answers of `GET /search` share their field names (`items`): an empty page of users
/// is also an empty page of posts, so the answer is any of them (anyOf), not exactly one.
struct AnyAnswer;

impl Modify for AnyAnswer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let schema = doc.components.as_mut().and_then(|c| c.schemas.get_mut("SearchAnswer"));
        let Some(RefOr::T(Schema::OneOf(one))) = schema else { return };
        let mut any = AnyOf::new();
        any.items = std::mem::take(&mut one.items);
        if let Some(slot) = doc.components.as_mut().and_then(|c| c.schemas.get_mut("SearchAnswer")) {
            *slot = RefOr::T(Schema::AnyOf(any));
        }
    }
}
