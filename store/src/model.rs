//! The store's data model: subjects, findings with a status and timestamps,
//! their transitions, scans, and the events waiting in the outbox.

use crate::time;
use analyzer::findings::Finding;
use analyzer::risk::Exposure;
use jiff::Timestamp;
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Declares a string-backed enum with its names, `Display` and `FromStr`.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored and printed.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<$name, String> {
                let s = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        format!("unknown {} `{s}` (expected one of: {})", stringify!($name), names.join(", "))
                    })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

named_enum! {
    /// What a subject is.
    SubjectKind {
        /// A deployed function version (`…:function:NAME:VERSION`).
        Function => "function",
        /// A layer version (its LayerVersionArn).
        Layer => "layer",
        /// A local archive or folder, by the path given.
        Artifact => "artifact",
    }
}

named_enum! {
    /// A finding's status, as Amazon Inspector spells it.
    FindingStatus {
        Active => "ACTIVE",
        Suppressed => "SUPPRESSED",
        Closed => "CLOSED",
    }
}

named_enum! {
    /// Why a finding was closed.
    CloseReason {
        /// The package is still there, at another version.
        PackageUpgraded => "package_upgraded",
        /// The package is no longer in the subject.
        PackageRemoved => "package_removed",
        /// Same package and version, but the advisory no longer matches it.
        AdvisoryWithdrawn => "advisory_withdrawn",
        /// The function (or layer version) was deleted.
        FunctionDeleted => "function_deleted",
        /// The finding came from a layer the function no longer uses.
        LayerDetached => "layer_detached",
    }
}

named_enum! {
    /// A change of a finding's status, as history and the outbox record it.
    Transition {
        /// First seen.
        New => "new",
        /// Seen again after it was closed.
        Reopened => "reopened",
        /// A suppression rule now matches it.
        Suppressed => "suppressed",
        /// Its suppression rule expired or was removed.
        Unsuppressed => "unsuppressed",
        /// No longer seen (see [`CloseReason`]).
        Closed => "closed",
    }
}

named_enum! {
    /// What made a scan happen, as the scan history records it.
    ScanReason {
        /// `lambda-audit scan --store`.
        Scan => "scan",
        /// `lambda-audit function`.
        Function => "function",
        /// `lambda-audit account`.
        Account => "account",
        /// A rescan against a changed advisory database.
        Rescan => "rescan",
        /// The post-deploy trigger (a CloudTrail event).
        Trigger => "trigger",
    }
}

impl SubjectKind {
    /// The kind of a subject key: a function version ARN, a layer version
    /// ARN, or anything else (a local path).
    pub fn of_key(key: &str) -> SubjectKind {
        match key.split(':').nth(5) {
            Some("function") if key.starts_with("arn:") => SubjectKind::Function,
            Some("layer") if key.starts_with("arn:") => SubjectKind::Layer,
            _ => SubjectKind::Artifact,
        }
    }
}

impl CloseReason {
    /// The reason in words, for tables.
    pub fn describe(self) -> &'static str {
        match self {
            CloseReason::PackageUpgraded => "package upgraded",
            CloseReason::PackageRemoved => "package removed",
            CloseReason::AdvisoryWithdrawn => "advisory withdrawn",
            CloseReason::FunctionDeleted => "function deleted",
            CloseReason::LayerDetached => "layer detached",
        }
    }
}

/// Something scanned, as the store identifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The identity: the function version ARN, the layer version ARN, or the
    /// local artifact's absolute path.
    pub key: String,
    pub kind: SubjectKind,
    /// The code's SHA-256: Lambda's `CodeSha256` (base64), or the local
    /// artifact's content hash (hex).
    pub code_sha256: Option<String>,
    /// Layer version ARNs (or local layer paths), in merge order.
    pub layers: Vec<String>,
    /// How the deployed function is exposed, as the scan that last recorded
    /// the subject judged it ([`crate::Observation::from_report`] takes it
    /// from the report); a rescan scores findings with it. `None` for a
    /// layer version, a local artifact, and a subject stored before
    /// exposure was kept.
    pub exposure: Option<Exposure>,
}

/// One finding of one subject, with its lifecycle.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredFinding {
    /// Stable: see [`crate::identity::finding_id`].
    pub id: String,
    /// The subject's key.
    pub subject: String,
    /// The layer version the package comes from (Inspector's
    /// `sourceLambdaLayerArn`); `None` when the function's own code has it.
    pub layer: Option<String>,
    pub status: FindingStatus,
    pub first_observed_at: Timestamp,
    pub last_observed_at: Timestamp,
    pub updated_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub close_reason: Option<CloseReason>,
    /// Why the subject's last scan could not read this open finding's
    /// evidence (a gap: a deleted layer version, a limit). The finding then
    /// keeps its status, and `last_observed_at` is the last scan that read
    /// it; `None` when the last scan saw it.
    pub unread: Option<String>,
    /// Transitions so far (1 after the first); each transition's event id
    /// derives from the revision it produced.
    pub revision: u32,
    /// The finding as last observed (advisory, aliases, package, severity,
    /// locations, fix, references, suppression reason).
    pub finding: Finding,
}

