//! lambda-audit's engine: in-memory archives, dependency extractors, advisory
//! matching and reports. No AWS and no command line in here.

pub mod advisories;
pub mod archive;
pub mod baseline;
pub mod date;
pub mod diagnostics;
pub mod ecosystem;
pub mod epss;
pub mod extract;
pub mod findings;
pub mod inventory;
pub mod kev;
pub mod limits;
pub mod matching;
pub mod named_file;
pub mod package;
pub mod platform;
pub mod prioritize;
pub mod purl;
pub mod reachability;
pub mod remediation;
pub mod report;
pub mod risk;
pub mod sbom;
pub mod severity;
pub mod suppress;
pub mod threshold;
pub mod version;
pub mod vex;

pub use archive::ArchiveTree;
pub use diagnostics::{Gap, Skipped, Warning};
pub use ecosystem::Ecosystem;
pub use limits::Limits;
pub use package::{
    BundleEvidence, BundleSource, BundleVersionSource, Confidence, EvidenceKind, Found, Location,
    Package, Role,
};
