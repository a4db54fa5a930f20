use cs_http::{HttpError, Problem};
use lambda_http::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("item not found")]
    ItemNotFound,
    #[error("order not found")]
    OrderNotFound,
    #[error("only the seller can do that")]
    NotSeller,
    #[error("only the buyer can do that")]
    NotBuyer,
    #[error("the item is archived")]
    ItemArchived,
    #[error("the item is not for sale: a draft, archived, or no copies left")]
    ItemNotAvailable,
    #[error("you already bought this item (or have an order for it waiting for payment)")]
    AlreadyPurchased,
    #[error("you cannot buy your own item")]
    CannotBuyOwnItem,
    #[error("the Idempotency-Key header is required (1 to 255 characters)")]
    IdempotencyKeyRequired,
    #[error("this Idempotency-Key was used with another body")]
    IdempotencyKeyReused,
    #[error("the order cannot go from {from} to {to}")]
    InvalidTransition { from: &'static str, to: &'static str },
    #[error("this order's download limit is reached")]
    DownloadLimitReached,
    #[error("the order is not paid and delivered (or was refunded)")]
    OrderNotPaid,
    #[error("the signature of the event is missing, wrong or outside the tolerance")]
    InvalidSignature,
    #[error(transparent)]
    Problem(#[from] Problem),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

cs_http::service_error!(MarketError);

impl From<MarketError> for HttpError {
    fn from(err: MarketError) -> Self {
        let detail = err.to_string();
        let conflict = |code: &str| Problem::new(StatusCode::CONFLICT, code, detail.clone());
        let unprocessable = |code: &str| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail.clone());
        HttpError::Problem(match err {
            MarketError::Problem(p) => p,
            MarketError::Unexpected(e) => return HttpError::Unexpected(e),
            MarketError::Invalid { field, .. } => Problem::invalid(&field, detail),
            MarketError::ItemNotFound => Problem::not_found("item_not_found", detail),
            MarketError::OrderNotFound => Problem::not_found("order_not_found", detail),
            MarketError::NotSeller => Problem::forbidden("not_seller", detail),
            MarketError::NotBuyer => Problem::forbidden("not_buyer", detail),
            MarketError::ItemArchived => conflict("item_archived"),
            MarketError::ItemNotAvailable => conflict("item_not_available").field("itemId"),
            MarketError::AlreadyPurchased => conflict("already_purchased").field("itemId"),
            MarketError::CannotBuyOwnItem => unprocessable("cannot_buy_own_item").field("itemId"),
            MarketError::IdempotencyKeyRequired => {
                Problem::bad_request("idempotency_key_required", "Idempotency-Key", detail)
            }
            MarketError::IdempotencyKeyReused => unprocessable("idempotency_key_reused").field("Idempotency-Key"),
            MarketError::InvalidTransition { .. } => conflict("invalid_transition"),
            MarketError::DownloadLimitReached => conflict("download_limit_reached"),
            MarketError::OrderNotPaid => conflict("order_not_paid"),
            MarketError::InvalidSignature => Problem::bad_request("invalid_signature", "Payment-Signature", detail),
        })
    }
}
