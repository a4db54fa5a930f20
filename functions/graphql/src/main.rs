//! The service's one Lambda binary: `CS_FUNCTION` picks which of its functions it runs.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cs_platform::lambda_main::<graphql::App>().await
}
