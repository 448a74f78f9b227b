//! The post-deploy trigger as a Lambda function (custom runtime: package this
//! binary as `bootstrap`). Configuration comes from environment variables; see
//! `lambda_audit_trigger` and deploy/README.md.

use lambda_audit_trigger::database::osv_loader;
use lambda_audit_trigger::{Handler, HandlerConfig};
use lambda_runtime::{service_fn, Diagnostic, Error, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = HandlerConfig::from_env(&|name| std::env::var(name).ok())?;
    let load = osv_loader(config.work_dir.join("index"));
    let handler = Arc::new(Handler::new(config, load).await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let handler = handler.clone();
        async move {
            // The runtime posts the error's kind and message (see HandlerError::kind).
            handler
                .handle(&event.payload)
                .await
                .map_err(Diagnostic::from)
        }
    }))
    .await
}
