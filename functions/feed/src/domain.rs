//! Post and comment text, checked once; mentions found in it.

use crate::FeedError;

pub const MAX_POST_CHARS: usize = 5000;
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Trimmed, non-empty, at most `max` characters, no control characters but newlines and tabs.
pub fn text(field: &'static str, raw: &str, max: usize) -> Result<String, FeedError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FeedError::Invalid { field, message: format!("{field} must not be empty") });
    }
    if s.chars().count() > max {
        return Err(FeedError::Invalid { field, message: format!("{field} must be at most {max} characters") });
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FeedError::Invalid { field, message: format!("{field} must not contain control characters") });
    }
    Ok(s.to_string())
}

/// The distinct `@username`s in `text`, in order, lower-cased (usernames are
/// case-insensitive). A mention is `@` not preceded by a word character (so an email
/// address is not one), followed by 3–30 of `[A-Za-z0-9_]`.
pub fn mentions(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if chars[i] == '@' && boundary {
            let name: String = chars[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '_').collect();
            let len = name.chars().count();
            if (3..=30).contains(&len) && !found.contains(&name.to_lowercase()) {
                found.push(name.to_lowercase());
            }
            i += len + 1;
        } else {
            i += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("content", "  hi\nthere ", 10).unwrap(), "hi\nthere");
        assert!(text("content", "   ", 10).is_err());
        assert!(text("content", &"x".repeat(11), 10).is_err());
        assert!(text("content", "bell\u{7}", 10).is_err());
        assert!(text("content", &"é".repeat(10), 10).is_ok(), "characters, not bytes");
    }

    #[test]
    fn mentions_are_words_after_at() {
        assert_eq!(mentions("hi @Alice and @bob_2, again @alice"), vec!["alice", "bob_2"]);
        assert!(mentions("mail me at carol@example.com").is_empty());
        assert!(mentions("@ab is too short, @").is_empty());
        assert_eq!(mentions("(@dave)"), vec!["dave"]);
    }
}
