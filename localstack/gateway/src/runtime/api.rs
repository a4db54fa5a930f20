//! The Lambda Runtime API (2018-06-01) one execution environment talks to: `/next` hands it
//! the next invocation, `/response` and `/error` answer one, `/init/error` reports a failed
//! init. Each environment gets its own listener, so whatever reaches it is that process's.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Path, State},
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use tokio::sync::{mpsc, oneshot, watch};

/// Lambda's own limit on a synchronous response, plus room.
const MAX_RESPONSE: usize = 7 * 1024 * 1024;

pub struct Job {
    pub id: String,
    pub payload: Vec<u8>,
    pub deadline_ms: i64,
    pub reply: oneshot::Sender<Outcome>,
}

/// What the function answered.
#[derive(Debug)]
pub enum Outcome {
    Response(Bytes),
    /// `/error`: the handler returned an error (the body is Lambda's error JSON).
    Error(Bytes),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Init,
    /// The first `/next` arrived: init is over.
    Ready,
    InitError(String),
}

pub struct Api {
    jobs: tokio::sync::Mutex<mpsc::Receiver<Job>>,
    inflight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    pub phase: watch::Sender<Phase>,
    function_arn: String,
}

impl Api {
    pub fn new(function: &str) -> (Arc<Self>, mpsc::Sender<Job>) {
        let (tx, rx) = mpsc::channel(1);
        let api = Api {
            jobs: tokio::sync::Mutex::new(rx),
            inflight: Mutex::default(),
            phase: watch::channel(Phase::Init).0,
            function_arn: format!("arn:aws:lambda:us-east-1:000000000000:function:{function}"),
        };
        (Arc::new(api), tx)
    }

    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .layer(DefaultBodyLimit::max(MAX_RESPONSE))
            .with_state(Arc::clone(self))
    }

    fn answer(&self, id: &str, outcome: Outcome) -> Response {
        let reply = self.inflight.lock().ok().and_then(|mut m| m.remove(id));
        match reply {
            Some(reply) => {
                let _ = reply.send(outcome);
                (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
            }
            None => (StatusCode::BAD_REQUEST, r#"{"errorType":"InvalidRequestID"}"#).into_response(),
        }
    }
}

async fn next(State(api): State<Arc<Api>>) -> Response {
    api.phase.send_if_modified(|p| {
        let first = *p == Phase::Init;
        if first {
            *p = Phase::Ready;
        }
        first
    });
    let Some(job) = api.jobs.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    if let Ok(mut inflight) = api.inflight.lock() {
        inflight.insert(job.id.clone(), job.reply);
    }
    let mut r = Response::new(axum::body::Body::from(job.payload));
    let headers = r.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set("lambda-runtime-aws-request-id", &job.id);
    set("lambda-runtime-deadline-ms", &job.deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", &api.function_arn);
    set("lambda-runtime-trace-id", &format!("Root=1-00000000-{};Sampled=0", job.id.replace('-', "")[..24].to_owned()));
    set("content-type", "application/json");
    r
}

async fn response(State(api): State<Arc<Api>>, Path(id): Path<String>, body: Bytes) -> Response {
    api.answer(&id, Outcome::Response(body))
}

async fn error(State(api): State<Arc<Api>>, Path(id): Path<String>, body: Bytes) -> Response {
    api.answer(&id, Outcome::Error(body))
}

async fn init_error(State(api): State<Arc<Api>>, body: Bytes) -> Response {
    let _ = api.phase.send(Phase::InitError(String::from_utf8_lossy(&body).into_owned()));
    (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
}
