//! AWS adapters. Every client is built from `aws-config`, so the standard
//! `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables point the same code at AWS,
//! LocalStack or moto.

mod rate_limit;
mod s3;
mod sqs;

pub use rate_limit::{Decision, DynamoRateLimiter, RateLimiter};
pub use s3::S3Store;
pub use sqs::{DeadLetter, QueueSpec, SqsQueue};

/// The shared SDK configuration (region, credentials, endpoint overrides) from the environment.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

pub fn dynamodb(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}

pub fn sqs(config: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(config)
}
