use chrono::{DateTime, Utc};
use lambda_http::{http::StatusCode, Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{input::query_param, Problem};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// A keyset position: the `(created_at, id)` of the last row a page returned.
/// Opaque to clients, but of a form the OpenAPI document can state exactly
/// (`CURSOR_PATTERN`): 16 hex digits of the microseconds since 1970, then the id's 32,
/// in lower case. Every string of that form is a position, so every one is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

/// `?cursor=` as the API accepts it: a cursor it issued, or empty for the first page.
/// The leading `0` keeps the time between 1970 and the year 38,000, which both chrono and
/// Postgres can hold.
pub(crate) const CURSOR_PATTERN: &str = "^(0[0-9a-f]{47})?$";

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{:016x}{}", self.at.timestamp_micros(), self.id.simple())
    }

    pub fn decode(raw: &str) -> Result<Self, Problem> {
        let bad = || Problem::bad_request("invalid_cursor", "cursor", "cursor is not one this API issued");
        let well_formed = raw.len() == 48
            && raw.starts_with('0')
            && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return Err(bad());
        }
        let micros = i64::from_str_radix(&raw[..16], 16).map_err(|_| bad())?;
        Ok(Cursor {
            at: DateTime::from_timestamp_micros(micros).ok_or_else(bad)?,
            id: Uuid::parse_str(&raw[16..]).map_err(|_| bad())?,
        })
    }
}

/// `?limit=&cursor=` of a list request.
#[derive(Debug, Clone, Copy)]
pub struct PageParams {
    pub limit: i64,
    pub cursor: Option<Cursor>,
}

impl PageParams {
    pub fn from_request(req: &Request) -> Result<Self, Problem> {
        let limit = match query_param(req, "limit") {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if n >= 1 => n.min(MAX_LIMIT),
                _ => {
                    return Err(Problem::bad_request(
                        "invalid_limit",
                        "limit",
                        format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                    ))
                }
            },
        };
        let cursor = query_param(req, "cursor").filter(|c| !c.is_empty()).map(|c| Cursor::decode(&c)).transpose()?;
        Ok(PageParams { limit, cursor })
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }
}

/// One page of a list: `{ "items": [...], "nextCursor": "…" | null }`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched in order; `key` gives a row's position.
    pub fn from_rows(mut rows: Vec<T>, params: &PageParams, key: impl Fn(&T) -> Cursor) -> Self {
        let limit = usize::try_from(params.limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| key(last).encode())
        } else {
            None
        };
        Page { items: rows, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

impl<T: Serialize> Page<T> {
    /// 200 with the page, and a `Link: <…>; rel="next"` header when there is a next page.
    pub fn into_response<E: From<anyhow::Error>>(
        self,
        req: &Request,
        params: &PageParams,
    ) -> Result<Response<Body>, E> {
        let headers: Vec<(&str, String)> = self
            .next_cursor
            .as_ref()
            .map(|next| {
                let path = req.uri().path();
                ("link", format!("<{path}?limit={}&cursor={next}>; rel=\"next\"", params.limit))
            })
            .into_iter()
            .collect();
        crate::json_with_headers(StatusCode::OK, &self, &headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let c = Cursor { at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(), id: Uuid::new_v4() };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn every_string_of_the_documented_form_is_a_cursor() {
        let re = |s: &str| s.len() == 48 && s.starts_with('0') && s.bytes().all(|b| b"0123456789abcdef".contains(&b));
        for raw in [format!("0{}", "f".repeat(47)), "0".repeat(48), Cursor { at: Utc::now(), id: Uuid::nil() }.encode()]
        {
            assert!(re(&raw), "{raw}");
            assert!(Cursor::decode(&raw).is_ok(), "{raw}");
        }
        assert_eq!(CURSOR_PATTERN, "^(0[0-9a-f]{47})?$", "the check above mirrors this pattern");
    }

    #[test]
    fn garbage_cursor_is_400() {
        let upper = Cursor { at: Utc::now(), id: Uuid::new_v4() }.encode().to_uppercase();
        for raw in ["%%%", "bm90LWEtY3Vyc29y", &format!("f{}", "0".repeat(47)), &"0".repeat(47), &upper] {
            let p = Cursor::decode(raw).unwrap_err();
            assert_eq!((p.status, p.field.as_deref()), (400, Some("cursor")), "{raw}");
        }
    }

    #[test]
    fn page_cuts_at_limit_and_points_past_the_last_item() {
        let params = PageParams { limit: 2, cursor: None };
        let at = DateTime::from_timestamp_micros(5).unwrap();
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
        let page = Page::from_rows(ids.clone(), &params, |id| Cursor { at, id: *id });
        assert_eq!(page.items, ids[..2]);
        assert_eq!(Cursor::decode(page.next_cursor.as_deref().unwrap()).unwrap().id, ids[1]);
        let last = Page::from_rows(ids[..2].to_vec(), &params, |id| Cursor { at, id: *id });
        assert!(last.next_cursor.is_none());
    }
}
