//! Declared pins and lockfile entries checked against the installed metadata
//! beside them (same artifact, same nested archive). Equivalent versions need
//! nothing here: they merge into the installed package. A pin whose version
//! differs stays a separate package, with a note saying what is installed, and
//! a pin of something not installed at all (where other packages are) says so.
//! A `~=X` pin satisfied by the installed version takes that version, so that
//! it merges: X was only a lower bound.

use super::{container_of, file_name_of, requirements};
use crate::extract::Extracted;
use crate::{Ecosystem, EvidenceKind, Found, Role};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

fn key(f: &Found) -> (&str, String) {
    (
        container_of(&f.path),
        Ecosystem::PyPI.normalize_name(&f.name),
    )
}

fn add_note(found: &mut Found, note: String) {
    found.note = Some(match found.note.take() {
        Some(existing) => format!("{note}; {existing}"),
        None => note,
    });
}

/// For a `~=X` pin, the installed version that satisfies it, if any: the pin
/// then stands for that version (X was only its lower bound).
fn satisfied_compatible_pin(
    found: &Found,
    installed: &BTreeSet<(String, String)>,
) -> Option<String> {
    let lower = requirements::compatible_pin(found)?;
    let spec = pep440_rs::VersionSpecifier::from_str(&format!("~={lower}")).ok()?;
    installed
        .iter()
        .map(|(_, v)| v)
        .find(|v| pep440_rs::Version::from_str(v).is_ok_and(|v| spec.contains(&v)))
        .cloned()
}

