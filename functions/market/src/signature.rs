//! Webhook signatures, Stripe's scheme: `Payment-Signature: t=<unix seconds>,v1=<hex>`
//! where each `v1` is HMAC-SHA256 of `"<t>.<raw body>"` under a shared secret. Several
//! `v1` may be sent (and several secrets accepted) while a secret is rotated.

use aws_lc_rs::hmac;

/// How far from now an event's `t` may be, either way.
pub const TOLERANCE_SECS: i64 = 300;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// The hex `v1` of `body` at `t`.
pub fn v1(secret: &str, t: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(t.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    hex(ctx.sign().as_ref())
}

/// The header value for `body` signed at `t` with each of `secrets`.
pub fn header(secrets: &[&str], t: i64, body: &[u8]) -> String {
    let mut value = format!("t={t}");
    for s in secrets {
        value.push_str(&format!(",v1={}", v1(s, t, body)));
    }
    value
}

/// Whether `header` signs `body` with one of `secrets`, at a time within the tolerance of
/// `now`. Comparisons are constant-time.
pub fn verify(header: &str, body: &[u8], secrets: &[String], now: i64) -> bool {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.extend(unhex(v)),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > TOLERANCE_SECS || signatures.is_empty() {
        return false;
    }
    let mut signed = t.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(body);
    secrets.iter().filter(|s| !s.is_empty()).any(|secret| {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        signatures.iter().any(|sig| hmac::verify(&key, &signed, sig).is_ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_bodies_verify_within_the_tolerance() {
        let secrets = vec!["whsec_new".to_string(), "whsec_old".to_string()];
        let body = br#"{"id":"evt_1"}"#;
        let h = header(&["whsec_old"], 1_000, body);
        assert!(verify(&h, body, &secrets, 1_000));
        assert!(verify(&h, body, &secrets, 1_300));
        assert!(!verify(&h, body, &secrets, 1_301), "stale");
        assert!(!verify(&h, body, &secrets, 699), "from the future");
        assert!(!verify(&h, br#"{"id":"evt_2"}"#, &secrets, 1_000), "another body");
        assert!(!verify(&header(&["whsec_other"], 1_000, body), body, &secrets, 1_000));
        // Rotation: one good v1 among several is enough.
        assert!(verify(&header(&["whsec_other", "whsec_new"], 1_000, body), body, &secrets, 1_000));
        for bad in ["", "t=1000", "v1=abcd", "t=x,v1=00", "t=1000,v1=zz"] {
            assert!(!verify(bad, body, &secrets, 1_000), "{bad}");
        }
        assert!(!verify(&h, body, &[String::new()], 1_000), "no secret configured accepts nothing");
    }

    #[test]
    fn v1_is_hmac_sha256_hex() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"Jefe");
        assert_eq!(
            hex(hmac::sign(&key, b"what do ya want for nothing?").as_ref()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(v1("k", 5, b"x").len(), 64);
    }
}
