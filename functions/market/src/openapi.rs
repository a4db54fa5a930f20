use utoipa::{
    openapi::{schema::Schema, ContentBuilder, Ref, RefOr, Required},
    Modify, OpenApi,
};

use crate::{handlers, webhook, Config};

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::create_item,
        handlers::list_items,
        handlers::get_item,
        handlers::update_item,
        handlers::archive_item,
        handlers::create_order,
        handlers::get_order,
        handlers::list_orders,
        handlers::cancel_order,
        handlers::refund_order,
        handlers::download,
        webhook::receive,
    ),
    modifiers(&ExactMoney, &OptionalRefundBody),
    tags((name = "market", description = "Listings, orders, payments and downloads of digital goods"))
)]
pub struct MarketApi;

/// Unicode White_Space, which `str::trim` removes before an amount is parsed.
const WS: &str = r"[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// What `Money::parse` accepts as an amount once trimmed: `^\d{1,7}(\.\d{1,2})?$` (ASCII
/// digits) of more than 0 and at most 1000000.00, spelt out as one pattern: a whole part of
/// 1 to 999999 (leading zeros allowed, 7 digits at most), or zero with a fraction that is
/// not, or 1000000 with a zero fraction.
const AMOUNT: &str = r"(0?[1-9][0-9]{5}|0{0,2}[1-9][0-9]{4}|0{0,3}[1-9][0-9]{3}|0{0,4}[1-9][0-9]{2}|0{0,5}[1-9][0-9]|0{0,6}[1-9])(\.[0-9]{1,2})?|0{1,7}\.(0[1-9]|[1-9][0-9]?)|1000000(\.0{1,2})?";

/// `MoneyBody` (in `domain`, whose derive has no attribute for these): the amount's pattern
/// and the configured currencies (the default list; `MARKET_CURRENCIES` changes it).
struct ExactMoney;

impl Modify for ExactMoney {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let schema = doc.components.as_mut().and_then(|c| c.schemas.get_mut("MoneyBody"));
        let Some(RefOr::T(Schema::Object(money))) = schema else { return };
        if let Some(RefOr::T(Schema::Object(amount))) = money.properties.get_mut("amount") {
            amount.pattern = Some(format!("^{WS}*({AMOUNT}){WS}*$"));
        }
        if let Some(RefOr::T(Schema::Object(currency))) = money.properties.get_mut("currency") {
            currency.enum_values = Some(Config::default().currencies.into_iter().map(Into::into).collect());
        }
    }
}

/// `POST /orders/{id}/refund` takes no body or a `RefundBody`; `null` is not one (utoipa
/// writes an optional body as nullable).
struct OptionalRefundBody;

impl Modify for OptionalRefundBody {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let Some(item) = doc.paths.paths.get_mut("/orders/{id}/refund") else { return };
        let Some(op) = item.post.as_mut() else { return };
        if let Some(body) = op.request_body.as_mut() {
            body.required = Some(Required::False);
            body.description = Some("Optional: without a body, the refund has no reason".into());
            body.content.insert(
                "application/json".into(),
                ContentBuilder::new().schema(Some(Ref::from_schema_name("RefundBody"))).build(),
            );
        }
    }
}