/// Adds the mismatch notes described in the module documentation.
pub(crate) fn note_mismatches(mut extracted: Extracted) -> Extracted {
    let mut installed: HashMap<(String, String), BTreeSet<(String, String)>> = HashMap::new();
    let mut containers_with_installed: HashSet<String> = HashSet::new();
    for f in extracted
        .packages
        .iter()
        .filter(|f| f.evidence == EvidenceKind::Installed)
    {
        let (container, name) = key(f);
        containers_with_installed.insert(container.to_string());
        installed
            .entry((container.to_string(), name))
            .or_default()
            .insert((
                crate::version::equivalence_key(Ecosystem::PyPI, &f.version),
                f.version.trim().to_string(),
            ));
    }
    for f in extracted.packages.iter_mut().filter(|f| {
        f.role == Role::Dependency
            && matches!(f.evidence, EvidenceKind::Declared | EvidenceKind::Lockfile)
    }) {
        let (container, name) = key(f);
        let container = container.to_string();
        let file = file_name_of(&f.path).to_string();
        let note = match installed.get(&(container.clone(), name)) {
            Some(versions) => {
                if let Some(version) = satisfied_compatible_pin(f, versions) {
                    let rest = f
                        .note
                        .as_deref()
                        .and_then(|n| n.split_once("; "))
                        .map(|(_, r)| r);
                    let pin = format!(
                        "{file} pins ~={}, satisfied by the installed {version}",
                        f.version
                    );
                    f.note = Some(match rest {
                        Some(rest) => format!("{pin}; {rest}"),
                        None => pin,
                    });
                    f.version = version;
                    continue;
                }
                let wanted = crate::version::equivalence_key(Ecosystem::PyPI, &f.version);
                if versions.iter().any(|(k, _)| *k == wanted) {
                    continue;
                }
                let have: Vec<&str> = versions.iter().map(|(_, v)| v.as_str()).collect();
                format!(
                    "{file} pins {} {} but {} is installed",
                    f.name,
                    f.version,
                    have.join(", ")
                )
            }
            None if containers_with_installed.contains(&container) => {
                format!(
                    "{file} pins {} {} but it is not installed here",
                    f.name, f.version
                )
            }
            None => continue,
        };
        add_note(f, note);
    }
    extracted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::rows;
    use crate::inventory::{merge, Sighting};

    fn found(name: &str, version: &str, path: &str, evidence: EvidenceKind) -> Found {
        Found::new(Ecosystem::PyPI, name, version, path, evidence)
    }

    #[test]
    fn equivalent_pins_merge_and_differing_pins_are_noted() {
        let extracted = Extracted::packages(vec![
            found(
                "Django",
                "3.2",
                "Django-3.2.dist-info/METADATA",
                EvidenceKind::Installed,
            )
            .installed_at("Django-3.2.dist-info"),
            found(
                "django",
                "3.2.0",
                "requirements.txt",
                EvidenceKind::Declared,
            ),
            found(
                "PyYAML",
                "6.0.1",
                "PyYAML-6.0.1.dist-info/METADATA",
                EvidenceKind::Installed,
            ),
            found("pyyaml", "5.4", "requirements.txt", EvidenceKind::Declared),
            found("requests", "2.31.0", "poetry.lock", EvidenceKind::Lockfile),
            found(
                "rsa",
                "4.0",
                "w.zip!/rsa-4.0.dist-info/METADATA",
                EvidenceKind::Installed,
            ),
            found("rsa", "4.1", "requirements.txt", EvidenceKind::Declared),
            found("app", "1.0", "uv.lock", EvidenceKind::Lockfile).root(),
        ]);
        let done = note_mismatches(extracted);
        let notes = rows!(done.packages; name, note);
        assert_eq!(
            notes,
            vec![
                ("Django", None),
                ("django", None),
                ("PyYAML", None),
                (
                    "pyyaml",
                    Some("requirements.txt pins pyyaml 5.4 but 6.0.1 is installed")
                ),
                (
                    "requests",
                    Some("poetry.lock pins requests 2.31.0 but it is not installed here")
                ),
                ("rsa", None),
                (
                    "rsa",
                    Some("requirements.txt pins rsa 4.1 but it is not installed here")
                ),
                ("app", None),
            ]
        );
        let (deps, roots) = merge(
            done.packages
                .into_iter()
                .map(|f| Sighting::plain("f.zip", f))
                .collect(),
        );
        assert_eq!(roots.len(), 1);
        let merged: Vec<_> = deps
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.locations.len()))
            .collect();
        assert_eq!(
            merged,
            vec![
                ("Django", "3.2", 2),
                ("pyyaml", "5.4", 1),
                ("PyYAML", "6.0.1", 1),
                ("requests", "2.31.0", 1),
                ("rsa", "4.0", 1),
                ("rsa", "4.1", 1),
            ]
        );
    }

    #[test]
    fn compatible_pins_take_the_installed_version_that_satisfies_them() {
        use crate::extract::python::requirements::parse_line;
        use crate::extract::python::requirements::Entry;
        let pin = |line: &str| match parse_line(line).pop() {
            Some(Entry::Pinned(pin)) => pin.found("requirements.txt"),
            other => panic!("{other:?}"),
        };
        let extracted = Extracted::packages(vec![
            found(
                "boto3",
                "1.26.5",
                "boto3-1.26.5.dist-info/METADATA",
                EvidenceKind::Installed,
            ),
            pin("boto3~=1.26.0 ; python_version >= \"3.8\""),
            found(
                "attrs",
                "24.1.0",
                "attrs-24.1.0.dist-info/METADATA",
                EvidenceKind::Installed,
            ),
            pin("attrs~=23.1"),
        ]);
        let done = note_mismatches(extracted);
        let got: Vec<_> = done
            .packages
            .iter()
            .skip(1)
            .step_by(2)
            .map(|f| (f.version.as_str(), f.note.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "1.26.5",
                    Some("requirements.txt pins ~=1.26.0, satisfied by the installed 1.26.5; only installed when python_version >= \"3.8\"")
                ),
                (
                    "23.1",
                    Some("requirements.txt pins attrs 23.1 but 24.1.0 is installed; compatible-release pin ~=23.1: 23.1 is a lower bound, a newer compatible version may be installed")
                ),
            ]
        );
    }

    #[test]
    fn pins_without_any_installed_metadata_get_no_note() {
        let extracted = Extracted::packages(vec![found(
            "requests",
            "2.31.0",
            "requirements.txt",
            EvidenceKind::Declared,
        )
        .note("only installed when python_version < \"3.8\"")]);
        let done = note_mismatches(extracted.clone());
        assert_eq!(done, extracted);
        let with_other = Extracted::packages(vec![
            found(
                "six",
                "1.16.0",
                "six-1.16.0.dist-info/METADATA",
                EvidenceKind::Installed,
            ),
            found(
                "requests",
                "2.31.0",
                "requirements.txt",
                EvidenceKind::Declared,
            )
            .note("only installed when python_version < \"3.8\""),
        ]);
        let done = note_mismatches(with_other);
        assert_eq!(
            done.packages[1].note.as_deref(),
            Some("requirements.txt pins requests 2.31.0 but it is not installed here; only installed when python_version < \"3.8\"")
        );
    }
}
