//! Percent-decoding as API Gateway does it: a path (and each path parameter) is decoded
//! with `+` kept as a plus; a query string's keys and values are form-decoded, `+` being a
//! space, as its `queryStringParameters` (and a WebSocket `$connect` query) show them.
//! Bytes that are not UTF-8 after decoding become U+FFFD.

use percent_encoding::percent_decode_str;

/// A path or one path parameter.
pub fn path(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// One key or value of a query string.
pub fn query(s: &str) -> String {
    percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_plus_and_decode_escapes() {
        assert_eq!(path("a+b%20c"), "a+b c");
        assert_eq!(path("caf%C3%A9"), "café");
        assert_eq!(path("%2B%2F"), "+/");
        assert_eq!(path("100%"), "100%", "a lone percent stays");
    }

    #[test]
    fn query_components_are_form_decoded() {
        assert_eq!(query("a+b%20c"), "a b c");
        assert_eq!(query("%2B1"), "+1", "an escaped plus is a plus");
        assert_eq!(query("caf%C3%A9"), "café");
        assert_eq!(query("%FF"), "\u{FFFD}");
    }
}
