//! One `[[ignore]]` rule: its selectors, and whether a finding matches them.

use super::glob::Glob;
use super::version_range::VersionRange;
use crate::date::Date;
use crate::ecosystem::Ecosystem;
use crate::findings::Finding;
use crate::package::Location;
use crate::purl;
use crate::version;

/// One `[[ignore]]` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The rule's line in the configuration (1-based).
    pub line: usize,
    /// A vulnerability id, compared case-insensitively with the id and aliases.
    pub id: Option<String>,
    /// A package name (normalised per ecosystem when comparing).
    pub package: Option<String>,
    pub ecosystem: Option<Ecosystem>,
    pub version: Option<VersionRange>,
    /// A purl: its ecosystem and name, and its version when it has one.
    pub purl: Option<purl::ParsedPurl>,
    pub path: Option<Glob>,
    pub reason: String,
    /// Last day the rule applies.
    pub until: Option<Date>,
}

impl Rule {
    /// True while the rule applies on `today`.
    pub fn active(&self, today: Date) -> bool {
        self.until.is_none_or(|until| today <= until)
    }

    /// True when every selector of the rule matches `finding`.
    pub fn matches(&self, finding: &Finding) -> bool {
        let pkg = &finding.package;
        let eco = pkg.ecosystem;
        let same_name = |name: &str| eco.normalize_name(name) == eco.normalize_name(&pkg.name);
        let same_version = |v: &str| {
            version::equivalence_key(eco, v) == version::equivalence_key(eco, &pkg.version)
        };
        // Cheapest selectors first; `&&` stops at the first that fails.
        self.id.as_ref().is_none_or(|id| {
            std::iter::once(&finding.id)
                .chain(&finding.aliases)
                .any(|x| x.eq_ignore_ascii_case(id))
        }) && self.ecosystem.is_none_or(|e| e == eco)
            && self.package.as_deref().is_none_or(same_name)
            && self
                .version
                .as_ref()
                .is_none_or(|range| range.contains(eco, &pkg.version))
            && self.purl.as_ref().is_none_or(|p| {
                p.ecosystem == eco
                    && same_name(&p.name)
                    && p.version.as_deref().is_none_or(same_version)
            })
            && self.path.as_ref().is_none_or(|glob| {
                !finding.locations.is_empty()
                    && finding.locations.iter().all(|l| path_matches(glob, l))
            })
    }
}

/// A location matches when its evidence file, its `artifact!/path`, its path
/// in Lambda, or the folder the package is installed in matches (so
/// `node_modules/axios/**` also covers the lockfile entries describing that
/// folder).
fn path_matches(glob: &Glob, location: &Location) -> bool {
    glob.matches(&location.path)
        || glob.matches(&format!("{}!/{}", location.artifact, location.path))
        || location
            .lambda_path
            .as_deref()
            .is_some_and(|p| glob.matches(p))
        || location
            .install_path
            .as_deref()
            .is_some_and(|dir| glob.matches(dir) || glob.matches(&format!("{dir}/")))
}
