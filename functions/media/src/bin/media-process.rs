use media::{process, App};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cs_http::init_tracing();
    cs_events::run_sqs(App::from_env().await?, process).await
}
