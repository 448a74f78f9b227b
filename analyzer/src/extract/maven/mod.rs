//! Java (Maven): pom.properties inside jars (nested jars included), the jar
//! manifest as a fallback for jars without one, a project's pom.xml, and
//! gradle.lockfile.
//!
//! Which pom.properties is the function's own (a root) is decided in
//! [`MavenExtractor::reconcile`], among the pom.properties at the top level of
//! the artifact (`META-INF/maven/...` of a deployed jar or of an unpacked one);
//! pom.properties inside nested jars are always dependencies. The rule, first
//! match wins:
//! 1. the one whose artifactId (and version, when given) equals the top-level
//!    manifest's `Implementation-Title` (`Implementation-Version`), which Maven's
//!    archiver and Spring Boot write for the project being packaged;
//! 2. the only one whose groupId is the package prefix of the manifest's
//!    `Start-Class` (Spring Boot) or `Main-Class`: shaded dependencies do not
//!    own the entry point;
//! 3. the only one there is, unless the manifest names a different title: Maven
//!    writes the project's own pom.properties into every jar it builds, so a jar
//!    with a single one describes itself, while a shaded jar has several.
//!
//! Otherwise none is a root: reporting the function as a dependency costs a
//! spurious entry, reporting a dependency as the root would hide it from matching.

pub mod gradle;
pub mod manifest;
pub mod pom_properties;
pub mod pom_xml;

use crate::archive::{is_archive_name, ArchiveTree, FileEntry, NESTED_SEPARATOR};
use crate::ecosystem::Ecosystem;
use crate::extract::{utf8, ExtractError, Extracted, Extractor};
use crate::package::{EvidenceKind, Found, Role};
use std::collections::BTreeSet;

/// Inner path of a jar's manifest.
pub const MANIFEST_PATH: &str = "META-INF/MANIFEST.MF";

/// Start of the skipped reason for jars that neither pom.properties nor the
/// manifest identify.
pub const UNIDENTIFIED_JAR: &str = "jar without pom.properties; could not identify";

/// Reads Maven evidence: pom.properties, MANIFEST.MF, pom.xml, gradle.lockfile.
pub struct MavenExtractor;

/// The file kinds this extractor reads.
enum Kind {
    PomProperties,
    Manifest,
    PomXml,
    GradleLock,
}

fn kind(file: &FileEntry) -> Option<Kind> {
    let inner = file.inner_path();
    let name = file.file_name();
    if pom_properties::path_coordinates(inner).is_some() {
        Some(Kind::PomProperties)
    } else if inner == MANIFEST_PATH {
        Some(Kind::Manifest)
    } else if inside_jar(file) || inner.starts_with("META-INF/") {
        // A jar's own pom.xml (next to its pom.properties, or in a library jar)
        // lists what that library declares, not what is deployed.
        None
    } else if name == "pom.xml" {
        Some(Kind::PomXml)
    } else if name == "gradle.lockfile"
        || (name.ends_with(".lockfile") && file.path.contains("gradle/dependency-locks/"))
    {
        Some(Kind::GradleLock)
    } else {
        None
    }
}

/// True when any archive enclosing the file is a jar (zips nested in zips are
/// whole function packages and are read like the artifact itself).
fn inside_jar(file: &FileEntry) -> bool {
    if file.depth == 0 {
        return false;
    }
    let containers = file.path.split(NESTED_SEPARATOR);
    let count = file.path.matches(NESTED_SEPARATOR).count();
    containers.take(count).any(is_jar_path)
}

/// The jar a file belongs to: its container, or `"."` for the artifact itself.
fn jar_of(file: &FileEntry) -> &str {
    match file.container_path() {
        "" => ".",
        c => c,
    }
}

fn is_jar_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    is_archive_name(path) && !lower.ends_with(".zip") && !lower.ends_with(".egg")
}

