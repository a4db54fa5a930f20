//! Secrets Manager at cold start. The CDK app gives a function the ARN of each secret it may
//! read (`DB_SECRET_ARN`, `JWT_PRIVATE_KEY_SECRET_ARN`, `SMTP_URL_SECRET_ARN`,
//! `PAYMENT_WEBHOOK_SECRET_ARN`), never the secret; [`resolve`] reads them, all at once, into
//! the variables the code reads (`DATABASE_URL`, `JWT_PRIVATE_KEY`, `SMTP_URL`,
//! `PAYMENT_WEBHOOK_SECRET`). A variable already set wins (local runs set them directly).

use anyhow::Context;
use serde_json::Value;

/// `(the ARN variable, the variable it fills)`. The database secret is an RDS secret, turned
/// into a connection string; the others are the secret string as it is.
pub const SECRETS: [(&str, &str); 4] = [
    ("DB_SECRET_ARN", "DATABASE_URL"),
    ("JWT_PRIVATE_KEY_SECRET_ARN", "JWT_PRIVATE_KEY"),
    ("SMTP_URL_SECRET_ARN", "SMTP_URL"),
    ("PAYMENT_WEBHOOK_SECRET_ARN", "PAYMENT_WEBHOOK_SECRET"),
];

/// The variables to set, read from Secrets Manager, concurrently, for each ARN variable `var`
/// has whose target `var` lacks. `DB_SECRET_ARN` names an RDS secret (`{ username, password,
/// host, port, dbname }`); `DB_HOST`, `DB_PORT` and `DB_NAME` override its parts (the proxy's
/// endpoint) and `DB_SSLMODE` (default `prefer`) goes into the connection string.
pub async fn resolve(
    config: &aws_config::SdkConfig,
    var: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<(String, String)>> {
    let client = aws_sdk_secretsmanager::Client::new(config);
    let var = &var;
    let wanted = SECRETS.iter().filter(|(_, target)| var(target).is_none());
    let reads = wanted.filter_map(|(arn_var, target)| Some((*target, var(arn_var)?))).map(|(target, arn)| {
        let client = client.clone();
        async move {
            let out =
                client.get_secret_value().secret_id(&arn).send().await.with_context(|| format!("reading {arn}"))?;
            let secret = out.secret_string.with_context(|| format!("{arn} holds no string"))?;
            let value = if target == "DATABASE_URL" { database_url(&secret, var)? } else { secret };
            Ok::<_, anyhow::Error>((target.to_string(), value))
        }
    });
    futures::future::try_join_all(reads).await
}

/// A libpq key/value connection string from an RDS secret, with the overrides of `var`.
fn database_url(secret: &str, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<String> {
    let s: Value = serde_json::from_str(secret).context("the database secret is not JSON")?;
    let field = |name: &str| match &s[name] {
        Value::String(v) => Some(v.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let part = |env: &str, name: &str| var(env).filter(|v| !v.is_empty()).or_else(|| field(name));
    let quote = |v: &str| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"));
    let pairs = [
        ("host", part("DB_HOST", "host")),
        ("port", part("DB_PORT", "port")),
        ("dbname", part("DB_NAME", "dbname")),
        ("user", field("username")),
        ("password", field("password")),
        ("sslmode", Some(var("DB_SSLMODE").unwrap_or_else(|| "prefer".into()))),
    ];
    let mut out = Vec::new();
    for (key, value) in pairs {
        let value = value.with_context(|| format!("the database secret has no {key}"))?;
        out.push(format!("{key}={}", quote(&value)));
    }
    Ok(out.join(" "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Against the emulator's Secrets Manager: the RDS secret becomes a connection string that
    /// connects (quotes and backslashes in the password survive), the plain ones are copied, and
    /// a variable already set is left alone.
    #[tokio::test]
    async fn secrets_named_by_arn_become_the_variables_the_code_reads() {
        cs_db::testing::load_local_env();
        let config = crate::sdk_config().await;
        let client = aws_sdk_secretsmanager::Client::new(&config);
        let admin = cs_db::testing::admin_url().expect("DATABASE_URL (make services)");
        let url: tokio_postgres::Config = admin.parse().unwrap();
        let tokio_postgres::config::Host::Tcp(host) = &url.get_hosts()[0] else { panic!("a TCP host") };
        let run = uuid::Uuid::new_v4().simple().to_string();
        let secret = |name: &str, value: String| {
            let client = client.clone();
            let name = format!("test/{run}/{name}");
            async move {
                let out = client.create_secret().name(name).secret_string(value).send().await.unwrap();
                out.arn.unwrap()
            }
        };
        let db = serde_json::json!({
            "engine": "postgres", "host": "db.invalid", "port": 5432, "dbname": "postgres",
            "username": url.get_user().unwrap(), "password": "it's a \\ secret",
        });
        let vars = HashMap::from([
            ("DB_SECRET_ARN", secret("db", db.to_string()).await),
            ("DB_HOST", host.clone()),
            ("DB_PORT", url.get_ports()[0].to_string()),
            ("JWT_PRIVATE_KEY_SECRET_ARN", secret("jwt", "-----BEGIN PRIVATE KEY-----".into()).await),
            ("SMTP_URL_SECRET_ARN", secret("smtp", "smtps://u:p@mail.invalid:465".into()).await),
            ("PAYMENT_WEBHOOK_SECRET_ARN", secret("pay", "whsec_x".into()).await),
            ("PAYMENT_WEBHOOK_SECRET", "already set".into()),
        ]);
        let resolved: HashMap<_, _> = resolve(&config, |k| vars.get(k).cloned()).await.unwrap().into_iter().collect();
        assert_eq!(resolved["JWT_PRIVATE_KEY"], "-----BEGIN PRIVATE KEY-----");
        assert_eq!(resolved["SMTP_URL"], "smtps://u:p@mail.invalid:465");
        assert!(!resolved.contains_key("PAYMENT_WEBHOOK_SECRET"), "{resolved:?}");
        let parsed: tokio_postgres::Config = resolved["DATABASE_URL"].parse().unwrap();
        assert_eq!(parsed.get_password(), Some(&b"it's a \\ secret"[..]));
        // The local cluster trusts every password: the string is complete enough to connect.
        let pool = cs_db::connect(&resolved["DATABASE_URL"], 1).unwrap();
        let one: i32 = pool.get().await.unwrap().query_one("SELECT 1", &[]).await.unwrap().get(0);
        assert_eq!(one, 1);
    }

    #[tokio::test]
    async fn an_unreadable_secret_is_an_error_naming_it() {
        cs_db::testing::load_local_env();
        let config = crate::sdk_config().await;
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:no-such-secret";
        let vars = HashMap::from([("SMTP_URL_SECRET_ARN", arn.to_string())]);
        let err = resolve(&config, |k| vars.get(k).cloned()).await.unwrap_err();
        assert!(format!("{err:#}").contains("no-such-secret"), "{err:#}");
    }
}
