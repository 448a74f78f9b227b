//! The OSV record model (<https://ossf.github.io/osv-schema/>), limited to the
//! fields lambda-audit reads. Unknown fields are ignored; `null` where a list is
//! expected reads as an empty list, as the schema allows.

use serde::{Deserialize, Deserializer};

/// One OSV advisory record.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Osv {
    /// Never empty nor blank in a parsed record: such a record is refused.
    #[serde(deserialize_with = "record_id")]
    pub id: String,
    #[serde(default)]
    pub modified: String,
    #[serde(default)]
    pub published: Option<String>,
    /// Set when the advisory was retracted; such records never match.
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub severity: Vec<SeverityEntry>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub affected: Vec<Affected>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub references: Vec<Reference>,
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// A `severity[]` entry: a scoring system and its vector.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SeverityEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

/// One `affected[]` entry: a package and the versions of it the advisory covers.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Affected {
    #[serde(default)]
    pub package: Option<AffectedPackage>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub severity: Vec<SeverityEntry>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub ranges: Vec<Range>,
    /// Enumerated affected versions.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub versions: Vec<String>,
    #[serde(default)]
    pub ecosystem_specific: Option<serde_json::Value>,
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// The package an `affected[]` entry names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct AffectedPackage {
    pub ecosystem: String,
    pub name: String,
    #[serde(default)]
    pub purl: Option<String>,
}

/// A version range: a type and an ordered list of events.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub events: Vec<Event>,
}

/// A range event. Exactly one field is set in a valid record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Event {
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub last_affected: Option<String>,
    #[serde(default)]
    pub limit: Option<String>,
}

/// A reference link.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Reference {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    pub url: String,
}

impl Osv {
    /// Parses one record from JSON bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Osv, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The record's id followed by its aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// True when the record was withdrawn.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
    }
}

/// Reads `null` (or an absent field, with `#[serde(default)]`) as an empty list.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a record's `id`, which the schema requires and every finding is named
/// by: an empty or blank one is an error, so the record is unreadable.
fn record_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let id = String::deserialize(deserializer)?;
    if id.trim().is_empty() {
        return Err(serde::de::Error::custom("the record's id is empty"));
    }
    Ok(id)
}

/// The few fields needed to index a record, read without building the rest.
#[derive(Debug, Deserialize)]
pub(crate) struct IndexView {
    #[serde(deserialize_with = "record_id")]
    pub id: String,
    #[serde(default)]
    pub modified: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub affected: Vec<IndexAffected>,
}

/// `affected[].package` as the index needs it.
#[derive(Debug, Deserialize)]
pub(crate) struct IndexAffected {
    #[serde(default)]
    pub package: Option<AffectedPackage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_read_as_empty_lists() {
        let osv = Osv::from_slice(
            br#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","aliases":null,
                 "affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":null,
                 "versions":["1.0.0"]}]}"#,
        )
        .unwrap();
        assert!(osv.aliases.is_empty());
        assert_eq!(osv.affected[0].versions, vec!["1.0.0".to_string()]);
        assert!(osv.affected[0].ranges.is_empty());
        assert!(!osv.is_withdrawn());
        assert_eq!(osv.ids().collect::<Vec<_>>(), vec!["X-1"]);
    }

    /// Found by the `osv` fuzz target: a record with `"id": ""` and no alias
    /// reached the matcher, which names a finding by its first id and panicked.
    #[test]
    fn a_record_without_an_id_is_refused_by_both_readers() {
        for id in ["\"\"", "\"  \""] {
            let json = format!(
                r#"{{"id":{id},"affected":[{{"package":{{"ecosystem":"npm","name":"a"}},
                   "versions":["1.0.0"]}}]}}"#
            );
            let err = Osv::from_slice(json.as_bytes()).unwrap_err();
            assert!(
                err.to_string().contains("the record's id is empty"),
                "{err}"
            );
            let err = serde_json::from_str::<IndexView>(&json).unwrap_err();
            assert!(
                err.to_string().contains("the record's id is empty"),
                "{err}"
            );
        }
    }
}
