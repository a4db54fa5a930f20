use notify::{email_sweep, App};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cs_http::init_tracing();
    cs_events::run_scheduled(App::from_env().await?, email_sweep).await
}
