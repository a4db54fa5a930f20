//! One record per invocation, as Lambda's REPORT line has it, priced: what every function
//! writes as a CloudWatch EMF line and what the local gateway's `/metrics` counts.

use std::time::Duration;

use serde_json::{json, Value};

use crate::prices::{self, PRICES};

/// The EMF namespace and the metric names (docs/operations.md lists them for dashboards).
pub const NAMESPACE: &str = "ConnectSphere";

/// What fronts a function, which is what adds to its per-request price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    /// An HTTP API route: one API Gateway request.
    HttpApi,
    /// A WebSocket API route: one message (connection-minutes are priced per connection).
    WebSocket,
    /// An SQS event source mapping or a schedule: no per-invocation front-door charge.
    None,
}

#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    pub function: &'a str,
    /// The route key or the trigger (`GET /users/{userId}`, `WS sendMessage`, `SQS media`,
    /// `schedule`): low cardinality by construction, one per function.
    pub route: &'a str,
    /// `2xx`, `4xx`, `5xx` for requests; `ok`, `partial`, `error` for batches and jobs.
    pub status_class: &'a str,
    pub cold_start: bool,
    pub duration: Duration,
    /// The environment's init, on its first invocation only.
    pub init: Option<Duration>,
    pub memory_mb: u32,
    pub front: Front,
}

/// A status code's class, as dashboards group them.
pub fn status_class(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

impl Invocation<'_> {
    /// Custom runtimes (`provided.al2023`, which Rust functions use) are billed for their init
    /// too: a cold start bills init plus duration.
    pub fn billed_ms(&self) -> u64 {
        prices::billed_ms(self.duration + self.init.unwrap_or_default())
    }

    /// Lambda's request and compute, plus the API Gateway request or message in front of it.
    pub fn cost_usd(&self) -> f64 {
        let front = match self.front {
            Front::HttpApi => PRICES.http_api_request,
            Front::WebSocket => PRICES.websocket_message,
            Front::None => 0.0,
        };
        prices::lambda_invocation(self.billed_ms(), self.memory_mb) + front
    }

    /// The CloudWatch Embedded Metric Format line: dimensions Function alone (dashboards)
    /// and Function, Route, StatusClass, ColdStart together; `InitDuration` only on cold starts.
    pub fn emf(&self, timestamp_ms: i64) -> Value {
        let mut metrics = vec![
            json!({ "Name": "Duration", "Unit": "Milliseconds" }),
            json!({ "Name": "BilledDuration", "Unit": "Milliseconds" }),
            json!({ "Name": "MemorySize", "Unit": "Megabytes" }),
            json!({ "Name": "EstimatedCost", "Unit": "None" }),
        ];
        let mut line = json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Function"], ["Function", "Route", "StatusClass", "ColdStart"]],
                    "Metrics": [],
                }],
            },
            "Function": self.function,
            "Route": self.route,
            "StatusClass": self.status_class,
            "ColdStart": if self.cold_start { "true" } else { "false" },
            "Duration": ms(self.duration),
            "BilledDuration": self.billed_ms(),
            "MemorySize": self.memory_mb,
            "EstimatedCost": self.cost_usd(),
        });
        if let Some(init) = self.init {
            metrics.push(json!({ "Name": "InitDuration", "Unit": "Milliseconds" }));
            line["InitDuration"] = json!(ms(init));
        }
        line["_aws"]["CloudWatchMetrics"][0]["Metrics"] = Value::Array(metrics);
        line
    }
}

/// The route dimension and the front of a manifest function's trigger.
pub fn route_of(trigger: &cs_manifest::Trigger) -> (String, Front) {
    use cs_manifest::Trigger;
    match trigger {
        Trigger::Http(route) => (route.clone(), Front::HttpApi),
        Trigger::Websocket(route) => (format!("WS {route}"), Front::WebSocket),
        Trigger::Sqs(queue) => (format!("SQS {queue}"), Front::None),
        Trigger::Schedule(_) => ("schedule".into(), Front::None),
        Trigger::Deploy(_) => ("deploy".into(), Front::None),
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invocation(init: Option<Duration>) -> Invocation<'static> {
        Invocation {
            function: "user-get",
            route: "GET /users/{userId}",
            status_class: status_class(200),
            cold_start: init.is_some(),
            duration: Duration::from_micros(4_200),
            init,
            memory_mb: 128,
            front: Front::HttpApi,
        }
    }

    #[test]
    fn a_warm_invocation_is_billed_its_duration_and_priced_with_its_request() {
        let warm = invocation(None);
        assert_eq!(warm.billed_ms(), 5);
        let expected = 0.20 / 1e6 + 0.005 * 0.125 * 0.000_013_333_4 + 1.00 / 1e6;
        assert!((warm.cost_usd() - expected).abs() < 1e-15, "{}", warm.cost_usd());
        let line = warm.emf(1);
        assert_eq!(line["ColdStart"], "false");
        assert!(line.get("InitDuration").is_none());
        let declared = line["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().cloned().unwrap_or_default();
        let names: Vec<&str> = declared.iter().filter_map(|m| m["Name"].as_str()).collect();
        assert_eq!(names, ["Duration", "BilledDuration", "MemorySize", "EstimatedCost"]);
        // Every declared metric is on the line, as EMF requires.
        for name in names {
            assert!(line[name].is_number(), "{name}");
        }
    }

    #[test]
    fn a_cold_start_bills_init_too_and_reports_it() {
        let cold = invocation(Some(Duration::from_micros(7_300)));
        assert_eq!(cold.billed_ms(), 12);
        let line = cold.emf(1);
        assert_eq!(line["ColdStart"], "true");
        assert_eq!(line["InitDuration"], 7.3);
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Metrics"][4]["Name"], "InitDuration");
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"][1][3], "ColdStart");
    }
}
