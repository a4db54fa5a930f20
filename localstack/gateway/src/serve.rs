//! Serving the HTTP API and the WebSocket API on their listeners.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, Request, State},
    response::Response,
    Router as AxumRouter,
};

use crate::{config::GatewayConfig, gateway::Gateway, queues::Deliveries, websocket};

async fn entry(State(gw): State<Arc<Gateway>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request) -> Response {
    gw.handle(req, peer).await
}

/// A gateway serving on `listener`'s address until the process ends or the handle drops.
pub struct Running {
    pub addr: SocketAddr,
    /// The WebSocket API's address.
    pub ws_addr: SocketAddr,
    pub gateway: Arc<Gateway>,
    /// How often each SQS message was handed to a consumer.
    pub deliveries: Arc<Deliveries>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

pub async fn spawn(mut config: GatewayConfig, addr: SocketAddr) -> anyhow::Result<Running> {
    let background = config.background;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    if config.platform.media_public_endpoint.is_none() && std::env::var_os("AWS_ENDPOINT_URL").is_some() {
        config.platform.media_public_endpoint = Some(format!("http://{addr}"));
    }
    let ws_listener = tokio::net::TcpListener::bind(config.websocket_addr).await?;
    let ws_addr = ws_listener.local_addr()?;
    let gateway = Arc::new(Gateway::build(config, &format!("http://{ws_addr}")).await?);
    let deliveries = Arc::new(Deliveries::default());
    let mut tasks = if background { gateway.background(&deliveries) } else { Vec::new() };
    let app = AxumRouter::new().fallback(entry).with_state(Arc::clone(&gateway));
    tasks.push(tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await {
            tracing::error!(error = ?err, "gateway stopped");
        }
    }));
    let ws_app = AxumRouter::new().fallback(websocket::entry).with_state(Arc::clone(&gateway.sockets));
    tasks.push(tokio::spawn(async move {
        if let Err(err) = axum::serve(ws_listener, ws_app.into_make_service_with_connect_info::<SocketAddr>()).await {
            tracing::error!(error = ?err, "WebSocket API stopped");
        }
    }));
    Ok(Running { addr, ws_addr, gateway, deliveries, tasks })
}