impl Extractor for MavenExtractor {
    fn name(&self) -> &'static str {
        "maven"
    }

    fn wants(&self, file: &FileEntry) -> bool {
        kind(file).is_some()
    }

    fn extract(
        &self,
        file: &FileEntry,
        bytes: &[u8],
        tree: &ArchiveTree,
    ) -> Result<Extracted, ExtractError> {
        match kind(file) {
            Some(Kind::PomProperties) => Ok(read_pom_properties(file, bytes)),
            Some(Kind::Manifest) => Ok(read_manifest(file, bytes, tree)),
            Some(Kind::PomXml) => pom_xml::parse(&file.path, utf8(bytes)?),
            Some(Kind::GradleLock) => gradle::parse(&file.path, utf8(bytes)?),
            None => Ok(Extracted::default()),
        }
    }

    /// Drops manifest guesses for jars that have pom.properties, and marks the
    /// artifact's own pom.properties as the root (see the module docs).
    fn reconcile(&self, mut extracted: Extracted, tree: &ArchiveTree) -> Extracted {
        let with_pom: BTreeSet<String> = extracted
            .packages
            .iter()
            .filter(|f| f.evidence == EvidenceKind::Installed)
            .filter_map(|f| f.install_path.clone())
            .collect();
        extracted.packages.retain(|f| {
            f.evidence != EvidenceKind::Heuristic
                || f.install_path
                    .as_ref()
                    .is_none_or(|j| !with_pom.contains(j))
        });
        extracted
            .skipped
            .retain(|s| !(s.reason.starts_with(UNIDENTIFIED_JAR) && with_pom.contains(&s.path)));
        mark_root(&mut extracted.packages, tree);
        extracted
    }
}

/// Version text of pom.properties is ISO-8859-1 by specification; decoding
/// lossily keeps the ASCII coordinates intact either way.
fn read_pom_properties(file: &FileEntry, bytes: &[u8]) -> Extracted {
    let mut out = Extracted::default();
    let Some(from_path) = pom_properties::path_coordinates(file.inner_path()) else {
        return out;
    };
    let text = String::from_utf8_lossy(bytes);
    match pom_properties::coordinates(&text, from_path) {
        Ok(c) => out.packages.push(
            Found::new(
                Ecosystem::Maven,
                c.name(),
                c.version,
                &file.path,
                EvidenceKind::Installed,
            )
            .installed_at(jar_of(file)),
        ),
        Err(reason) => out.skip(&file.path, reason),
    }
    out
}

fn read_manifest(file: &FileEntry, bytes: &[u8], tree: &ArchiveTree) -> Extracted {
    let mut out = Extracted::default();
    let jar = jar_of(file);
    let artifact_is_jar = tree.jars.iter().any(|j| j.path == ".");
    if (jar == "." && !artifact_is_jar) || (jar != "." && !is_jar_path(jar)) {
        return out;
    }
    let parsed = manifest::parse(&String::from_utf8_lossy(bytes));
    let jar_path = if jar == "." { tree.name.as_str() } else { jar };
    let file_name = jar_path.rsplit(['/', '\\']).next().unwrap_or(jar_path);
    let guesses = match manifest::guess_with_file_name(&parsed, file_name) {
        Some(g) => vec![g],
        None => manifest::guess(&parsed),
    };
    if guesses.is_empty() {
        out.skip(jar, unidentified_reason(&parsed));
        return out;
    }
    for g in guesses {
        let found = Found::new(
            Ecosystem::Maven,
            g.name(),
            g.version.clone(),
            &file.path,
            EvidenceKind::Heuristic,
        )
        .installed_at(jar)
        .note(format!(
            "jar has no pom.properties; coordinates guessed from MANIFEST.MF {}",
            g.fields
        ));
        // A deployed jar without pom.properties still describes the function itself.
        out.packages
            .push(if jar == "." { found.root() } else { found });
    }
    out
}

fn unidentified_reason(parsed: &manifest::Manifest) -> String {
    let named: Vec<String> = std::iter::once(&parsed.main)
        .chain(&parsed.entries)
        .flat_map(|s| {
            [
                "Implementation-Title",
                "Implementation-Version",
                "Bundle-SymbolicName",
                "Bundle-Version",
            ]
            .into_iter()
            .filter_map(move |k| s.get(k).map(|v| format!("{k}: {v}")))
        })
        .collect();
    if named.is_empty() {
        format!("{UNIDENTIFIED_JAR} (MANIFEST.MF names no title, symbolic name or version)")
    } else {
        format!(
            "{UNIDENTIFIED_JAR} (MANIFEST.MF gives no groupId; it says {})",
            named.join(", ")
        )
    }
}

/// The groupId and artifactId of a Maven package name (`g:a`).
fn coordinates_of(found: &Found) -> Option<(&str, &str)> {
    found.name.split_once(':')
}

