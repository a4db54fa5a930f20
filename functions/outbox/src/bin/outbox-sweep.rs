#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cs_http::init_tracing();
    cs_events::run_scheduled(outbox::App::from_env().await?, outbox::sweep).await
}
