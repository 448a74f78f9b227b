//! Deployed functions: AWS configuration, downloads, fetching a function and its
//! layers, and scanning a whole account.

pub mod account;
pub mod arn;
pub mod config;
pub mod download;
pub mod fetch;

pub use config::AwsOptions;
pub use download::{CodeUrlRewrite, DownloadError, Downloader};
pub use fetch::{FetchError, LayerCache, ScanOutcome, Scanned, Scanner, SubjectKind};
