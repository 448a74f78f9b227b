//! AWS client configuration: the standard chain (environment, profile, SSO,
//! container and instance credentials), with an optional region and endpoint,
//! over one HTTPS client (hyper + rustls with the *ring* provider).

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls;
use std::time::Duration;

/// What the command line or the handler's environment says about AWS access.
#[derive(Clone, Debug, Default)]
pub struct AwsOptions {
    /// Region; the standard chain's when absent.
    pub region: Option<String>,
    /// Endpoint for every service (an emulator such as moto); AWS's when absent.
    pub endpoint_url: Option<String>,
}

/// SDK attempts per call (the first one included), throttling retried with backoff.
pub const SDK_MAX_ATTEMPTS: u32 = 5;

/// Loads the SDK configuration; `region` overrides the one in `options`.
pub async fn load(options: &AwsOptions, region: Option<&str>) -> SdkConfig {
    // Every SDK client shares this HTTPS client: rustls with *ring*, the
    // crypto provider of the workspace's other HTTP client (`sources`), so a
    // build compiles one TLS stack.
    let https_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let retry = RetryConfig::standard()
        .with_max_attempts(SDK_MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(10));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client)
        .retry_config(retry);
    if let Some(r) = region.or(options.region.as_deref()) {
        loader = loader.region(Region::new(r.to_string()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// A Lambda client.
pub fn lambda(config: &SdkConfig) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(config)
}
