//! AWS adapters. Every client is built from `aws-config`, so the standard
//! `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables point the same code at AWS,
//! LocalStack or moto.

mod lazy;
mod rate_limit;
mod realtime;
mod s3;
pub mod secrets;
mod sqs;

pub use lazy::Lazy;
pub use rate_limit::{Clock, Decision, DynamoRateLimiter, RateLimiter};
pub use realtime::{
    ApiGatewayPush, ConnectionRegistry, DynamoConnections, Push, PushError, Realtime, DEFAULT_CONNECTIONS_TABLE,
};
pub use s3::S3Store;
pub use sqs::{DeadLetter, QueueSpec, SqsQueue};

/// The shared SDK configuration (region, credentials, endpoint overrides) from the
/// environment, with limits that suit a request path: a slow or unreachable endpoint costs a
/// request at most [`OPERATION_TIMEOUT`], well inside a function's timeout, never a hang.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(2));
    // Lambda puts the execution role's credentials in the environment. The default chain
    // would find them there too, but first builds an STS client for the providers it
    // tries after them: a TLS root store parsed at every cold start for nothing.
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() && std::env::var_os("AWS_SECRET_ACCESS_KEY").is_some() {
        loader = loader.credentials_provider(aws_config::environment::EnvironmentVariableCredentialsProvider::new());
    }
    loader.load().await
}

/// A TCP connection to an AWS endpoint in the same region takes milliseconds.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1000);
/// One attempt of an operation (our calls are small: an item, a batch of ten messages).
pub const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);
/// All attempts of an operation: below the 5-second timeout of most functions.
pub const OPERATION_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(3000);

pub fn dynamodb(config: &aws_config::SdkConfig) -> Lazy<aws_sdk_dynamodb::Client> {
    let config = config.clone();
    Lazy::new(move || aws_sdk_dynamodb::Client::new(&config))
}

pub fn sqs(config: &aws_config::SdkConfig) -> Lazy<aws_sdk_sqs::Client> {
    let config = config.clone();
    Lazy::new(move || aws_sdk_sqs::Client::new(&config))
}

/// Creates a table keyed by the string `pk`, billed per request, with TTL on `expiresAt`
/// (local runs; in AWS the CDK app owns the tables). A table that exists is left as it is.
async fn ensure_key_value_table(client: &aws_sdk_dynamodb::Client, table: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TimeToLiveSpecification,
    };
    let created = client
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build()?,
        )
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build()?)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    match created {
        Ok(_) => {
            let ttl = TimeToLiveSpecification::builder().attribute_name("expiresAt").enabled(true).build()?;
            client
                .update_time_to_live()
                .table_name(table)
                .time_to_live_specification(ttl)
                .send()
                .await
                .context("enabling TTL")?;
            Ok(())
        }
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => Ok(()),
        Err(err) => Err(anyhow::Error::new(err).context(format!("creating table {table}"))),
    }
}
