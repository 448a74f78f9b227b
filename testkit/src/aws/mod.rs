//! Harness for the AWS tests: the moto emulator on a free loopback port
//! ([`Moto`], killed on drop), a scripted loopback HTTP server that serves
//! code bytes and canned API answers ([`Scripted`]), and the two together as
//! the seeded test world ([`World`]). No traffic leaves 127.0.0.1.

mod deploy;
mod loopback;
mod moto;
mod url;
mod world;

pub use deploy::{
    bare_function_zip, platform_layer_zip, Deployed, FunctionSpec, LayerSpec, SHARP_VERSION,
};
pub use loopback::{Canned, Scripted};
pub use moto::Moto;
pub use world::{World, SEEDED_CODE};

use std::sync::Once;

/// The region every AWS test works in.
pub const REGION: &str = "us-east-1";
/// The account moto creates resources in.
pub const ACCOUNT: &str = "123456789012";

/// The environment that points the AWS SDK at fixed test credentials and away
/// from any local configuration and instance metadata (for child processes).
pub const SDK_TEST_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("AWS_CONFIG_FILE", "/nonexistent/lambda-audit-test-config"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/lambda-audit-test-credentials",
    ),
];

/// Variables of a developer's environment that must not reach the SDK.
const SDK_UNSET_ENV: &[&str] = &["AWS_PROFILE", "AWS_SESSION_TOKEN"];

/// Applies [`SDK_TEST_ENV`] and [`SDK_UNSET_ENV`] to this test process. Safe
/// to call from every test.
pub fn test_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for (k, v) in SDK_TEST_ENV {
            std::env::set_var(k, v);
        }
        for k in SDK_UNSET_ENV {
            std::env::remove_var(k);
        }
    });
}
