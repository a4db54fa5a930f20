use utoipa::OpenApi;

use crate::{handlers, webhook};

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
    tags((name = "market", description = "Listings, orders, payments and downloads of digital goods"))
)]
pub struct MarketApi;
