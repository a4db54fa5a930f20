use std::{sync::Arc, time::Duration};

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::SigningKey;

/// Claims of an access token. `sub` is the user id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub sub: String,
    pub username: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

/// Claims of a purpose token (see [`Tokens::sign_purpose`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PurposeClaims {
    pub sub: String,
    pub scope: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
}

/// Issues and checks access tokens.
#[derive(Clone)]
pub struct Tokens {
    key: Arc<SigningKey>,
    pub issuer: String,
    pub audience: String,
    pub ttl: Duration,
}

impl Tokens {
    pub fn new(key: SigningKey, issuer: &str, audience: &str, ttl: Duration) -> Self {
        Tokens { key: Arc::new(key), issuer: issuer.into(), audience: audience.into(), ttl }
    }

    pub fn kid(&self) -> &str {
        &self.key.kid
    }

    /// A signed access token for the user; returns it with its lifetime in seconds.
    pub fn issue(&self, user_id: Uuid, username: &str) -> anyhow::Result<(String, i64)> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(900);
        let claims = AccessClaims {
            sub: user_id.to_string(),
            username: username.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + ttl,
            jti: Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.key.encoding)?;
        Ok((token, ttl))
    }

    /// Checks signature, `kid`, `iss`, `aud`, `exp` and `nbf`.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.kid.as_deref() != Some(self.key.kid.as_str()) {
            return Err(TokenError::Invalid);
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<AccessClaims>(token, &self.key.decoding, &validation).map(|data| data.claims).map_err(
            |e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            },
        )
    }

    /// A signed token for one purpose other than API access (an unsubscribe link, ...):
    /// its audience is `<audience>:<purpose>`, so it is never accepted as an access token.
    pub fn sign_purpose(&self, sub: Uuid, purpose: &str, scope: &str, ttl: Duration) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = PurposeClaims {
            sub: sub.to_string(),
            scope: scope.to_string(),
            iss: self.issuer.clone(),
            aud: format!("{}:{purpose}", self.audience),
            iat: now,
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.key.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &self.key.encoding)?)
    }

    pub fn verify_purpose(&self, token: &str, purpose: &str) -> Result<PurposeClaims, TokenError> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[format!("{}:{purpose}", self.audience)]);
        jsonwebtoken::decode::<PurposeClaims>(token, &self.key.decoding, &validation).map(|data| data.claims).map_err(
            |e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            },
        )
    }

    /// The JSON Web Key Set that API Gateway's JWT authorizer reads.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": self.key.kid,
                "n": self.key.n,
                "e": self.key.e,
            }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn tokens(ttl: u64) -> Tokens {
        static PEM: OnceLock<String> = OnceLock::new();
        let pem = PEM.get_or_init(|| SigningKey::generate_pem().unwrap());
        Tokens::new(SigningKey::from_pem(pem).unwrap(), "iss", "aud", Duration::from_secs(ttl))
    }

    #[test]
    fn issued_tokens_verify_with_their_claims() {
        let t = tokens(60);
        let id = Uuid::new_v4();
        let (jwt, expires_in) = t.issue(id, "alice").unwrap();
        assert_eq!(expires_in, 60);
        let claims = t.verify(&jwt).unwrap();
        assert_eq!((claims.sub, claims.username.as_str()), (id.to_string(), "alice"));
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.kid.as_deref(), Some(t.kid()));
    }

    #[test]
    fn tampered_foreign_and_wrong_audience_tokens_fail() {
        let t = tokens(60);
        let (jwt, _) = t.issue(Uuid::new_v4(), "a").unwrap();
        let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
        parts[1] = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"sub":"x","username":"a","iss":"iss","aud":"aud","iat":0,"nbf":0,"exp":9999999999,"jti":"j"}"#,
        );
        assert!(matches!(t.verify(&parts.join(".")), Err(TokenError::Invalid)));
        let other = Tokens::new(
            SigningKey::from_pem(&SigningKey::generate_pem().unwrap()).unwrap(),
            "iss",
            "aud",
            Duration::from_secs(60),
        );
        assert!(t.verify(&other.issue(Uuid::new_v4(), "a").unwrap().0).is_err());
        let wrong_aud = Tokens { audience: "other".into(), ..t.clone() };
        assert!(t.verify(&wrong_aud.issue(Uuid::new_v4(), "a").unwrap().0).is_err());
        assert!(matches!(t.verify("garbage"), Err(TokenError::Invalid)));
    }

    #[test]
    fn expired_tokens_say_so() {
        let t = tokens(60);
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(t.kid().to_string());
        let old = AccessClaims {
            sub: Uuid::new_v4().to_string(),
            username: "a".into(),
            iss: "iss".into(),
            aud: "aud".into(),
            iat: 1,
            nbf: 1,
            exp: 100,
            jti: "j".into(),
        };
        let jwt = jsonwebtoken::encode(&header, &old, &t.key.encoding).unwrap();
        assert!(matches!(t.verify(&jwt), Err(TokenError::Expired)));
    }

    #[test]
    fn purpose_tokens_are_not_access_tokens() {
        let t = tokens(60);
        let id = Uuid::new_v4();
        let link = t.sign_purpose(id, "unsubscribe", "follow", Duration::from_secs(3600)).unwrap();
        let claims = t.verify_purpose(&link, "unsubscribe").unwrap();
        assert_eq!((claims.sub, claims.scope.as_str()), (id.to_string(), "follow"));
        assert!(t.verify(&link).is_err());
        assert!(t.verify_purpose(&link, "other").is_err());
        let (access, _) = t.issue(id, "a").unwrap();
        assert!(t.verify_purpose(&access, "unsubscribe").is_err());
    }

    #[test]
    fn jwks_publishes_the_signing_key() {
        let t = tokens(60);
        let jwks = t.jwks();
        let key = &jwks["keys"][0];
        assert_eq!(key["kid"], t.kid());
        let decoding =
            jsonwebtoken::DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
                .unwrap();
        let (jwt, _) = t.issue(Uuid::new_v4(), "a").unwrap();
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&["aud"]);
        assert!(jsonwebtoken::decode::<AccessClaims>(&jwt, &decoding, &v).is_ok());
    }
}
