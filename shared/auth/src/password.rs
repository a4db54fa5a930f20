use std::sync::OnceLock;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};

/// argon2id with OWASP's first recommended setting: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). CPU-heavy: runs on the blocking pool.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
    })
    .await?
}

/// Whether `password` matches the stored PHC string. CPU-heavy: runs on the blocking pool.
pub async fn verify_password(password: String, phc: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&phc).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        Ok(argon2().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await?
}

/// Verifies against the stored hash, or, when there is no such account, against a dummy
/// hash with the same parameters, so that a wrong email costs as long as a wrong password.
pub async fn verify_password_or_dummy(password: String, phc: Option<String>) -> anyhow::Result<bool> {
    match phc {
        Some(phc) => verify_password(password, phc).await,
        None => {
            let dummy = dummy_hash().await?;
            verify_password(password, dummy).await?;
            Ok(false)
        }
    }
}

async fn dummy_hash() -> anyhow::Result<String> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let h = hash_password(uuid::Uuid::new_v4().to_string()).await?;
    Ok(DUMMY.get_or_init(|| h).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_owasp_parameters() {
        let h = hash_password("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse".into(), h.clone()).await.unwrap());
        assert!(!verify_password("wrong".into(), h).await.unwrap());
    }

    /// The fastest of five runs of `f`, in seconds.
    async fn fastest<F: std::future::Future<Output = bool>>(f: impl Fn() -> F) -> f64 {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let start = std::time::Instant::now();
            f().await;
            best = best.min(start.elapsed().as_secs_f64());
        }
        best
    }

    #[tokio::test]
    async fn an_unknown_account_costs_a_whole_verification_and_never_verifies() {
        let real = hash_password("correct horse".into()).await.unwrap();
        assert!(!verify_password_or_dummy("correct horse".into(), None).await.unwrap());
        let known =
            fastest(|| async { verify_password_or_dummy("wrong".into(), Some(real.clone())).await.unwrap() }).await;
        let unknown = fastest(|| async { verify_password_or_dummy("wrong".into(), None).await.unwrap() }).await;
        // Skipping the dummy hash would make the unknown account answer in microseconds.
        assert!(unknown > known / 4.0, "unknown account {unknown:.4}s vs known {known:.4}s");
    }
}
