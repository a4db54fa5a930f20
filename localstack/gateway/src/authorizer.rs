//! API Gateway's JWT authorizer: the token from `Authorization: Bearer`, its signature
//! checked against the published JWKS (by `kid`), then `iss`, `aud`, `exp` and `nbf`.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

pub struct Authorizer {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
}

impl Authorizer {
    pub fn from_jwks(jwks: &Value, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let mut keys = HashMap::new();
        for key in jwks["keys"].as_array().into_iter().flatten() {
            let (Some(kid), Some(n), Some(e)) = (key["kid"].as_str(), key["n"].as_str(), key["e"].as_str()) else {
                continue;
            };
            keys.insert(kid.to_string(), DecodingKey::from_rsa_components(n, e)?);
        }
        anyhow::ensure!(!keys.is_empty(), "the JWKS has no RSA keys");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        Ok(Authorizer { keys, validation })
    }

    /// The token's claims, or `None` when it is missing or fails any check.
    pub fn authorize(&self, authorization: Option<&str>) -> Option<Map<String, Value>> {
        let value = authorization?.trim();
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            Some(_) => return None,
            None => value,
        };
        let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
        let key = self.keys.get(&kid)?;
        jsonwebtoken::decode::<Map<String, Value>>(token, key, &self.validation).ok().map(|d| d.claims)
    }
}
