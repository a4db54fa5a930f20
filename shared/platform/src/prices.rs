//! What AWS charges for what ConnectSphere uses: THE price table. The functions' EMF lines,
//! the local gateway's `/metrics` and `make cost` all price from here.
//!
//! List prices, us-east-1, on-demand, first pricing tier, as quoted in issue 14 and on the
//! AWS pricing pages (aws.amazon.com/{lambda,api-gateway,sqs,dynamodb,s3,cloudfront}/pricing).
//! A change of price is a change of this file and its date.

/// When the figures below were read.
pub const PRICES_AS_OF: &str = "2026-11-28";
pub const PRICES_SOURCE: &str =
    "AWS list prices, us-east-1, on-demand, first tier (aws.amazon.com/<service>/pricing), as quoted in issue 14";

/// US dollars per unit.
#[derive(Debug, Clone, Copy)]
pub struct Prices {
    /// Lambda, per request.
    pub lambda_request: f64,
    /// Lambda arm64, per GB-second of billed duration (memory in GB = MB / 1024).
    pub lambda_gb_second: f64,
    /// API Gateway HTTP API, per request (up to 512 KB).
    pub http_api_request: f64,
    /// API Gateway WebSocket API, per message (32 KB increments).
    pub websocket_message: f64,
    /// API Gateway WebSocket API, per connection-minute.
    pub websocket_connection_minute: f64,
    /// SQS standard queue, per request (64 KB chunk): a message costs a send, a receive and a delete.
    pub sqs_request: f64,
    /// DynamoDB on demand, per write request unit (1 KB).
    pub dynamodb_write: f64,
    /// DynamoDB on demand, per read request unit (4 KB, strongly consistent).
    pub dynamodb_read: f64,
    /// S3 Standard, per PUT, COPY, POST or LIST request.
    pub s3_put: f64,
    /// S3 Standard, per GET (and other) request.
    pub s3_get: f64,
    /// S3 Standard, per GB-month stored.
    pub s3_gb_month: f64,
    /// CloudFront, per GB out to the internet (North America, first 10 TB).
    pub cloudfront_gb: f64,
    /// CloudFront, per HTTPS request.
    pub cloudfront_request: f64,
}

pub const PRICES: Prices = Prices {
    lambda_request: 0.20 / 1e6,
    lambda_gb_second: 0.000_013_333_4,
    http_api_request: 1.00 / 1e6,
    websocket_message: 1.00 / 1e6,
    websocket_connection_minute: 0.25 / 1e6,
    sqs_request: 0.40 / 1e6,
    dynamodb_write: 0.625 / 1e6,
    dynamodb_read: 0.125 / 1e6,
    s3_put: 0.005 / 1e3,
    s3_get: 0.0004 / 1e3,
    s3_gb_month: 0.023,
    cloudfront_gb: 0.085,
    cloudfront_request: 0.0100 / 1e4,
};

/// Lambda bills duration rounded up to the millisecond.
pub fn billed_ms(duration: std::time::Duration) -> u64 {
    let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
    micros.div_ceil(1000).max(1)
}

/// What Lambda charges for one invocation: the request and the billed GB-seconds.
pub fn lambda_invocation(billed_ms: u64, memory_mb: u32) -> f64 {
    PRICES.lambda_request + lambda_compute(billed_ms, memory_mb)
}

/// The compute part alone.
pub fn lambda_compute(billed_ms: u64, memory_mb: u32) -> f64 {
    (billed_ms as f64 / 1000.0) * (f64::from(memory_mb) / 1024.0) * PRICES.lambda_gb_second
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn durations_round_up_to_the_millisecond() {
        assert_eq!(billed_ms(Duration::from_micros(1)), 1);
        assert_eq!(billed_ms(Duration::from_micros(1000)), 1);
        assert_eq!(billed_ms(Duration::from_micros(1001)), 2);
        assert_eq!(billed_ms(Duration::ZERO), 1);
    }

    #[test]
    fn a_second_at_a_gigabyte_is_the_gb_second_price() {
        let cost = lambda_invocation(1000, 1024);
        assert!((cost - (0.20 / 1e6 + 0.000_013_333_4)).abs() < 1e-15, "{cost}");
        // 10 ms at 128 MB: an eighth of a GB for a hundredth of a second.
        assert!((lambda_compute(10, 128) - 0.000_013_333_4 / 800.0).abs() < 1e-15);
    }
}