/// Applies the root rule of the module docs to the top-level pom.properties.
fn mark_root(packages: &mut [Found], tree: &ArchiveTree) {
    let candidates: Vec<usize> = packages
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.evidence == EvidenceKind::Installed
                && f.ecosystem == Ecosystem::Maven
                && !f.path.contains(NESTED_SEPARATOR)
        })
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        return;
    }
    let manifest = tree
        .get(MANIFEST_PATH)
        .and_then(|f| tree.read(f).ok())
        .map(|b| manifest::parse(&String::from_utf8_lossy(&b)))
        .unwrap_or_default();
    let title = manifest.main.get("Implementation-Title").map(str::trim);
    let version = manifest.main.get("Implementation-Version").map(str::trim);
    let entry = manifest
        .main
        .get("Start-Class")
        .or_else(|| manifest.main.get("Main-Class"))
        .map(str::trim);

    let only = |pred: &dyn Fn(&Found) -> bool| -> Option<usize> {
        let mut hits = candidates.iter().copied().filter(|&i| pred(&packages[i]));
        match (hits.next(), hits.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        }
    };
    let by_title = title.and_then(|t| {
        only(&|f| {
            coordinates_of(f).is_some_and(|(_, a)| a == t) && version.is_none_or(|v| v == f.version)
        })
        .map(|i| {
            (
                i,
                "its artifactId matches the manifest's Implementation-Title",
            )
        })
    });
    let by_entry = || {
        entry.and_then(|class| {
            only(&|f| {
                coordinates_of(f)
                    .is_some_and(|(g, _)| class.strip_prefix(g).is_some_and(|r| r.starts_with('.')))
            })
            .map(|i| {
                (
                    i,
                    "its groupId is the package of the manifest's entry point",
                )
            })
        })
    };
    let single = || {
        let contradicted = title.is_some_and(|t| {
            candidates
                .iter()
                .all(|&i| coordinates_of(&packages[i]).is_none_or(|(_, a)| a != t))
        });
        (candidates.len() == 1 && !contradicted).then(|| {
            (
                candidates[0],
                "the only pom.properties of the artifact itself",
            )
        })
    };
    if let Some((i, why)) = by_title.or_else(by_entry).or_else(single) {
        let f = &mut packages[i];
        f.role = Role::Root;
        f.note = Some(format!("the function's own artifact: {why}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::scan_tree;
    use crate::extract::testutil::{open, zip};

    fn scan(name: &str, bytes: Vec<u8>) -> crate::extract::ArtifactScan {
        scan_tree(&open(name, bytes), &[Box::new(MavenExtractor)])
    }

    fn summary(scan: &crate::extract::ArtifactScan) -> Vec<(&str, &str, EvidenceKind, Role)> {
        scan.packages
            .iter()
            .map(|f| (f.name.as_str(), f.version.as_str(), f.evidence, f.role))
            .collect()
    }

    const VENDOR_MANIFEST: &[u8] =
        b"Manifest-Version: 1.0\nImplementation-Title: util\nImplementation-Version: 1.0\n\
          Implementation-Vendor-Id: org.example\n";

    #[test]
    fn function_zip_with_project_files_and_jars() {
        let with_pom = zip(&[
            ("META-INF/MANIFEST.MF", VENDOR_MANIFEST),
            (
                "META-INF/maven/org.example/util/pom.properties",
                b"version=1.0.1\n",
            ),
            ("META-INF/maven/org.example/util/pom.xml", b"<project/>"),
            ("pom.xml", b"<project/>"),
        ]);
        let without_pom = zip(&[("META-INF/MANIFEST.MF", VENDOR_MANIFEST)]);
        let artifact = zip(&[
            ("lib/util.jar", &with_pom),
            ("lib/other.jar", &without_pom),
            (
                "lib/empty.jar",
                &zip(&[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n")]),
            ),
            (
                "pom.xml",
                b"<project><groupId>g</groupId><artifactId>fn</artifactId><version>3</version>\
                  <dependencies><dependency><groupId>org.example</groupId>\
                  <artifactId>util</artifactId><version>1.0.1</version></dependency>\
                  </dependencies></project>",
            ),
            (
                "gradle.lockfile",
                b"org.example:util:1.0.1=runtimeClasspath\n",
            ),
        ]);
        let scan = scan("fn.zip", artifact);
        assert_eq!(scan.warnings, vec![]);
        assert_eq!(
            summary(&scan),
            vec![
                ("g:fn", "3", EvidenceKind::Declared, Role::Root),
                (
                    "org.example:util",
                    "1.0",
                    EvidenceKind::Heuristic,
                    Role::Dependency
                ),
                (
                    "org.example:util",
                    "1.0.1",
                    EvidenceKind::Lockfile,
                    Role::Dependency
                ),
                (
                    "org.example:util",
                    "1.0.1",
                    EvidenceKind::Installed,
                    Role::Dependency
                ),
                (
                    "org.example:util",
                    "1.0.1",
                    EvidenceKind::Declared,
                    Role::Dependency
                ),
            ]
        );
        assert_eq!(
            scan.packages[1].install_path.as_deref(),
            Some("lib/other.jar")
        );
        assert_eq!(
            scan.packages[3].install_path.as_deref(),
            Some("lib/util.jar")
        );
        assert_eq!(scan.skipped.len(), 1);
        assert_eq!(scan.skipped[0].path, "lib/empty.jar");
        assert_eq!(
            scan.skipped[0].reason,
            format!("{UNIDENTIFIED_JAR} (MANIFEST.MF names no title, symbolic name or version)")
        );
        let read = &scan.read[0].files;
        assert!(!read
            .iter()
            .any(|p| p.contains("util.jar!/META-INF/maven/org.example/util/pom.xml")));
        assert!(!read.iter().any(|p| p == "lib/util.jar!/pom.xml"));
    }

    #[test]
    fn root_by_entry_point_and_by_single_pom() {
        let shaded = zip(&[
            ("META-INF/MANIFEST.MF", b"Main-Class: com.acme.app.Main\n"),
            ("META-INF/maven/com.acme/app/pom.properties", b"version=2\n"),
            (
                "META-INF/maven/com.google.guava/guava/pom.properties",
                b"version=31.1-jre\n",
            ),
        ]);
        let scan1 = scan("app.jar", shaded);
        assert_eq!(
            summary(&scan1),
            vec![
                ("com.acme:app", "2", EvidenceKind::Installed, Role::Root),
                (
                    "com.google.guava:guava",
                    "31.1-jre",
                    EvidenceKind::Installed,
                    Role::Dependency
                ),
            ]
        );
        assert_eq!(
            scan1.packages[0].note.as_deref(),
            Some("the function's own artifact: its groupId is the package of the manifest's entry point")
        );

        let thin = zip(&[("META-INF/maven/com.acme/app/pom.properties", b"version=2\n")]);
        assert_eq!(
            summary(&scan("app.jar", thin)),
            vec![("com.acme:app", "2", EvidenceKind::Installed, Role::Root)]
        );

        // Two pom.properties and no manifest hint: neither is taken as the root.
        let ambiguous = zip(&[
            ("META-INF/maven/a/x/pom.properties", b"version=1\n"),
            ("META-INF/maven/b/y/pom.properties", b"version=1\n"),
        ]);
        assert!(scan("app.jar", ambiguous)
            .packages
            .iter()
            .all(|f| f.role == Role::Dependency));

        // A single pom.properties contradicted by the manifest title is a dependency.
        let shadow = zip(&[
            ("META-INF/MANIFEST.MF", b"Implementation-Title: app\n"),
            ("META-INF/maven/a/x/pom.properties", b"version=1\n"),
        ]);
        assert_eq!(
            summary(&scan("app.jar", shadow)),
            vec![("a:x", "1", EvidenceKind::Installed, Role::Dependency)]
        );
    }

    #[test]
    fn deployed_jar_without_pom_properties_is_a_heuristic_root() {
        let jar = zip(&[("META-INF/MANIFEST.MF", VENDOR_MANIFEST)]);
        assert_eq!(
            summary(&scan("util.jar", jar)),
            vec![(
                "org.example:util",
                "1.0",
                EvidenceKind::Heuristic,
                Role::Root
            )]
        );
        // A zip's top-level manifest is not a jar's.
        let zip_artifact = zip(&[("META-INF/MANIFEST.MF", VENDOR_MANIFEST)]);
        assert_eq!(summary(&scan("fn.zip", zip_artifact)), vec![]);
    }

    #[test]
    fn broken_files_become_warnings_or_skips() {
        let artifact = zip(&[
            ("pom.xml", b"<project><dependencies>"),
            (
                "lib/a.jar",
                &zip(&[("META-INF/maven/g/a/pom.properties", b"groupId=g\n")]),
            ),
        ]);
        let scan = scan("fn.zip", artifact);
        assert_eq!(scan.warnings.len(), 1);
        assert_eq!(scan.warnings[0].path, "pom.xml");
        assert!(
            scan.warnings[0].message.starts_with("maven: invalid XML"),
            "{}",
            scan.warnings[0].message
        );
        assert_eq!(scan.skipped.len(), 1);
        assert_eq!(scan.skipped[0].reason, "pom.properties has no version");
    }
}
