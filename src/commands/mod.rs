//! One module per subcommand.

pub mod db;
pub mod discover;
pub mod input;
pub mod progress;
pub mod sbom;
pub mod scan;
