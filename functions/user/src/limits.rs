use std::time::Duration;

use crate::{App, UserError};

/// Login attempts allowed per account and per source address, per window.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub per_account: u32,
    pub account_window: Duration,
    pub per_ip: u32,
    pub ip_window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_account: 10,
            account_window: Duration::from_secs(15 * 60),
            per_ip: 100,
            ip_window: Duration::from_secs(60),
        }
    }
}

impl LoginLimits {
    /// `LOGIN_LIMIT_PER_ACCOUNT` (per 15 minutes) and `LOGIN_LIMIT_PER_IP` (per minute).
    pub fn from_env() -> Self {
        let num = |k: &str| std::env::var(k).ok().and_then(|v| v.parse().ok());
        let d = Self::default();
        LoginLimits {
            per_account: num("LOGIN_LIMIT_PER_ACCOUNT").unwrap_or(d.per_account),
            per_ip: num("LOGIN_LIMIT_PER_IP").unwrap_or(d.per_ip),
            ..d
        }
    }

    /// Counts this attempt against both limits. Over either: `RateLimited`. Otherwise the
    /// `X-RateLimit-*` headers of the tighter one. If the counter store is down, logins go
    /// on (and the failure is logged): an outage of it must not lock everyone out.
    pub async fn check_login(
        &self,
        app: &App,
        email: &str,
        ip: &str,
    ) -> Result<Vec<(&'static str, String)>, UserError> {
        let account = app
            .limiter
            .hit(&format!("login:account:{}", email.trim().to_lowercase()), self.per_account, self.account_window)
            .await;
        let address = app.limiter.hit(&format!("login:ip:{ip}"), self.per_ip, self.ip_window).await;
        let (account, address) = match (account, address) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = ?e, "rate limiter unavailable; allowing the attempt");
                return Ok(Vec::new());
            }
        };
        for d in [account, address] {
            if !d.allowed {
                return Err(UserError::RateLimited { retry_after: d.reset_after.as_secs().max(1), limit: d.limit });
            }
        }
        let tighter = if account.remaining <= address.remaining { account } else { address };
        Ok(vec![
            ("x-ratelimit-limit", tighter.limit.to_string()),
            ("x-ratelimit-remaining", tighter.remaining.to_string()),
            ("x-ratelimit-reset", tighter.reset_after.as_secs().to_string()),
        ])
    }
}
