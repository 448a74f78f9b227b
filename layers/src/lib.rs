//! lambda-audit's Lambda deployment model: a function is its code archive plus
//! ordered layers, laid out as Lambda lays them out (code in /var/task, layers
//! merged into /opt in order, a later layer's file winning).

pub mod aws;
pub mod deployment;
pub mod layout;
pub mod reachability;
pub mod runtime;

pub use deployment::Deployment;
pub use layout::{Artifact, ArtifactRole};
pub use runtime::{Runtime, RuntimeView};
