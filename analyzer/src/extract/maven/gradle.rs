//! `gradle.lockfile` (Gradle dependency locking): one
//! `group:artifact:version=configuration,...` line per locked module.

use crate::ecosystem::Ecosystem;
use crate::extract::{ExtractError, Extracted};
use crate::package::{EvidenceKind, Found};

/// Parses a gradle.lockfile at `path`. Modules locked only in test
/// configurations get the scope `test`.
pub fn parse(path: &str, text: &str) -> Result<Extracted, ExtractError> {
    let mut out = Extracted::default();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
            continue;
        }
        let (coordinates, configurations) = line.split_once('=').unwrap_or((line, ""));
        let parts: Vec<&str> = coordinates.split(':').collect();
        let [group, artifact, version] = parts.as_slice() else {
            out.skip(
                path,
                format!(
                    "line {}: {coordinates:?} is not group:artifact:version",
                    number + 1
                ),
            );
            continue;
        };
        if [group, artifact, version].iter().any(|p| p.is_empty()) {
            out.skip(
                path,
                format!("line {}: empty coordinate in {coordinates:?}", number + 1),
            );
            continue;
        }
        let mut found = Found::new(
            Ecosystem::Maven,
            format!("{group}:{artifact}"),
            *version,
            path,
            EvidenceKind::Lockfile,
        );
        let mut configs = configurations
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .peekable();
        if configs.peek().is_some() && configs.all(|c| c.to_ascii_lowercase().contains("test")) {
            found = found.scope("test");
        }
        out.packages.push(found);
    }
    if out.packages.is_empty() && !out.skipped.is_empty() {
        return Err(ExtractError::new(
            "not a gradle.lockfile: no group:artifact:version=... line",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::rows;

    const LOCK: &str = "\
# This is a Gradle generated file for dependency locking.
# Manual edits can break the build and are not advised.
# This file is expected to be part of source control.
com.amazonaws:aws-lambda-java-core:1.2.2=compileClasspath,runtimeClasspath
com.fasterxml.jackson.core:jackson-databind:2.14.0=runtimeClasspath
junit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath
broken-line=runtimeClasspath
empty=annotationProcessor
";

    #[test]
    fn parses_lines_and_test_scope() {
        let out = parse("gradle.lockfile", LOCK).unwrap();
        let got = rows!(out.packages; name, version, scope);
        assert_eq!(
            got,
            vec![
                ("com.amazonaws:aws-lambda-java-core", "1.2.2", None),
                (
                    "com.fasterxml.jackson.core:jackson-databind",
                    "2.14.0",
                    None
                ),
                ("junit:junit", "4.13.2", Some("test")),
            ]
        );
        assert!(out
            .packages
            .iter()
            .all(|f| f.evidence == EvidenceKind::Lockfile));
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(
            out.skipped[0].reason,
            "line 7: \"broken-line\" is not group:artifact:version"
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse("gradle.lockfile", "hello world\nfoo\n").is_err());
        assert_eq!(
            parse("gradle.lockfile", "# only comments\n").unwrap(),
            Extracted::default()
        );
    }
}
