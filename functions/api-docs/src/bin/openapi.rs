use api_docs::{openapi_json, App};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cs_http::init_tracing();
    cs_http::run(App::new()?, cs_http::handler!(App, openapi_json)).await
}
