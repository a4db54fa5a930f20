//! The local stand-in for API Gateway: routes HTTP API (payload 2.0) requests to the
//! manifest's functions, running them in-process (or as their Lambda binaries: `runtime`), with the JWT authorizer emulated, and
//! the WebSocket API with its `@connections` management API.

mod authorizer;
mod config;
mod cors;
mod decode;
mod dispatch;
mod event;
mod faults;
mod functions;
mod gateway;
mod metrics;
mod queues;
mod response;
mod routes;
pub mod runtime;
mod s3_proxy;
pub mod seed;
mod serve;
mod statics;
mod websocket;

pub use config::{repo_root, target_dir, GatewayConfig};
pub use functions::{migrations, Functions};
pub use gateway::Gateway;
pub use metrics::{FunctionStats, Totals};
pub use queues::Deliveries;
pub use serve::{spawn, Running};
