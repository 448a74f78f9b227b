//! One module per subcommand.

<<<<<<< HEAD
pub mod account;
=======
pub mod db;
>>>>>>> main
pub mod discover;
pub mod function;
pub mod input;
pub mod progress;
pub mod sbom;
pub mod scan;
