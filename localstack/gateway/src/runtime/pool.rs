//! A function's execution environments: an idle one takes the next invocation, a new one
//! starts when all are busy, and idle ones are reaped, as Lambda scales.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use super::{
    api::Outcome,
    environment::{Environment, InvokeError, Spec, Usage},
};

pub struct Pool {
    pub spec: Spec,
    idle: Mutex<Vec<Environment>>,
}

/// One invocation as Lambda's REPORT line has it.
#[derive(Debug, Clone)]
pub struct Report {
    pub request_id: String,
    pub usage: Usage,
    /// The init of a new environment (a cold start).
    pub init: Option<Duration>,
}

impl Pool {
    pub fn new(spec: Spec) -> Self {
        Pool { spec, idle: Mutex::default() }
    }

    /// Runs `payload` in an idle environment, or a new one.
    pub async fn invoke(&self, payload: Vec<u8>) -> (Result<Outcome, InvokeError>, Report) {
        let request_id = uuid::Uuid::new_v4().to_string();
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let (mut env, init) = match idle {
            Some(env) => (env, None),
            None => {
                let at = Instant::now();
                match Environment::start(&self.spec).await {
                    Ok(env) => {
                        let init = env.init;
                        (env, Some(init))
                    }
                    Err(err) => {
                        let usage = Usage::default();
                        let report = Report { request_id, usage, init: Some(at.elapsed()) };
                        self.log_report(&report, Some(&err));
                        return (Err(err), report);
                    }
                }
            }
        };
        let (outcome, usage) = env.invoke(&request_id, payload, self.spec.timeout).await;
        let report = Report { request_id, usage, init };
        self.log_report(&report, outcome.as_ref().err());
        // A process that failed mid-invocation is not reused; one that answered is.
        if outcome.is_ok() {
            if let Ok(mut idle) = self.idle.lock() {
                idle.push(env);
            }
        }
        (outcome, report)
    }

    /// Ends environments idle for longer than `idle_for`; how many it ended.
    pub fn reap(&self, idle_for: Duration) -> usize {
        let Ok(mut idle) = self.idle.lock() else {
            return 0;
        };
        let before = idle.len();
        idle.retain(|env| env.last_used.elapsed() < idle_for);
        before - idle.len()
    }

    pub fn idle(&self) -> usize {
        self.idle.lock().map(|i| i.len()).unwrap_or(0)
    }

    fn log_report(&self, r: &Report, error: Option<&InvokeError>) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let billed = cs_platform::prices::billed_ms(r.usage.duration + r.init.unwrap_or_default());
        let mut line = format!(
            "REPORT RequestId: {} Duration: {:.2} ms Billed Duration: {billed} ms Memory Size: {} MB",
            r.request_id,
            ms(r.usage.duration),
            self.spec.memory_mb
        );
        if let Some(kb) = r.usage.max_rss_kb {
            line.push_str(&format!(" Max Memory Used: {} MB", kb.div_ceil(1024)));
        }
        if let Some(init) = r.init {
            line.push_str(&format!(" Init Duration: {:.2} ms", ms(init)));
        }
        match error {
            None => tracing::debug!(target: "lambda", function = %self.spec.function, "{line}"),
            Some(err) => tracing::warn!(target: "lambda", function = %self.spec.function, error = %err, "{line}"),
        }
    }
}