/// The JSON contract of `findings --format json` (and of the trigger's
/// events): `id`, `subject`, `advisory`, `aliases`, `package`, `status`,
/// `firstObservedAt`, `lastObservedAt`, `updatedAt`, `closedAt`,
/// `closeReason`, `layer`, `severity`; and `unreadReason` when the last scan
/// could not read the finding's evidence (see [`StoredFinding::unread`]).
impl Serialize for StoredFinding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = &self.finding;
        let mut m = s.serialize_struct("StoredFinding", 14)?;
        m.serialize_field("id", &self.id)?;
        m.serialize_field("subject", &self.subject)?;
        m.serialize_field("advisory", &f.id)?;
        m.serialize_field("aliases", &f.aliases)?;
        m.serialize_field("package", &f.package)?;
        m.serialize_field("status", &self.status)?;
        m.serialize_field("firstObservedAt", &time::format(self.first_observed_at))?;
        m.serialize_field("lastObservedAt", &time::format(self.last_observed_at))?;
        m.serialize_field("updatedAt", &time::format(self.updated_at))?;
        m.serialize_field("closedAt", &self.closed_at.map(time::format))?;
        m.serialize_field("closeReason", &self.close_reason)?;
        m.serialize_field("layer", &self.layer)?;
        m.serialize_field("severity", &f.severity)?;
        match &self.unread {
            Some(reason) => m.serialize_field("unreadReason", reason)?,
            None => m.skip_field("unreadReason")?,
        }
        m.end()
    }
}

/// One transition in a finding's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub finding: String,
    /// The finding's revision this transition produced (1, 2, ...).
    pub revision: u32,
    #[serde(serialize_with = "serialize_time")]
    pub at: Timestamp,
    pub transition: Transition,
    /// The status after the transition.
    pub status: FindingStatus,
    /// The close reason, or the suppression rule's reason.
    pub reason: Option<String>,
}

/// One scan of one subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScanRecord {
    pub subject: String,
    #[serde(serialize_with = "serialize_time")]
    pub at: Timestamp,
    pub reason: ScanReason,
    /// The advisory database used (`source location, newest record`).
    pub database: String,
    /// Findings ACTIVE after the scan.
    pub active: usize,
}

/// A transition waiting to be published (or published: `sent_at`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutboxEvent {
    /// Deterministic: see [`crate::identity::event_id`]; consumers drop duplicates by it.
    pub event_id: String,
    pub finding_id: String,
    pub subject: String,
    pub transition: Transition,
    #[serde(serialize_with = "serialize_time")]
    pub at: Timestamp,
    /// The finding after the transition, in the [`StoredFinding`] contract.
    pub finding: serde_json::Value,
    #[serde(serialize_with = "serialize_optional_time")]
    pub sent_at: Option<Timestamp>,
}

impl OutboxEvent {
    /// The event of the transition that gave `finding` revision `revision`,
    /// carrying the finding as it is now with the status the transition gave
    /// it (a later transition does not rewrite what an earlier event says).
    pub fn of(
        finding: &StoredFinding,
        revision: u32,
        transition: Transition,
        status: FindingStatus,
        at: Timestamp,
    ) -> Result<OutboxEvent, String> {
        let mut payload = serde_json::to_value(finding).map_err(|e| e.to_string())?;
        payload["status"] = serde_json::Value::from(status.as_str());
        Ok(OutboxEvent {
            event_id: crate::identity::event_id(&finding.id, revision),
            finding_id: finding.id.clone(),
            subject: finding.subject.clone(),
            transition,
            at,
            finding: payload,
            sent_at: None,
        })
    }
}

fn serialize_time<S: Serializer>(at: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&time::format(*at))
}

fn serialize_optional_time<S: Serializer>(at: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.serialize_str(&time::format(*at)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in FindingStatus::ALL {
            assert_eq!(s.as_str().parse::<FindingStatus>(), Ok(*s));
        }
        assert_eq!("active".parse::<FindingStatus>(), Ok(FindingStatus::Active));
        assert!("open"
            .parse::<FindingStatus>()
            .unwrap_err()
            .contains("ACTIVE, SUPPRESSED, CLOSED"));
        for r in CloseReason::ALL {
            assert_eq!(r.as_str().parse::<CloseReason>(), Ok(*r));
        }
        assert_eq!(CloseReason::PackageUpgraded.describe(), "package upgraded");
        let function = "arn:aws:lambda:us-east-1:123456789012:function:orders:7";
        assert_eq!(SubjectKind::of_key(function), SubjectKind::Function);
        let layer = "arn:aws:lambda:us-east-1:123456789012:layer:deps:3";
        assert_eq!(SubjectKind::of_key(layer), SubjectKind::Layer);
        assert_eq!(SubjectKind::of_key("/tmp/f.zip"), SubjectKind::Artifact);
    }
}
