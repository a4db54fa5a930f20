//! Money, listings and the order state machine, checked once at the edge.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::MarketError;

/// The largest price: 1,000,000.00 in minor units.
pub const MAX_CENTS: i64 = 100_000_000;
pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;

/// An amount of money in minor units (cents) of an accepted ISO 4217 currency: more than 0,
/// at most 1,000,000.00. Parsed from the decimal string; never a float.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub cents: i64,
    pub currency: String,
}

/// Money on the wire: `{ "amount": "12.50", "currency": "EUR" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MoneyBody {
    /// A decimal string with up to 2 decimals, more than 0, at most 1000000.00.
    #[schema(example = "12.50")]
    pub amount: String,
    /// An ISO 4217 code from the configured list (default EUR, USD, GBP).
    #[schema(example = "EUR")]
    pub currency: String,
}

/// A decimal string with at most two decimals as minor units; `None` if it is not one.
pub fn parse_cents(raw: &str) -> Option<i64> {
    let (whole, frac) = match raw.split_once('.') {
        Some((w, f)) => (w, f),
        None => (raw, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 7 || !digits(whole) || frac.len() > 2 || !digits(frac) {
        return None;
    }
    if raw.contains('.') && frac.is_empty() {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    Some(whole * 100 + frac)
}

/// Minor units as the decimal string (`1250` → `"12.50"`).
pub fn format_cents(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

impl Money {
    pub fn parse(field: &'static str, body: &MoneyBody, currencies: &[String]) -> Result<Money, MarketError> {
        let cents = parse_cents(body.amount.trim()).filter(|c| (1..=MAX_CENTS).contains(c)).ok_or_else(|| {
            MarketError::Invalid {
                field: format!("{field}.amount"),
                message: format!(
                    "{field}.amount must be a decimal string with up to 2 decimals, more than 0 and at most 1000000.00"
                ),
            }
        })?;
        if !currencies.contains(&body.currency) {
            return Err(MarketError::Invalid {
                field: format!("{field}.currency"),
                message: format!("{field}.currency must be one of {}", currencies.join(", ")),
            });
        }
        Ok(Money { cents, currency: body.currency.clone() })
    }

    pub fn body(&self) -> MoneyBody {
        MoneyBody { amount: format_cents(self.cents), currency: self.currency.clone() }
    }
}

/// Trimmed text of at most `max` characters (at least one when `required`), with no control
/// characters but newlines and tabs.
pub fn text(field: &'static str, raw: &str, max: usize, required: bool) -> Result<String, MarketError> {
    let s = raw.trim();
    let bad = |message: String| MarketError::Invalid { field: field.to_string(), message };
    if required && s.is_empty() {
        return Err(bad(format!("{field} must not be empty")));
    }
    if s.chars().count() > max {
        return Err(bad(format!("{field} must be at most {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(bad(format!("{field} must not contain control characters")));
    }
    Ok(s.to_string())
}

/// A limited number of copies: 0 to 1,000,000.
pub fn copies(raw: i64) -> Result<i32, MarketError> {
    i32::try_from(raw).ok().filter(|n| (0..=1_000_000).contains(n)).ok_or_else(|| MarketError::Invalid {
        field: "copies".into(),
        message: "copies must be a whole number from 0 to 1000000, or null for unlimited".into(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    Draft,
    Active,
    Archived,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Draft => "draft",
            ItemStatus::Active => "active",
            ItemStatus::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<ItemStatus> {
        [ItemStatus::Draft, ItemStatus::Active, ItemStatus::Archived].into_iter().find(|k| k.as_str() == s)
    }
}

/// An order's state. Each transition is allowed only from its legal predecessors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Completed,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether `self → next` is a legal transition. (`cancelled → refunded` is the
    /// compensation for a payment that arrived after the order was cancelled.)
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Pending, Paid)
                | (Pending, Cancelled)
                | (Paid, Shipped)
                | (Shipped, Completed)
                | (Paid | Shipped | Completed | Cancelled, Refunded)
        )
    }

    /// Whether the seller may refund it.
    pub fn refundable(self) -> bool {
        matches!(self, OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Completed)
    }
}

/// What the buyer's file is called when saved: the title, tamed, with the type's extension.
pub fn file_name(title: &str, content_type: &str) -> String {
    let mut stem: String = title
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '-' })
        .collect();
    while stem.contains("--") {
        stem = stem.replace("--", "-");
    }
    let stem = stem.trim_matches('-');
    let stem = if stem.is_empty() { "download" } else { stem };
    let ext = match content_type {
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "application/epub+zip" => "epub",
        "audio/mpeg" => "mp3",
        "audio/flac" => "flac",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "video/mp4" => "mp4",
        "video/webm" => "webm",
        _ => "bin",
    };
    format!("{}.{ext}", stem.chars().take(80).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_decimal_strings_with_up_to_two_decimals() {
        assert_eq!(parse_cents("12.50"), Some(1250));
        assert_eq!(parse_cents("12.5"), Some(1250));
        assert_eq!(parse_cents("12"), Some(1200));
        assert_eq!(parse_cents("0.01"), Some(1));
        assert_eq!(parse_cents("1000000.00"), Some(MAX_CENTS));
        for bad in ["", ".5", "12.", "12.505", "-1", "+1", "1e3", "1,5", " 1", "abc", "12345678"] {
            assert_eq!(parse_cents(bad), None, "{bad}");
        }
        assert_eq!(format_cents(1250), "12.50");
        assert_eq!(format_cents(7), "0.07");
    }

    #[test]
    fn money_is_bounded_and_in_a_configured_currency() {
        let eur = vec!["EUR".to_string(), "USD".to_string()];
        let m = |a: &str, c: &str| Money::parse("price", &MoneyBody { amount: a.into(), currency: c.into() }, &eur);
        assert_eq!(m("9.99", "EUR").unwrap(), Money { cents: 999, currency: "EUR".into() });
        assert_eq!(m("9.99", "EUR").unwrap().body().amount, "9.99");
        for (a, c, field) in
            [("0", "EUR", "price.amount"), ("1000000.01", "EUR", "price.amount"), ("1", "JPY", "price.currency")]
        {
            match m(a, c) {
                Err(MarketError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{a} {c}: {other:?}"),
            }
        }
    }

    #[test]
    fn only_legal_transitions() {
        use OrderStatus::*;
        assert!(Pending.can_become(Paid) && Paid.can_become(Shipped) && Shipped.can_become(Completed));
        assert!(Pending.can_become(Cancelled) && Cancelled.can_become(Refunded) && Completed.can_become(Refunded));
        assert!(!Paid.can_become(Cancelled), "a failure after a success must not cancel a paid order");
        assert!(!Cancelled.can_become(Paid) && !Refunded.can_become(Paid) && !Pending.can_become(Shipped));
        assert!(!Refunded.can_become(Refunded) && !Pending.can_become(Refunded));
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn titles_and_file_names() {
        assert!(text("title", " ", MAX_TITLE_CHARS, true).is_err());
        assert!(text("title", &"x".repeat(121), MAX_TITLE_CHARS, true).is_err());
        assert_eq!(text("description", "", MAX_DESCRIPTION_CHARS, false).unwrap(), "");
        assert_eq!(file_name("My Great E-Book!", "application/epub+zip"), "my-great-e-book.epub");
        assert_eq!(file_name("???", "application/pdf"), "download.pdf");
        assert!(copies(-1).is_err() && copies(0).is_ok());
    }
}
