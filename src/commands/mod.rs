//! One module per subcommand.

pub mod account;
pub mod async_runtime;
pub mod build_function;
pub mod cdk;
pub mod database;
pub mod db;
pub mod discover;
pub mod findings;
pub mod fix;
pub mod function;
pub mod input;
pub mod listing;
pub mod priority;
pub mod progress;
pub mod rescan;
pub mod sam;
pub mod sbom;
pub mod scan;
pub mod serverless;
pub mod store;
pub mod terminal;
