//! CloudWatch Embedded Metric Format: one JSON line per batch on stdout, which Lambda ships
//! to CloudWatch Logs and CloudWatch turns into metrics (no API call, no extra latency).

/// A consumer's batch: its size, the records that failed, and the age of its oldest message.
/// Only on Lambda (`AWS_LAMBDA_FUNCTION_NAME` set): locally the gateway's `/metrics` shows
/// the same figures.
pub fn consumer_batch(consumer: &str, size: usize, failed: usize, oldest_ms: u128) {
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_none() {
        return;
    }
    let line = serde_json::json!({
        "_aws": {
            "Timestamp": chrono::Utc::now().timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "ConnectSphere",
                "Dimensions": [["Consumer"]],
                "Metrics": [
                    { "Name": "BatchSize", "Unit": "Count" },
                    { "Name": "FailedRecords", "Unit": "Count" },
                    { "Name": "MessageAgeMax", "Unit": "Milliseconds" }
                ]
            }]
        },
        "Consumer": consumer,
        "BatchSize": size,
        "FailedRecords": failed,
        "MessageAgeMax": oldest_ms,
    });
    println!("{line}");
}
