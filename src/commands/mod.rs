//! One module per subcommand.

pub mod account;
pub mod discover;
pub mod function;
pub mod input;
pub mod sbom;
