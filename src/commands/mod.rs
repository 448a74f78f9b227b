//! One module per subcommand.

pub mod discover;
pub mod input;
pub mod sbom;
