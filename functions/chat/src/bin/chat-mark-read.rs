use chat::{socket, App};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cs_http::init_tracing();
    let app = App::from_env().await?;
    cs_http::run(app, cs_http::handler!(App, socket::mark_read)).await
}
