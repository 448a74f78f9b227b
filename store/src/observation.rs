//! What one scan of one subject observed, in the terms the lifecycle needs:
//! each finding with its stable id and layer of origin, and which packages
//! (at which versions) and layers the subject has now, and what it could
//! not read (its gaps: a deleted layer version, a limit).

use crate::identity::finding_id;
use crate::model::Subject;
use analyzer::findings::{Finding, PackageRef, ScanReport};
use analyzer::inventory::ArtifactKind;
use analyzer::Ecosystem;
use analyzer::Location;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// One finding as a scan saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    pub id: String,
    /// The layer the package comes from; `None` when the function's own code
    /// (or any artifact that is not a layer) has a copy.
    pub layer: Option<String>,
    pub finding: Finding,
}

/// Whether a package of a stored finding is still in the subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Same ecosystem, name and version.
    SameVersion,
    /// The same package at another version only.
    OtherVersion,
    Absent,
}

/// One scan of one subject.
#[derive(Clone, Debug)]
pub struct Observation {
    pub subject: Subject,
    /// Findings, one per id.
    pub findings: Vec<Observed>,
    /// Versions present per (ecosystem, normalised name).
    packages: BTreeMap<(Ecosystem, String), BTreeSet<String>>,
    /// Evidence the scan did not read: (artifact, path inside it, empty for
    /// the whole artifact, and why).
    gaps: Vec<Unread>,
}

/// Evidence a scan did not read (from the inventory's coverage gaps).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Unread {
    artifact: String,
    /// Empty when the whole artifact was not read.
    path: String,
    reason: String,
}

impl Unread {
    /// True when this gap hides the evidence at `location`.
    fn covers(&self, location: &Location) -> bool {
        if location.artifact != self.artifact {
            return false;
        }
        if self.path.is_empty() || location.path == self.path {
            return true;
        }
        location.path.strip_prefix(&self.path).is_some_and(|rest| {
            rest.starts_with('/') || rest.starts_with("!/") || self.path.ends_with('/')
        })
    }
}

impl Observation {
    /// The observation of `report` (matched, suppressions applied) about
    /// `subject`, whose exposure is the report's (what this scan judged).
    pub fn from_report(subject: Subject, report: &ScanReport) -> Observation {
        let subject = Subject {
            exposure: report.exposure.clone(),
            ..subject
        };
        let layers: HashSet<&str> = report
            .inventory
            .artifacts
            .iter()
            .filter(|a| a.role == ArtifactKind::Layer)
            .map(|a| a.name.as_str())
            .collect();
        let mut seen = HashSet::new();
        let findings = report
            .findings
            .iter()
            .map(|f| Observed {
                id: finding_id(&subject.key, f),
                layer: layer_of(f, &layers),
                finding: f.clone(),
            })
            .filter(|o| seen.insert(o.id.clone()))
            .collect();
        let mut packages: BTreeMap<(Ecosystem, String), BTreeSet<String>> = BTreeMap::new();
        for p in &report.inventory.packages {
            packages
                .entry((p.ecosystem, p.normalized_name()))
                .or_default()
                .insert(p.version.clone());
        }
        let gaps = report
            .inventory
            .coverage
            .iter()
            .flat_map(|c| {
                c.incomplete.iter().map(|g| Unread {
                    artifact: c.artifact.clone(),
                    path: g.path.clone(),
                    reason: g.reason.clone(),
                })
            })
            .collect();
        Observation {
            subject,
            findings,
            packages,
            gaps,
        }
    }

    /// Why this scan could not see `finding` (located by `layer` and its
    /// locations), when a gap hides it: its layer was not read at all, or one
    /// of its copies lies in evidence that was not read. Such a finding was
    /// not observed, which is not the same as removed.
    pub fn unread(&self, layer: Option<&str>, finding: &Finding) -> Option<&str> {
        let whole_layer = layer.and_then(|l| {
            self.gaps
                .iter()
                .find(|g| g.artifact == l && g.path.is_empty())
        });
        whole_layer
            .or_else(|| {
                self.gaps
                    .iter()
                    .find(|g| finding.locations.iter().any(|l| g.covers(l)))
            })
            .map(|g| g.reason.as_str())
    }

    /// Whether `package` is still in the subject, and at which version.
    pub fn presence(&self, package: &PackageRef) -> Presence {
        let key = (
            package.ecosystem,
            package.ecosystem.normalize_name(&package.name),
        );
        match self.packages.get(&key) {
            Some(versions) if versions.contains(&package.version) => Presence::SameVersion,
            Some(_) => Presence::OtherVersion,
            None => Presence::Absent,
        }
    }
}

/// The layer a finding comes from: none when some copy is outside the layers;
/// else the layer of the first loaded copy (the one the runtime uses), else
/// of the first copy.
fn layer_of(f: &Finding, layers: &HashSet<&str>) -> Option<String> {
    if f.locations.is_empty()
        || f.locations
            .iter()
            .any(|l| !layers.contains(l.artifact.as_str()))
    {
        return None;
    }
    f.locations
        .iter()
        .find(|l| l.loaded)
        .or_else(|| f.locations.first())
        .map(|l| l.artifact.clone())
}
