//! The local stand-in for API Gateway: routes HTTP API (payload 2.0) requests to the
//! manifest's functions, running them in-process, with the JWT authorizer emulated, and
//! the WebSocket API with its `@connections` management API.

mod authorizer;
mod event;
mod functions;
mod metrics;
mod queues;
mod routes;
pub mod seed;
mod server;
mod statics;
mod websocket;

pub use functions::{migrations, Functions};
pub use queues::Deliveries;
pub use server::{repo_root, spawn, Gateway, GatewayConfig, Running};
