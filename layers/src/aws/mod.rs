//! Deployed functions: AWS configuration, the Lambda API calls, downloads,
//! scanning a function and its layers, scanning a whole account, and how a
//! function is exposed.

pub mod account;
pub mod arn;
pub mod asff;
pub mod config;
pub mod download;
pub mod error;
pub mod exposure;
mod lambda_api;
mod layer_cache;
mod outcome;
mod scan;

pub use config::AwsOptions;
pub use download::{CodeUrlRewrite, DownloadError, Downloader};
pub use error::sdk_message;
pub use layer_cache::LayerCache;
pub use outcome::{FetchError, ScanOutcome, Scanned, SubjectKind};
pub use scan::{Scanner, DELETED_LAYER_REASON};
