//! The async runtime the AWS and network commands run on.

use anyhow::Context;

/// A tokio runtime for the AWS commands.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
