//! Account values, parsed once at the edge and trusted after.

use crate::UserError;

fn invalid(field: &'static str, message: impl Into<String>) -> UserError {
    UserError::Invalid { field, message: message.into() }
}

/// 3–30 characters of letters, digits and `_`; unique regardless of case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, UserError> {
        let s = raw.trim();
        let len = s.chars().count();
        if !(3..=30).contains(&len) {
            return Err(invalid("username", "username must be 3 to 30 characters"));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(invalid("username", "username may contain only letters, digits and _"));
        }
        Ok(Username(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An address with a local part, an `@` and a dotted domain; kept in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, UserError> {
        let s = raw.trim().to_lowercase();
        let bad = || invalid("email", "email must be an address like name@example.com");
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(bad());
        }
        Ok(Email(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 8 to 128 characters (NIST SP 800-63B: length, not composition rules).
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, UserError> {
        let len = raw.chars().count();
        if len < 8 {
            return Err(invalid(field, "password must be at least 8 characters"));
        }
        if len > 128 {
            return Err(invalid(field, "password must be at most 128 characters"));
        }
        Ok(Password(raw.to_string()))
    }
    pub fn expose(&self) -> String {
        self.0.clone()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Free text of bounded length with no control characters (newlines allowed when `multiline`).
pub fn profile_text(field: &'static str, raw: &str, max: usize, multiline: bool) -> Result<Option<String>, UserError> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(invalid(field, format!("{field} must be at most {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && !(multiline && c == '\n')) {
        return Err(invalid(field, format!("{field} must not contain control characters")));
    }
    Ok((!s.is_empty()).then(|| s.to_string()))
}

/// An http(s) URL of at most 2,048 characters.
pub fn avatar_url(raw: &str) -> Result<Option<String>, UserError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let ok = (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() <= 2048
        && s.len() > "https://".len()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(invalid("avatarUrl", "avatarUrl must be an http(s) URL of at most 2048 characters"));
    }
    Ok(Some(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: UserError) -> &'static str {
        match e {
            UserError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" Alice_1 ").unwrap().as_str(), "Alice_1");
        for bad in ["ab", "a b c", "émile", &"x".repeat(31), "semi;colon"] {
            assert_eq!(field(Username::parse(bad).unwrap_err()), "username", "{bad}");
        }
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(Email::parse(" Bob@Example.COM ").unwrap().as_str(), "bob@example.com");
        for bad in ["bob", "bob@", "@x.io", "bob@localhost", "a b@x.io", "bob@x..io", "bob@.x.io"] {
            assert_eq!(field(Email::parse(bad).unwrap_err()), "email", "{bad}");
        }
    }

    #[test]
    fn passwords_are_length_checked_and_never_printed() {
        assert!(Password::parse("12345678", "password").is_ok());
        assert_eq!(field(Password::parse("short", "password").unwrap_err()), "password");
        assert!(Password::parse(&"p".repeat(129), "password").is_err());
        assert_eq!(format!("{:?}", Password::parse("secret-secret", "password").unwrap()), "Password(***)");
    }

    #[test]
    fn profile_fields() {
        assert_eq!(profile_text("bio", "  hi\nthere ", 500, true).unwrap().as_deref(), Some("hi\nthere"));
        assert_eq!(profile_text("bio", "   ", 500, true).unwrap(), None);
        assert!(profile_text("displayName", "a\nb", 50, false).is_err());
        assert!(profile_text("displayName", &"x".repeat(51), 50, false).is_err());
        assert!(avatar_url("https://cdn.example.com/a.png").unwrap().is_some());
        assert!(avatar_url("javascript:alert(1)").is_err());
    }
}
