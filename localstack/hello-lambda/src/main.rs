//! Hello world on `lambda_runtime`, built with the same profile as the functions: what an
//! init and an invocation cost with nothing of ours in them.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(json!({ "statusCode": 200, "body": "hello", "echo": event.payload }))
    }))
    .await
}
