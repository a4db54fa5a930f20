//! The local gateway's Prometheus `/metrics`: what CloudWatch shows in AWS (API Gateway
//! request counts and latency, SQS queue age and DLQ depth, consumer failures), for the
//! Prometheus and Grafana of `make dev`.

use std::{collections::BTreeMap, fmt::Write, sync::Mutex, time::Duration};

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// (route key, status) → count
    requests: BTreeMap<(String, u16), u64>,
    /// route key → (count, total seconds)
    latency: BTreeMap<String, (u64, f64)>,
    queues: BTreeMap<String, QueueStats>,
    websocket_connections: usize,
}

#[derive(Default, Clone, Copy)]
struct QueueStats {
    received: u64,
    failed: u64,
    oldest_age_seconds: f64,
    dlq_depth: u64,
}

impl Metrics {
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut m) = self.inner.lock() {
            *m.requests.entry((route.to_string(), status)).or_default() += 1;
            let l = m.latency.entry(route.to_string()).or_default();
            l.0 += 1;
            l.1 += elapsed.as_secs_f64();
        }
    }

    pub fn batch(&self, queue: &str, received: usize, failed: usize, oldest_age: Duration) {
        if let Ok(mut m) = self.inner.lock() {
            let q = m.queues.entry(queue.to_string()).or_default();
            q.received += received as u64;
            q.failed += failed as u64;
            q.oldest_age_seconds = oldest_age.as_secs_f64();
        }
    }

    pub fn dlq_depth(&self, queue: &str, depth: u64) {
        if let Ok(mut m) = self.inner.lock() {
            m.queues.entry(queue.to_string()).or_default().dlq_depth = depth;
        }
    }

    pub fn websocket_connections(&self, open: usize) {
        if let Ok(mut m) = self.inner.lock() {
            m.websocket_connections = open;
        }
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let Ok(m) = self.inner.lock() else {
            return String::new();
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP cs_http_requests_total Requests by route and status.\n# TYPE cs_http_requests_total counter"
        );
        for ((route, status), n) in &m.requests {
            let _ = writeln!(out, "cs_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP cs_http_request_duration_seconds Time in the gateway and function.\n# TYPE cs_http_request_duration_seconds summary");
        for (route, (count, sum)) in &m.latency {
            let _ = writeln!(out, "cs_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}");
            let _ = writeln!(out, "cs_http_request_duration_seconds_count{{route=\"{route}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "# HELP cs_websocket_connections Open WebSocket connections.\n# TYPE cs_websocket_connections gauge\ncs_websocket_connections {}",
            m.websocket_connections
        );
        let gauges = [
            ("cs_queue_messages_received_total", "counter", "Messages handed to consumers."),
            ("cs_queue_records_failed_total", "counter", "Records consumers reported as failed."),
            ("cs_queue_oldest_message_age_seconds", "gauge", "Age of the oldest message in the last batch."),
            ("cs_queue_dlq_depth", "gauge", "Messages waiting in the dead-letter queue."),
        ];
        for (i, (name, kind, help)) in gauges.iter().enumerate() {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (queue, q) in &m.queues {
                let value = match i {
                    0 => q.received as f64,
                    1 => q.failed as f64,
                    2 => q.oldest_age_seconds,
                    _ => q.dlq_depth as f64,
                };
                let _ = writeln!(out, "{name}{{queue=\"{queue}\"}} {value}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.request("GET /users/{userId}", 200, Duration::from_millis(2));
        m.request("GET /users/{userId}", 200, Duration::from_millis(4));
        m.batch("notifications", 3, 1, Duration::from_millis(1500));
        m.dlq_depth("notifications", 2);
        let text = m.render();
        assert!(text.contains("cs_http_requests_total{route=\"GET /users/{userId}\",status=\"200\"} 2"), "{text}");
        assert!(text.contains("cs_http_request_duration_seconds_count{route=\"GET /users/{userId}\"} 2"));
        assert!(text.contains("cs_queue_records_failed_total{queue=\"notifications\"} 1"));
        assert!(text.contains("cs_queue_oldest_message_age_seconds{queue=\"notifications\"} 1.5"));
        assert!(text.contains("cs_queue_dlq_depth{queue=\"notifications\"} 2"));
    }
}
