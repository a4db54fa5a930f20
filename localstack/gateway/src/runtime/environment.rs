//! One execution environment: a process of a function's binary, its Runtime API, and the
//! one invocation at a time it serves.

use std::{
    path::PathBuf,
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::{mpsc, oneshot},
    task::JoinHandle,
};

use super::api::{Api, Job, Outcome, Phase};

/// Lambda gives an init ten seconds.
const INIT_LIMIT: Duration = Duration::from_secs(10);

/// Where each line a process writes goes: `(function, line)`.
pub type LogSink = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// Where a function's processes come from and what they run with.
#[derive(Clone)]
pub struct Spec {
    pub function: String,
    pub binary: PathBuf,
    pub env: Vec<(String, String)>,
    pub memory_mb: u32,
    pub timeout: Duration,
    /// Each line the process writes (stdout or stderr), as CloudWatch Logs would get it.
    pub log: LogSink,
}

#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("could not start {0}: {1}")]
    Spawn(PathBuf, std::io::Error),
    #[error("init failed: {0}")]
    Init(String),
    #[error("the process exited ({0})")]
    Exited(String),
    #[error("timed out")]
    Timeout,
    #[error("the Runtime API failed: {0}")]
    Api(String),
}

pub struct Environment {
    child: Child,
    jobs: mpsc::Sender<Job>,
    server: JoinHandle<()>,
    pub init: Duration,
    pub last_used: Instant,
    pid: Option<u32>,
}

impl Drop for Environment {
    fn drop(&mut self) {
        self.server.abort();
        let _ = self.child.start_kill();
    }
}

/// What one invocation took, from the outside, as Lambda's REPORT line has it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub duration: Duration,
    /// CPU time the process used during the invocation (all its threads).
    pub cpu: Option<Duration>,
    /// The process's peak resident memory so far.
    pub max_rss_kb: Option<u64>,
}

impl Environment {
    /// Starts a process and waits for its first `/next`: the init Lambda reports.
    pub async fn start(spec: &Spec) -> Result<Self, InvokeError> {
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| InvokeError::Api(e.to_string()))?;
        let addr = listener.local_addr().map_err(|e| InvokeError::Api(e.to_string()))?;
        let (api, jobs) = Api::new(&spec.function);
        let router = api.router();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let started = Instant::now();
        let spawned = Command::new(&spec.binary)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(err) => {
                server.abort();
                return Err(InvokeError::Spawn(spec.binary.clone(), err));
            }
        };
        if let Some(out) = child.stdout.take() {
            forward(out, &spec.function, Arc::clone(&spec.log));
        }
        if let Some(err) = child.stderr.take() {
            forward(err, &spec.function, Arc::clone(&spec.log));
        }
        let pid = child.id();
        let mut env = Environment { child, jobs, server, init: Duration::ZERO, last_used: Instant::now(), pid };
        let mut phase = api.phase.subscribe();
        let ready = tokio::select! {
            p = phase.wait_for(|p| *p != Phase::Init) => match p.map(|p| p.clone()) {
                Ok(Phase::InitError(body)) => Err(InvokeError::Init(body)),
                Ok(_) => Ok(()),
                Err(_) => Err(InvokeError::Api("the Runtime API stopped".into())),
            },
            status = env.child.wait() => Err(InvokeError::Exited(describe(status))),
            () = tokio::time::sleep(INIT_LIMIT) => Err(InvokeError::Init("no /next within 10 s".into())),
        };
        ready?;
        env.init = started.elapsed();
        Ok(env)
    }

    /// One invocation, past `timeout` abandoned (the caller drops the environment, which
    /// ends the process, as Lambda does).
    pub async fn invoke(
        &mut self,
        id: &str,
        payload: Vec<u8>,
        timeout: Duration,
    ) -> (Result<Outcome, InvokeError>, Usage) {
        let (reply, answer) = oneshot::channel();
        let deadline_ms = chrono::Utc::now().timestamp_millis() + i64::try_from(timeout.as_millis()).unwrap_or(0);
        let cpu_before = self.pid.and_then(cpu_time);
        let started = Instant::now();
        let outcome = match self.jobs.send(Job { id: id.to_string(), payload, deadline_ms, reply }).await {
            Err(_) => Err(InvokeError::Api("the Runtime API stopped".into())),
            Ok(()) => tokio::select! {
                a = answer => a.map_err(|_| InvokeError::Api("no answer".into())),
                status = self.child.wait() => Err(InvokeError::Exited(describe(status))),
                () = tokio::time::sleep(timeout) => Err(InvokeError::Timeout),
            },
        };
        let duration = started.elapsed();
        let cpu = match (cpu_before, self.pid.and_then(cpu_time)) {
            (Some(before), Some(after)) => Some(after.saturating_sub(before)),
            _ => None,
        };
        self.last_used = Instant::now();
        (outcome, Usage { duration, cpu, max_rss_kb: self.pid.and_then(max_rss_kb) })
    }
}

fn describe(status: std::io::Result<std::process::ExitStatus>) -> String {
    status.map_or_else(|e| e.to_string(), |s| s.to_string())
}

fn forward(stream: impl tokio::io::AsyncRead + Unpin + Send + 'static, function: &str, log: LogSink) {
    let function = function.to_string();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            log(&function, &line);
        }
    });
}

/// CPU time of every thread of `pid` (nanoseconds in `schedstat`; `/proc/<pid>/stat` counts
/// 10 ms ticks, too coarse for invocations of a few milliseconds). Linux only.
fn cpu_time(pid: u32) -> Option<Duration> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0u64;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// Peak resident memory (`VmHWM`), as Lambda's "Max Memory Used".
fn max_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
