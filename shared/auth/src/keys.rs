use std::path::Path;

use anyhow::Context;
use aws_lc_rs::{
    encoding::AsDer,
    rsa::{KeyPair, KeySize},
    signature::KeyPair as _,
};
use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine,
};
use jsonwebtoken::{DecodingKey, EncodingKey};
use sha2::{Digest, Sha256};

/// The RSA key that signs access tokens. RS256 because API Gateway's native JWT
/// authorizer verifies only RSA signatures.
pub struct SigningKey {
    pub kid: String,
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    /// Base64url big-endian modulus and exponent, as a JWK carries them.
    pub(crate) n: String,
    pub(crate) e: String,
}

impl SigningKey {
    /// From a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
        let der = STANDARD.decode(b64).context("JWT key PEM is not base64")?;
        let pair = KeyPair::from_pkcs8(&der).map_err(|e| anyhow::anyhow!("JWT key is not an RSA PKCS#8 key: {e}"))?;
        let public = pair.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        let mut thumb = Sha256::new();
        thumb.update(&n);
        thumb.update(&e);
        let kid = URL_SAFE_NO_PAD.encode(&thumb.finalize()[..12]);
        Ok(SigningKey {
            kid,
            encoding: EncodingKey::from_rsa_pem(pem.as_bytes()).context("JWT signing key")?,
            decoding: DecodingKey::from_rsa_raw_components(&n, &e),
            n: URL_SAFE_NO_PAD.encode(&n),
            e: URL_SAFE_NO_PAD.encode(&e),
        })
    }

    /// A new 2048-bit key as PKCS#8 PEM.
    pub fn generate_pem() -> anyhow::Result<String> {
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| anyhow::anyhow!("generating RSA key"))?;
        let der = pair.as_der().map_err(|_| anyhow::anyhow!("encoding RSA key"))?;
        let b64 = STANDARD.encode(der.as_ref());
        let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END PRIVATE KEY-----\n");
        Ok(pem)
    }

    /// The key in `path`, generated there on first use (local development only; in AWS the
    /// PEM comes from a secret through `JWT_PRIVATE_KEY`).
    pub fn load_or_generate(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let pem = Self::generate_pem()?;
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, pem)?;
            // Two processes may race here; rename is atomic and both keys are valid.
            std::fs::rename(&tmp, path)?;
        }
        let pem = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_pem(&pem)
    }
}
