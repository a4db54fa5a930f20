use crate::{Function, Service};

/// A service's Lambda binary: runs the function named by `CS_FUNCTION` (the manifest name,
/// which the CDK app sets on every function; `AWS_LAMBDA_FUNCTION_NAME` when unset, as under
/// `cargo lambda watch`). The service is built once, at cold start.
pub async fn lambda_main<S: Service>() -> Result<(), lambda_runtime::Error> {
    cs_http::init_tracing();
    let name = std::env::var("CS_FUNCTION")
        .or_else(|_| std::env::var("AWS_LAMBDA_FUNCTION_NAME"))
        .map_err(|_| "CS_FUNCTION is not set: it names the manifest function this Lambda runs")?;
    let function = S::function(&name).ok_or_else(|| format!("the {} service has no function {name}", S::CRATE))?;
    let app = S::from_env().await?;
    match function {
        Function::Http(handler) => cs_http::run(app, handler).await,
        Function::Sqs(handler) => cs_events::run_sqs(app, handler).await,
        Function::Scheduled(handler) => cs_events::run_scheduled(app, handler).await,
    }
}
