//! `yarn.lock`: the classic (v1) custom format and the berry (v2+) YAML format,
//! told apart by berry's `__metadata` block. Neither records install paths or
//! development-only status; the latter is worked out from the project's
//! `package.json` and the lockfile's dependency edges.
//!
//! Both are read as they inflate, never held whole: berry as a stream of YAML
//! events ([`berry`]), classic line by line ([`classic`]). Each entry is
//! taken from the artifact's package quota as it is met, so a lockfile of a
//! million entries stops at the package limit, holding no more than it.

mod berry;
mod classic;

use super::package_json::Declared;
use super::{lock_entry, split_at_version, unidentified};
use crate::extract::quota::FileQuota;
use crate::extract::{graph, ExtractError, Extracted};
use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::rc::Rc;

fn unreadable(e: std::io::Error) -> ExtractError {
    ExtractError::new(format!("cannot read: {e}"))
}

/// Protocols of packages that live inside the project rather than on a registry.
const LOCAL_PROTOCOLS: [&str; 5] = ["workspace:", "link:", "portal:", "file:", "exec:"];

/// The key of berry's metadata block, which is not a package.
const METADATA: &str = "__metadata";

/// One package block: the descriptors (`name@range`) it satisfies, the
/// package it resolves to, and the descriptors it depends on.
#[derive(Debug, Default)]
struct Entry {
    /// Where the entry is, for error messages (`line 12`, `entry "ms@npm:2.1.2"`).
    origin: String,
    descriptors: Vec<String>,
    /// Berry's `resolution`, when present.
    resolution: Option<String>,
    version: Option<String>,
    dependencies: Vec<Dependency>,
}

/// A dependency's name and range, as ids in the lockfile's [`Strings`].
type Dependency = (usize, usize);

/// The dependency names and ranges of a lockfile, each distinct text stored
/// once: the same few recur in every entry's dependency list, which would
/// otherwise be held as many times as it is listed.
#[derive(Debug, Default)]
struct Strings {
    ids: HashMap<Rc<str>, usize>,
    texts: Vec<Rc<str>>,
}

impl Strings {
    /// The id of `text`, stored on first use.
    fn id(&mut self, text: &str) -> usize {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.texts.len();
        let text: Rc<str> = Rc::from(text);
        self.texts.push(Rc::clone(&text));
        self.ids.insert(text, id);
        id
    }

    fn get(&self, id: usize) -> &str {
        &self.texts[id]
    }
}

/// What a reader hands to [`emit`]: the entries and the texts their
/// dependencies point into.
#[derive(Debug, Default)]
struct Lockfile {
    entries: Vec<Entry>,
    strings: Strings,
}

/// Parses either flavour of `yarn.lock`. `declared` is the project's manifest,
/// when there is one beside the lockfile. One odd entry is skipped with its
/// reason; only a file with no entry at all is an error.
#[cfg(test)]
fn parse(path: &str, text: &str, declared: Option<&Declared>) -> Result<Extracted, ExtractError> {
    let unlimited = crate::extract::quota::PackageQuota::unlimited();
    parse_within(
        path,
        &mut text.as_bytes(),
        declared,
        &FileQuota::new(&unlimited),
    )
}

/// Parses either flavour of `yarn.lock` as it is read: berry (whose first key
/// is `__metadata`) as a stream of YAML events; classic, and a berry file
/// whose metadata comes later (whose entries yarn writes in block style, one
/// field a line), line by line.
///
/// Entries are taken from `quota` as they are met: once it refuses one, no
/// later entry is built and the parse fails with the limit.
pub(super) fn parse_within(
    path: &str,
    input: &mut dyn BufRead,
    declared: Option<&Declared>,
    quota: &FileQuota,
) -> Result<Extracted, ExtractError> {
    let mut out = Extracted::default();
    let mut odd = |reason: String| out.skip(path, reason);
    let mut head = String::new();
    let berry_first = loop {
        let start = head.len();
        if input.read_line(&mut head).map_err(unreadable)? == 0 {
            break false;
        }
        if start == 0 && head.starts_with('\u{feff}') {
            head.drain(..'\u{feff}'.len_utf8());
        }
        let line = head[start..].trim_end();
        if !(line.is_empty() || line.starts_with('#')) {
            break line.strip_suffix(':') == Some(METADATA);
        }
    };
    let mut input = head.as_bytes().chain(input);
    let lock = if berry_first {
        berry::read(&mut input, &mut odd, quota)?
    } else {
        classic::read(&mut input, &mut odd, quota)?
    };
    emit(&lock, path, declared, out)
}

