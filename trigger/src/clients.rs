//! The AWS clients only the trigger uses (Lambda's is in `layers::aws::config`).

use aws_config::SdkConfig;

/// An S3 client; path-style addressing when a custom endpoint is set (emulators
/// have no per-bucket host names).
pub fn s3(config: &SdkConfig) -> aws_sdk_s3::Client {
    let path_style = config.endpoint_url().is_some();
    let conf = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(path_style)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}
