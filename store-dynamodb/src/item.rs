//! Items to model values and back. A value that does not read back is an
//! error naming the attribute, never a default.

use crate::layout::{self, attr};
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use std::collections::HashMap;
use std::str::FromStr;
use store::model::{HistoryEntry, ScanRecord, StoredFinding, Subject};
use store::time;
use store::{FindingStatus, SubjectRecord};

/// One item, as the SDK carries it.
pub type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A timestamp attribute (RFC 3339, whole seconds: text order is time order).
pub fn at(value: Timestamp) -> AttributeValue {
    s(time::format(value))
}

/// Sets `name` to `value` when there is one.
pub fn put_opt(item: &mut Item, name: &str, value: Option<impl Into<String>>) {
    if let Some(v) = value {
        item.insert(name.to_string(), s(v));
    }
}

/// Reading an item's attributes.
pub struct Fields<'a>(pub &'a Item);

impl Fields<'_> {
    pub fn opt_text(&self, name: &str) -> Result<Option<&str>, String> {
        match self.0.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::S(v)) => Ok(Some(v)),
            Some(_) => Err(format!("{name} is not a string")),
        }
    }

    pub fn text(&self, name: &str) -> Result<&str, String> {
        self.opt_text(name)?
            .ok_or_else(|| format!("{name} is missing"))
    }

    pub fn number<T: FromStr>(&self, name: &str) -> Result<T, String>
    where
        T::Err: std::fmt::Display,
    {
        match self.0.get(name) {
            Some(AttributeValue::N(v)) => v.parse().map_err(|e| format!("{name}: {e}")),
            Some(_) => Err(format!("{name} is not a number")),
            None => Err(format!("{name} is missing")),
        }
    }

    pub fn time(&self, name: &str) -> Result<Timestamp, String> {
        time::parse(self.text(name)?).map_err(|e| format!("{name}: {e}"))
    }

    pub fn opt_time(&self, name: &str) -> Result<Option<Timestamp>, String> {
        self.opt_text(name)?
            .map(|t| time::parse(t).map_err(|e| format!("{name}: {e}")))
            .transpose()
    }

    pub fn parsed<T: FromStr<Err = String>>(&self, name: &str) -> Result<T, String> {
        self.text(name)?.parse()
    }

    pub fn strings(&self, name: &str) -> Result<Vec<String>, String> {
        match self.0.get(name) {
            None => Ok(Vec::new()),
            Some(AttributeValue::L(values)) => values
                .iter()
                .map(|v| match v {
                    AttributeValue::S(s) => Ok(s.clone()),
                    _ => Err(format!("{name} holds a value that is not a string")),
                })
                .collect(),
            Some(_) => Err(format!("{name} is not a list")),
        }
    }
}

/// A subject item as a record.
pub fn subject_record(item: &Item) -> Result<SubjectRecord, String> {
    let f = Fields(item);
    Ok(SubjectRecord {
        subject: Subject {
            key: f.text("key")?.to_string(),
            kind: f.parsed("kind")?,
            code_sha256: f.opt_text("code_sha256")?.map(str::to_string),
            layers: f.strings("layers")?,
            exposure: f
                .opt_text("exposure")?
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| format!("exposure: {e}"))?,
        },
        revision: f.number("revision")?,
        first_scanned_at: f.time("first_scanned_at")?,
        last_scanned_at: f.time("last_scanned_at")?,
        deleted_at: f.opt_time("deleted_at")?,
        digest: f.opt_text("digest")?.map(str::to_string),
        active: f.number("active")?,
    })
}

