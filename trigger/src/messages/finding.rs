//! Finding events: one per transition of a finding in the findings store's
//! outbox (new, reopened, closed, suppressed, unsuppressed), each with the
//! outbox's deterministic event id, so a consumer drops re-published
//! duplicates by `detail.eventId`.
//!
//! Every transition has its own `DetailType` ([`detail_type`]) and one detail
//! schema ([`FindingDetail`]): the `Lambda Audit New Finding` fields of schema
//! 1, plus the finding's lifecycle.

use super::{FindingLocation, SCHEMA_VERSION};
use analyzer::findings::{Finding, PackageRef, Severity};
use layers::aws::SubjectKind;
use serde::{Deserialize, Serialize};
use store::{CloseReason, FindingStatus, OutboxEvent, StoredFinding, Transition};

/// `DetailType` of a finding seen for the first time.
pub const NEW_FINDING_DETAIL_TYPE: &str = "Lambda Audit New Finding";
/// `DetailType` of a finding seen again after it was closed.
pub const FINDING_REOPENED_DETAIL_TYPE: &str = "Lambda Audit Finding Reopened";
/// `DetailType` of a finding no longer seen (see `closeReason`).
pub const FINDING_CLOSED_DETAIL_TYPE: &str = "Lambda Audit Finding Closed";
/// `DetailType` of a finding a suppression rule now matches.
pub const FINDING_SUPPRESSED_DETAIL_TYPE: &str = "Lambda Audit Finding Suppressed";
/// `DetailType` of a finding whose suppression rule expired or was removed.
pub const FINDING_UNSUPPRESSED_DETAIL_TYPE: &str = "Lambda Audit Finding Unsuppressed";

/// Most locations listed in one finding event (EventBridge entries are capped at 256 KB).
const MAX_LOCATIONS: usize = 50;

/// The `DetailType` of the event announcing `transition`.
pub fn detail_type(transition: Transition) -> &'static str {
    match transition {
        Transition::New => NEW_FINDING_DETAIL_TYPE,
        Transition::Reopened => FINDING_REOPENED_DETAIL_TYPE,
        Transition::Closed => FINDING_CLOSED_DETAIL_TYPE,
        Transition::Suppressed => FINDING_SUPPRESSED_DETAIL_TYPE,
        Transition::Unsuppressed => FINDING_UNSUPPRESSED_DETAIL_TYPE,
    }
}

/// One transition to publish: the outbox event's id and transition, and the
/// finding in the state the transition gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct FindingEvent {
    pub event_id: String,
    pub transition: Transition,
    pub finding: StoredFinding,
}

impl FindingEvent {
    /// The event of `outbox` about `current` (the finding as stored now): the
    /// lifecycle fields are the outbox's (the state the transition gave, and
    /// the transition's time as the last observation unless it closed the
    /// finding), the rest (title, locations, fix) the finding's last
    /// observation.
    pub fn of(outbox: &OutboxEvent, current: &StoredFinding) -> Result<FindingEvent, String> {
        let state = &outbox.finding;
        let text = |key: &str| state.get(key).and_then(|v| v.as_str());
        let time = |key: &str| text(key).map(store::time::parse).transpose();
        let mut finding = current.clone();
        if let Some(status) = text("status") {
            finding.status = status.parse::<FindingStatus>()?;
        }
        finding.close_reason = text("closeReason")
            .map(str::parse::<CloseReason>)
            .transpose()?;
        finding.closed_at = time("closedAt")?;
        finding.updated_at = time("updatedAt")?.unwrap_or(outbox.at);
        // A transition other than a close was an observation: it is the last
        // one as of the event (a later scan moves the stored one, and a
        // re-published event must say what it said the first time).
        finding.last_observed_at = match outbox.transition {
            Transition::Closed => time("lastObservedAt")?.unwrap_or(finding.last_observed_at),
            _ => outbox.at,
        };
        Ok(FindingEvent {
            event_id: outbox.event_id.clone(),
            transition: outbox.transition,
            finding,
        })
    }

    /// The subject's kind, as events name it.
    pub fn kind(&self) -> SubjectKind {
        match store::SubjectKind::of_key(&self.finding.subject) {
            store::SubjectKind::Layer => SubjectKind::Layer,
            _ => SubjectKind::Function,
        }
    }

    /// The event's detail.
    pub fn detail(&self) -> FindingDetail {
        let stored = &self.finding;
        let f: &Finding = &stored.finding;
        let time = |t| store::time::format(t);
        FindingDetail {
            schema_version: SCHEMA_VERSION.into(),
            subject: stored.subject.clone(),
            kind: self.kind(),
            id: f.id.clone(),
            aliases: f.aliases.clone(),
            title: f.summary.clone(),
            severity: f.severity.clone(),
            package: f.package.clone(),
            fixed_version: f.fixed_version.clone(),
            loaded: f.loaded,
            locations: f
                .locations
                .iter()
                .take(MAX_LOCATIONS)
                .map(|l| FindingLocation {
                    artifact: l.artifact.clone(),
                    path: l.path.clone(),
                    lambda_path: l.lambda_path.clone(),
                })
                .collect(),
            event_id: self.event_id.clone(),
            finding_id: stored.id.clone(),
            transition: self.transition,
            status: stored.status,
            first_observed_at: time(stored.first_observed_at),
            last_observed_at: time(stored.last_observed_at),
            updated_at: time(stored.updated_at),
            closed_at: stored.closed_at.map(time),
            close_reason: stored.close_reason,
            layer: stored.layer.clone(),
        }
    }
}