/// The package a descriptor such as `"lodash@^4.17.15"` or
/// `"sw@npm:string-width@^4.2.0"` (an alias) resolves to, and its range.
/// A header without `@range` (`nameonly:`, written by some tools) is the name
/// alone, with an empty range.
fn descriptor_target(descriptor: &str) -> Option<(&str, &str)> {
    let descriptor = descriptor.trim().trim_matches('"');
    let Some((name, range)) = split_at_version(descriptor) else {
        let bare = !descriptor.contains(char::is_whitespace)
            && match descriptor.strip_prefix('@') {
                Some(scoped) => scoped
                    .split_once('/')
                    .is_some_and(|(scope, name)| !scope.is_empty() && !name.is_empty()),
                None => !descriptor.is_empty(),
            };
        return bare.then_some((descriptor, ""));
    };
    match range.strip_prefix("npm:").and_then(split_at_version) {
        Some(aliased) => Some(aliased),
        None => Some((name, range.strip_prefix("npm:").unwrap_or(range))),
    }
}

fn is_local(range: &str) -> bool {
    LOCAL_PROTOCOLS.iter().any(|p| range.starts_with(p))
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches('"')
}

/// The descriptors of an entry's key (`"a@^1.0.0, a@^1.1.0"`).
fn descriptors(key: &str) -> Vec<String> {
    key.split(',').map(|d| unquote(d).to_string()).collect()
}

/// Turns entries into packages, marking as `dev` those the project's runtime
/// dependencies do not reach (when the project's manifest is known).
fn emit(
    lock: &Lockfile,
    path: &str,
    declared: Option<&Declared>,
    mut out: Extracted,
) -> Result<Extracted, ExtractError> {
    let entries = &lock.entries;
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        for d in &entry.descriptors {
            index.insert(d.as_str(), i);
        }
    }
    let lookup = |name: &str, range: &str| {
        index
            .get(format!("{name}@{range}").as_str())
            .or_else(|| index.get(format!("{name}@npm:{range}").as_str()))
            .copied()
    };
    // Each distinct dependency is looked up once, however often it is listed.
    let mut resolved: HashMap<Dependency, Option<usize>> = HashMap::new();
    let edges: Vec<Vec<usize>> = entries
        .iter()
        .map(|e| {
            e.dependencies
                .iter()
                .filter_map(|&(n, r)| {
                    *resolved
                        .entry((n, r))
                        .or_insert_with(|| lookup(lock.strings.get(n), lock.strings.get(r)))
                })
                .collect()
        })
        .collect();
    // A manifest whose dependencies the lockfile does not resolve is out of
    // step with it: then nothing is marked rather than everything.
    let runtime = declared.filter(|d| !d.workspaces).and_then(|d| {
        let roots: Vec<usize> = d.runtime.iter().filter_map(|(n, r)| lookup(n, r)).collect();
        (roots.len() == d.runtime.len()).then(|| graph::reachable(roots, &edges))
    });

    for (i, entry) in entries.iter().enumerate() {
        let descriptor = entry
            .resolution
            .as_deref()
            .or(entry.descriptors.first().map(String::as_str))
            .unwrap_or("");
        let Some((name, range)) = descriptor_target(descriptor) else {
            out.skip(
                path,
                format!(
                    "{}: {descriptor:?} is not a package descriptor; entry not read",
                    entry.origin
                ),
            );
            continue;
        };
        if is_local(range) {
            continue;
        }
        let raw = entry.version.as_deref().unwrap_or("");
        let Some(mut found) = lock_entry(name, raw, path) else {
            out.skip(
                path,
                unidentified(name, "no version in yarn.lock entry", raw),
            );
            continue;
        };
        if runtime.as_ref().is_some_and(|r| !r[i]) {
            found = found.scope("dev");
        }
        out.packages.push(found);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
