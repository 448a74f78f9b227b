//! One module per subcommand.

pub mod db;
pub mod input;
pub mod sbom;