/// The detail of every finding event. The fields up to `locations` are those
/// of `Lambda Audit New Finding` in schema 1 (`id` is the advisory); the
/// lifecycle follows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingDetail {
    pub schema_version: String,
    pub subject: String,
    pub kind: SubjectKind,
    /// The advisory id.
    pub id: String,
    pub aliases: Vec<String>,
    pub title: String,
    pub severity: Severity,
    pub package: PackageRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    pub loaded: bool,
    pub locations: Vec<FindingLocation>,
    /// Deterministic, one per finding and transition: drop duplicates by it.
    pub event_id: String,
    /// The finding's stable id in the findings store (subject, advisory, package).
    pub finding_id: String,
    /// `new`, `reopened`, `closed`, `suppressed`, `unsuppressed`.
    #[serde(with = "named")]
    pub transition: Transition,
    /// `ACTIVE`, `SUPPRESSED`, `CLOSED`: the status the transition gave.
    #[serde(with = "named")]
    pub status: FindingStatus,
    pub first_observed_at: String,
    pub last_observed_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub closed_at: Option<String>,
    /// `package_upgraded`, `package_removed`, `advisory_withdrawn`,
    /// `function_deleted`, `layer_detached`.
    #[serde(default, with = "named_option")]
    pub close_reason: Option<CloseReason>,
    /// The layer version the package comes from; `null` for the function's own code.
    #[serde(default)]
    pub layer: Option<String>,
}

/// Serde for the store's named enums (they serialize by name and parse with `FromStr`).
mod named {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::str::FromStr;

    pub fn serialize<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr<Err = String>,
        D: Deserializer<'de>,
    {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// [`named`] for an optional value.
mod named_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::str::FromStr;

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr<Err = String>,
        D: Deserializer<'de>,
    {
        Option::<String>::deserialize(d)?
            .map(|s| s.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::tests::finding as sample;
    use serde_json::json;

    fn stored() -> StoredFinding {
        let at = store::time::parse("2026-11-20T10:00:00Z").unwrap();
        StoredFinding {
            id: "f1".into(),
            subject: "arn:aws:lambda:us-east-1:123456789012:function:app:3".into(),
            layer: Some("arn:aws:lambda:us-east-1:123456789012:layer:deps:2".into()),
            status: FindingStatus::Active,
            first_observed_at: at,
            last_observed_at: at,
            updated_at: at,
            closed_at: None,
            close_reason: None,
            unread: None,
            revision: 1,
            finding: sample("GHSA-1", "axios", "0.21.0"),
        }
    }

    #[test]
    fn the_outbox_state_wins_over_the_current_one() {
        let current = stored();
        let mut closed = current.clone();
        closed.status = FindingStatus::Closed;
        closed.close_reason = Some(CloseReason::FunctionDeleted);
        closed.closed_at = Some(store::time::parse("2026-11-21T08:00:00Z").unwrap());
        closed.updated_at = closed.closed_at.unwrap();
        let outbox = OutboxEvent {
            event_id: "e2".into(),
            finding_id: "f1".into(),
            subject: current.subject.clone(),
            transition: Transition::Closed,
            at: closed.updated_at,
            finding: serde_json::to_value(&closed).unwrap(),
            sent_at: None,
        };
        let event = FindingEvent::of(&outbox, &current).unwrap();
        assert_eq!(event.finding, closed);
        let detail = serde_json::to_value(event.detail()).unwrap();
        assert_eq!(detail["eventId"], "e2");
        assert_eq!(detail["findingId"], "f1");
        assert_eq!(detail["id"], "GHSA-1");
        assert_eq!(detail["transition"], "closed");
        assert_eq!(detail["status"], "CLOSED");
        assert_eq!(detail["closeReason"], "function_deleted");
        assert_eq!(detail["closedAt"], "2026-11-21T08:00:00Z");
        assert_eq!(detail["firstObservedAt"], "2026-11-20T10:00:00Z");
        assert_eq!(detail["kind"], "function");
        assert_eq!(detail["title"], "axios is vulnerable");
        assert_eq!(detail["fixedVersion"], "9.9.9");
        assert_eq!(detail["layer"], current.layer.clone().unwrap());
        let back: FindingDetail = serde_json::from_value(detail).unwrap();
        assert_eq!(back.close_reason, Some(CloseReason::FunctionDeleted));
        assert_eq!(
            detail_type(Transition::Closed),
            "Lambda Audit Finding Closed"
        );
        assert_eq!(
            detail_type(Transition::Reopened),
            "Lambda Audit Finding Reopened"
        );
        assert_eq!(detail_type(Transition::New), "Lambda Audit New Finding");
    }

    #[test]
    fn a_bad_outbox_state_is_an_error_not_a_guess() {
        let current = stored();
        let outbox = OutboxEvent {
            event_id: "e1".into(),
            finding_id: "f1".into(),
            subject: current.subject.clone(),
            transition: Transition::New,
            at: current.updated_at,
            finding: json!({"status": "OPEN"}),
            sent_at: None,
        };
        assert!(FindingEvent::of(&outbox, &current)
            .unwrap_err()
            .contains("OPEN"));
    }
}