/// A finding item. An open finding's `last_observed_at` is its subject's
/// last scan (`last_scanned_at`): unchanged findings are not rewritten;
/// unless that scan could not read it (`unread`), when it is its own.
pub fn finding_item(pk: &str, f: &StoredFinding) -> Result<Item, String> {
    let body = serde_json::to_string(&f.finding).map_err(|e| e.to_string())?;
    let mut item: Item = [
        (attr::PK, s(pk)),
        (attr::SK, s(layout::finding_sk(&f.id))),
        ("id", s(&f.id)),
        ("subject", s(&f.subject)),
        ("status", s(f.status.as_str())),
        ("first_observed_at", at(f.first_observed_at)),
        ("last_observed_at", at(f.last_observed_at)),
        ("updated_at", at(f.updated_at)),
        ("revision", n(f.revision)),
        ("body", s(body)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    put_opt(&mut item, "layer", f.layer.as_deref());
    put_opt(&mut item, "closed_at", f.closed_at.map(time::format));
    put_opt(
        &mut item,
        "close_reason",
        f.close_reason.map(|r| r.as_str()),
    );
    put_opt(&mut item, "unread", f.unread.as_deref());
    Ok(item)
}

/// A finding item back, `last_scanned_at` being its subject's last scan
/// (`None` when the subject is not written yet: a first commit that stopped
/// between its transactions; the finding's own time then).
pub fn stored_finding(
    item: &Item,
    last_scanned_at: Option<Timestamp>,
) -> Result<StoredFinding, String> {
    let f = Fields(item);
    let status: FindingStatus = f.parsed("status")?;
    let unread = f.opt_text("unread")?.map(str::to_string);
    let last_observed_at = match (status, last_scanned_at) {
        (FindingStatus::Closed, _) | (_, None) => f.time("last_observed_at")?,
        _ if unread.is_some() => f.time("last_observed_at")?,
        (_, Some(at)) => at,
    };
    Ok(StoredFinding {
        id: f.text("id")?.to_string(),
        subject: f.text("subject")?.to_string(),
        layer: f.opt_text("layer")?.map(str::to_string),
        status,
        first_observed_at: f.time("first_observed_at")?,
        last_observed_at,
        updated_at: f.time("updated_at")?,
        closed_at: f.opt_time("closed_at")?,
        close_reason: f.opt_text("close_reason")?.map(str::parse).transpose()?,
        unread,
        revision: f.number("revision")?,
        finding: serde_json::from_str(f.text("body")?).map_err(|e| format!("body: {e}"))?,
    })
}

/// The event item of a history entry: in the outbox until sent.
pub fn event_item(subject: &str, h: &HistoryEntry) -> Item {
    let event_id = store::identity::event_id(&h.finding, h.revision);
    let at_text = time::format(h.at);
    let mut item: Item = [
        (attr::PK, s(layout::event_pk(&event_id))),
        (attr::SK, s(layout::EVENT_SK)),
        ("event_id", s(&event_id)),
        ("finding", s(&h.finding)),
        ("subject", s(subject)),
        ("revision", n(h.revision)),
        ("at", s(&at_text)),
        ("transition", s(h.transition.as_str())),
        ("status", s(h.status.as_str())),
        (attr::G2PK, s(&h.finding)),
        (attr::G2SK, n(h.revision)),
        (attr::G1PK, s(layout::OUTBOX)),
        (
            attr::G1SK,
            s(layout::outbox_sk(&at_text, &h.finding, h.revision)),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    put_opt(&mut item, "reason", h.reason.as_deref());
    item
}

/// An event item as a history entry.
pub fn history_entry(item: &Item) -> Result<HistoryEntry, String> {
    let f = Fields(item);
    Ok(HistoryEntry {
        finding: f.text("finding")?.to_string(),
        revision: f.number("revision")?,
        at: f.time("at")?,
        transition: f.parsed("transition")?,
        status: f.parsed("status")?,
        reason: f.opt_text("reason")?.map(str::to_string),
    })
}

/// A scan item.
pub fn scan_item(pk: &str, revision: u64, scan: &ScanRecord) -> Item {
    [
        (attr::PK, s(pk)),
        (attr::SK, s(layout::scan_sk(revision))),
        ("subject", s(&scan.subject)),
        ("at", at(scan.at)),
        ("reason", s(scan.reason.as_str())),
        ("database", s(&scan.database)),
        ("active", n(scan.active)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A scan item back.
pub fn scan_record(item: &Item) -> Result<ScanRecord, String> {
    let f = Fields(item);
    Ok(ScanRecord {
        subject: f.text("subject")?.to_string(),
        at: f.time("at")?,
        reason: f.parsed("reason")?,
        database: f.text("database")?.to_string(),
        active: f.number("active")?,
    })
}

/// An item's size as DynamoDB counts it, roughly (names and values in
/// bytes): enough to keep transactions under their 4 MB limit.
pub fn size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

/// A value's size, as [`size`] counts it.
pub fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::L(l) => l.iter().map(value_size).sum::<usize>() + 3,
        AttributeValue::M(m) => {
            m.iter()
                .map(|(k, v)| k.len() + value_size(v))
                .sum::<usize>()
                + 3
        }
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A subject item as a version that did not keep the exposure wrote it.
    fn older_subject() -> Item {
        [
            ("key", s("arn:aws:lambda:us-east-1:1:function:f:1")),
            ("kind", s("function")),
            ("revision", n(3)),
            ("first_scanned_at", s("2026-01-01T00:00:00Z")),
            ("last_scanned_at", s("2026-01-02T00:00:00Z")),
            ("active", n(0)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    #[test]
    fn a_subject_without_the_exposure_attribute_has_none_and_a_bad_one_is_named() {
        let record = subject_record(&older_subject()).unwrap();
        assert_eq!(record.subject.exposure, None);
        assert_eq!(record.revision, 3);

        let mut item = older_subject();
        let url = analyzer::risk::Exposure::function_url_without_auth();
        item.insert("exposure".into(), s(serde_json::to_string(&url).unwrap()));
        assert_eq!(subject_record(&item).unwrap().subject.exposure, Some(url));

        item.insert("exposure".into(), s("{\"level\": 7}"));
        let error = subject_record(&item).unwrap_err();
        assert!(error.starts_with("exposure: "), "{error}");
    }
}
