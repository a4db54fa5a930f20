//! The local gateway's Prometheus `/metrics`: what CloudWatch shows in AWS (API Gateway
//! request counts and latency, SQS queue age and DLQ depth, consumer failures), for the
//! Prometheus and Grafana of `make dev`; and per function, what each invocation's EMF line
//! carries on Lambda (docs/operations.md names them all).

use std::{collections::BTreeMap, fmt::Write, sync::Mutex, time::Duration};

use cs_platform::Invocation;

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// (route key, status) → count
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    queues: BTreeMap<String, QueueStats>,
    websocket_connections: usize,
    functions: BTreeMap<String, FunctionStats>,
    /// The last probe's answer (`SELECT 1`), taken when `/metrics` is read.
    database_up: Option<bool>,
}

/// Upper bounds (seconds) of the latency buckets: the SLO's 1 s is one of them.
const LATENCY_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Histogram {
    /// Observations at or under each bound of [`LATENCY_BUCKETS`] (not cumulative here).
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// One function's invocations, split by cold start (index 1) and warm (index 0).
#[derive(Debug, Default, Clone)]
pub struct FunctionStats {
    pub route: String,
    pub memory_mb: u32,
    /// (status class, cold start) → count
    pub invocations: BTreeMap<(String, bool), u64>,
    pub warm: Totals,
    pub cold: Totals,
    pub init_seconds: f64,
    /// Largest resident memory seen in any of its processes (runtime mode).
    pub max_memory_kb: u64,
    /// EMF lines its processes wrote (runtime mode: the binaries' own metric lines).
    pub emf_lines: u64,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub count: u64,
    pub duration_seconds: f64,
    pub billed_ms: u64,
    /// CPU time, where measured (runtime mode), and how many invocations it covers.
    pub cpu_seconds: f64,
    pub cpu_count: u64,
    pub cost_usd: f64,
}

#[derive(Default, Clone, Copy)]
struct QueueStats {
    received: u64,
    failed: u64,
    oldest_age_seconds: f64,
    dlq_depth: u64,
    pollers: usize,
}

impl Metrics {
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut m) = self.inner.lock() {
            *m.requests.entry((route.to_string(), status)).or_default() += 1;
            let h = m.latency.entry(route.to_string()).or_default();
            let seconds = elapsed.as_secs_f64();
            if let Some(i) = LATENCY_BUCKETS.iter().position(|le| seconds <= *le) {
                h.buckets[i] += 1;
            }
            h.count += 1;
            h.sum += seconds;
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

    /// How many batches of the queue are being received or consumed at once.
    pub fn pollers(&self, queue: &str, pollers: usize) {
        if let Ok(mut m) = self.inner.lock() {
            m.queues.entry(queue.to_string()).or_default().pollers = pollers;
        }
    }

    pub fn dlq_depth(&self, queue: &str, depth: u64) {
        if let Ok(mut m) = self.inner.lock() {
            m.queues.entry(queue.to_string()).or_default().dlq_depth = depth;
        }
    }

    pub fn database_up(&self, up: bool) {
        if let Ok(mut m) = self.inner.lock() {
            m.database_up = Some(up);
        }
    }

    pub fn websocket_connections(&self, open: usize) {
        if let Ok(mut m) = self.inner.lock() {
            m.websocket_connections = open;
        }
    }

    /// One invocation of a function, as its EMF line reports it.
    pub fn invocation(&self, i: &Invocation<'_>, cpu: Option<Duration>, max_rss_kb: Option<u64>) {
        if let Ok(mut m) = self.inner.lock() {
            let f = m.functions.entry(i.function.to_string()).or_default();
            f.route = i.route.to_string();
            f.memory_mb = i.memory_mb;
            *f.invocations.entry((i.status_class.to_string(), i.cold_start)).or_default() += 1;
            let t = if i.cold_start { &mut f.cold } else { &mut f.warm };
            t.count += 1;
            t.duration_seconds += i.duration.as_secs_f64();
            t.billed_ms += i.billed_ms();
            t.cost_usd += i.cost_usd();
            if let Some(cpu) = cpu {
                t.cpu_seconds += cpu.as_secs_f64();
                t.cpu_count += 1;
            }
            f.init_seconds += i.init.unwrap_or_default().as_secs_f64();
            f.max_memory_kb = f.max_memory_kb.max(max_rss_kb.unwrap_or(0));
        }
    }

    pub fn emf_line(&self, function: &str) {
        if let Ok(mut m) = self.inner.lock() {
            m.functions.entry(function.to_string()).or_default().emf_lines += 1;
        }
    }

    /// Every function's figures so far.
    pub fn functions(&self) -> BTreeMap<String, FunctionStats> {
        self.inner.lock().map(|m| m.functions.clone()).unwrap_or_default()
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
        let _ = writeln!(out, "# HELP cs_http_request_duration_seconds Time in the gateway and function.\n# TYPE cs_http_request_duration_seconds histogram");
        for (route, h) in &m.latency {
            let mut cumulative = 0;
            for (le, n) in LATENCY_BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "cs_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let _ =
                writeln!(out, "cs_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "cs_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "cs_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        if let Some(up) = m.database_up {
            let _ = writeln!(
                out,
                "# HELP cs_database_up Whether Postgres answered SELECT 1 when this page was read.\n# TYPE cs_database_up gauge\ncs_database_up {}",
                u8::from(up)
            );
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
            ("cs_queue_pollers", "gauge", "Batches of the queue received or consumed at once."),
        ];
        for (i, (name, kind, help)) in gauges.iter().enumerate() {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (queue, q) in &m.queues {
                let value = match i {
                    0 => q.received as f64,
                    1 => q.failed as f64,
                    2 => q.oldest_age_seconds,
                    3 => q.dlq_depth as f64,
                    _ => q.pollers as f64,
                };
                let _ = writeln!(out, "{name}{{queue=\"{queue}\"}} {value}");
            }
        }
        render_functions(&mut out, &m.functions);
        out
    }
}

fn render_functions(out: &mut String, functions: &BTreeMap<String, FunctionStats>) {
    let help = |out: &mut String, name: &str, kind: &str, text: &str| {
        let _ = writeln!(out, "# HELP {name} {text}\n# TYPE {name} {kind}");
    };
    help(out, "cs_lambda_invocations_total", "counter", "Invocations by function, status class and cold start.");
    for (name, f) in functions {
        for ((class, cold), n) in &f.invocations {
            let _ = writeln!(
                out,
                "cs_lambda_invocations_total{{function=\"{name}\",status_class=\"{class}\",cold_start=\"{cold}\"}} {n}"
            );
        }
    }
    let per_start = |out: &mut String, metric: &str, value: &dyn Fn(&Totals) -> f64| {
        for (name, f) in functions {
            for (cold, t) in [(false, &f.warm), (true, &f.cold)] {
                if t.count > 0 {
                    let _ = writeln!(out, "{metric}{{function=\"{name}\",cold_start=\"{cold}\"}} {}", value(t));
                }
            }
        }
    };
    help(out, "cs_lambda_duration_seconds", "summary", "Invocation duration (the REPORT line's Duration).");
    per_start(out, "cs_lambda_duration_seconds_sum", &|t| t.duration_seconds);
    per_start(out, "cs_lambda_duration_seconds_count", &|t| t.count as f64);
    help(
        out,
        "cs_lambda_billed_duration_seconds_total",
        "counter",
        "Billed duration (rounded up to the ms; cold starts include init).",
    );
    per_start(out, "cs_lambda_billed_duration_seconds_total", &|t| t.billed_ms as f64 / 1000.0);
    help(
        out,
        "cs_lambda_cpu_seconds_total",
        "counter",
        "CPU time of the function's processes during invocations (runtime mode).",
    );
    per_start(out, "cs_lambda_cpu_seconds_total", &|t| t.cpu_seconds);
    help(
        out,
        "cs_lambda_estimated_cost_usd_total",
        "counter",
        "Estimated cost: Lambda request and compute plus the API Gateway request or message.",
    );
    per_start(out, "cs_lambda_estimated_cost_usd_total", &|t| t.cost_usd);
    help(out, "cs_lambda_init_duration_seconds", "summary", "Init of new execution environments (cold starts).");
    for (name, f) in functions {
        if f.cold.count > 0 {
            let _ = writeln!(out, "cs_lambda_init_duration_seconds_sum{{function=\"{name}\"}} {}", f.init_seconds);
            let _ = writeln!(out, "cs_lambda_init_duration_seconds_count{{function=\"{name}\"}} {}", f.cold.count);
        }
    }
    help(out, "cs_lambda_memory_size_megabytes", "gauge", "Configured memory (the manifest's).");
    for (name, f) in functions {
        let _ = writeln!(out, "cs_lambda_memory_size_megabytes{{function=\"{name}\"}} {}", f.memory_mb);
    }
    help(
        out,
        "cs_lambda_max_memory_used_megabytes",
        "gauge",
        "Peak resident memory of the function's processes (runtime mode).",
    );
    for (name, f) in functions.iter().filter(|(_, f)| f.max_memory_kb > 0) {
        let _ = writeln!(
            out,
            "cs_lambda_max_memory_used_megabytes{{function=\"{name}\"}} {}",
            f.max_memory_kb.div_ceil(1024)
        );
    }
    help(out, "cs_lambda_emf_lines_total", "counter", "EMF lines the function's processes wrote (runtime mode).");
    for (name, f) in functions.iter().filter(|(_, f)| f.emf_lines > 0) {
        let _ = writeln!(out, "cs_lambda_emf_lines_total{{function=\"{name}\"}} {}", f.emf_lines);
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
        assert!(
            text.contains("cs_http_request_duration_seconds_bucket{route=\"GET /users/{userId}\",le=\"0.005\"} 2"),
            "{text}"
        );
        assert!(text.contains("cs_http_request_duration_seconds_bucket{route=\"GET /users/{userId}\",le=\"+Inf\"} 2"));
        assert!(!text.contains("cs_database_up"), "not probed yet");
        m.database_up(false);
        m.request("GET /slow", 200, Duration::from_millis(1500));
        let text = m.render();
        assert!(text.contains("cs_database_up 0"));
        assert!(text.contains("cs_http_request_duration_seconds_bucket{route=\"GET /slow\",le=\"1\"} 0"), "{text}");
        assert!(text.contains("cs_http_request_duration_seconds_bucket{route=\"GET /slow\",le=\"2.5\"} 1"), "{text}");
        assert!(text.contains("cs_queue_records_failed_total{queue=\"notifications\"} 1"));
        assert!(text.contains("cs_queue_oldest_message_age_seconds{queue=\"notifications\"} 1.5"));
        assert!(text.contains("cs_queue_dlq_depth{queue=\"notifications\"} 2"));
    }

    #[test]
    fn renders_each_functions_invocations_by_status_class_and_cold_start() {
        use cs_platform::meter::Front;
        let m = Metrics::default();
        let mut i = Invocation {
            function: "user-get",
            route: "GET /users/{userId}",
            status_class: "2xx",
            cold_start: true,
            duration: Duration::from_millis(3),
            init: Some(Duration::from_millis(7)),
            memory_mb: 128,
            front: Front::HttpApi,
        };
        m.invocation(&i, Some(Duration::from_millis(1)), Some(20_000));
        i.cold_start = false;
        i.init = None;
        m.invocation(&i, None, None);
        m.invocation(&i, None, None);
        let text = m.render();
        for expected in [
            "cs_lambda_invocations_total{function=\"user-get\",status_class=\"2xx\",cold_start=\"true\"} 1",
            "cs_lambda_invocations_total{function=\"user-get\",status_class=\"2xx\",cold_start=\"false\"} 2",
            "cs_lambda_duration_seconds_count{function=\"user-get\",cold_start=\"false\"} 2",
            "cs_lambda_billed_duration_seconds_total{function=\"user-get\",cold_start=\"true\"} 0.01",
            "cs_lambda_init_duration_seconds_count{function=\"user-get\"} 1",
            "cs_lambda_memory_size_megabytes{function=\"user-get\"} 128",
            "cs_lambda_max_memory_used_megabytes{function=\"user-get\"} 20",
        ] {
            assert!(text.contains(expected), "{expected} in\n{text}");
        }
        let stats = &m.functions()["user-get"];
        assert_eq!(stats.warm.billed_ms, 6);
        assert!(stats.warm.cost_usd > 2.0 * 1.2e-6);
    }
}
