//! yarn berry (v2+) `yarn.lock`: a YAML map from `"desc, desc"` to
//! `{version, resolution, ...}`; `resolution` names the package actually
//! installed (`name@npm:1.2.3`, `name@patch:name@npm%3A1.2.3#...`,
//! `name@workspace:.`). Read as a stream of YAML events, keeping only each
//! entry's version, resolution and dependency sections.

use super::{descriptors, Entry, Lockfile, Strings, METADATA};
use crate::extract::quota::FileQuota;
use crate::extract::yaml::{self, EntryKeys, Mapping, Value};
use crate::extract::ExtractError;
use std::io::BufRead;

/// What the inventory reads of a berry lockfile: each entry's version,
/// resolution and dependency sections.
fn kept(path: &[&str]) -> bool {
    match path {
        [_, field] => matches!(
            *field,
            "version" | "resolution" | "dependencies" | "optionalDependencies"
        ),
        _ => true,
    }
}

fn scalar(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `name: range` pairs of a berry dependency section, as ids in `strings`.
fn dependencies(entry: &Mapping, section: &str, strings: &mut Strings) -> Vec<(usize, usize)> {
    entry
        .get(section)
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(name, range)| {
            let range = scalar(Some(range))?;
            Some((strings.id(name.as_str()?), strings.id(&range)))
        })
        .collect()
}

/// Reads a berry lockfile from `input`, each entry taken from `quota` as it
/// is met: once it refuses one, no later entry is built and the read fails
/// with the limit. An entry that is not a mapping is skipped through `odd`.
pub(super) fn read(
    input: &mut dyn BufRead,
    odd: &mut dyn FnMut(String),
    quota: &FileQuota,
) -> Result<Lockfile, ExtractError> {
    let keys = EntryKeys::default();
    let keep = |path: &[&str]| {
        if let [key] = path {
            if keys.is_new(key) && *key != METADATA && quota.take_one().is_err() {
                return false;
            }
        }
        !quota.stopped() && kept(path)
    };
    let lock = yaml::parse_pruned(input, &keep, &kept)?;
    if let Some(reached) = quota.reached() {
        return Err(ExtractError::new(reached.to_string()));
    }
    let Value::Mapping(map) = lock else {
        return Err(ExtractError::new("yarn.lock is not a YAML mapping"));
    };
    let mut out = Lockfile::default();
    for (key, entry) in &map {
        let Some(key) = key.as_str() else { continue };
        if key == METADATA {
            continue;
        }
        let Value::Mapping(entry) = entry else {
            odd(format!("{key:?}: entry is not a mapping; not read"));
            continue;
        };
        let mut listed = dependencies(entry, "dependencies", &mut out.strings);
        listed.extend(dependencies(
            entry,
            "optionalDependencies",
            &mut out.strings,
        ));
        out.entries.push(Entry {
            origin: format!("entry {key:?}"),
            descriptors: descriptors(key),
            resolution: scalar(entry.get("resolution")),
            version: scalar(entry.get("version")),
            dependencies: listed,
        });
    }
    Ok(out)
}
