//! Bundler's `Gemfile.lock` (also `gems.locked`): the `GEM` source sections'
//! specs (`    name (version)` or `    name (version-platform)`) are packages;
//! gems from `GIT` and `PATH` sources are not rubygems.org releases, so they
//! are listed as skipped (named, with their source), never matched by version.

use crate::ecosystem::Ecosystem;
use crate::extract::Extracted;
use crate::package::{EvidenceKind, Found};

/// Which kind of source section a line belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Gem,
    Git,
    Path,
    Other,
}

/// Parses one lockfile at `path`.
pub fn parse(path: &str, text: &str) -> Extracted {
    let mut out = Extracted::default();
    let mut section = Section::Other;
    let mut remote = String::new();
    let mut revision = String::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if !line.starts_with(' ') {
            section = match line.trim() {
                "GEM" => Section::Gem,
                "GIT" => Section::Git,
                "PATH" => Section::Path,
                _ => Section::Other,
            };
            remote.clear();
            revision.clear();
            continue;
        }
        if section == Section::Other {
            continue;
        }
        if let Some(value) = line.strip_prefix("  remote: ") {
            remote = value.trim().to_string();
            continue;
        }
        if let Some(value) = line.strip_prefix("  revision: ") {
            revision = value.trim().to_string();
            continue;
        }
        // Specs are indented by exactly four spaces; their dependencies by six.
        let Some(spec) = line.strip_prefix("    ").filter(|s| !s.starts_with(' ')) else {
            continue;
        };
        let Some((name, version, platform)) = spec_line(spec) else {
            out.skip(path, format!("unreadable spec line `{spec}`"));
            continue;
        };
        match section {
            Section::Gem => {
                let mut found = Found::new(
                    Ecosystem::RubyGems,
                    name,
                    version,
                    path,
                    EvidenceKind::Lockfile,
                );
                if let Some(platform) = platform {
                    found = found.note(format!("platform {platform}"));
                }
                out.packages.push(found);
            }
            Section::Git => out.skip(
                path,
                format!(
                    "{name} {version}: from git {remote}{}, not a rubygems.org release; not matched",
                    if revision.is_empty() {
                        String::new()
                    } else {
                        format!(" at {revision}")
                    }
                ),
            ),
            Section::Path => out.skip(
                path,
                format!("{name} {version}: from the local path {remote}, not a rubygems.org release; not matched"),
            ),
            Section::Other => {}
        }
    }
    out
}

/// `name (version)` or `name (version-platform)`; Bundler writes versions
/// without `-`, so the first `-` starts the platform.
fn spec_line(spec: &str) -> Option<(&str, &str, Option<&str>)> {
    let (name, rest) = spec.split_once(" (")?;
    let inner = rest.strip_suffix(')')?;
    let (version, platform) = match inner.split_once('-') {
        Some((version, platform)) => (version, Some(platform)),
        None => (inner, None),
    };
    (!name.is_empty() && !version.is_empty()).then_some((name, version, platform))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::{rows, skips};

    const LOCK: &str = "GIT\n  remote: https://github.com/org/tool.git\n  revision: 0123abcd\n  specs:\n    tool (0.3.0)\n      rack (>= 2)\n\n\
        PATH\n  remote: engines/billing\n  specs:\n    billing (1.0.0)\n\n\
        GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.15.4-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.7.1)\n    rack (2.2.22)\n\n\
        PLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n  tool!\n\nBUNDLED WITH\n   2.4.19\n";

    #[test]
    fn gem_specs_are_packages_git_and_path_are_coverage() {
        let out = parse("Gemfile.lock", LOCK);
        assert_eq!(
            rows!(out.packages; name, version, note),
            vec![
                ("nokogiri", "1.15.4", Some("platform x86_64-linux")),
                ("racc", "1.7.1", None),
                ("rack", "2.2.22", None),
            ]
        );
        assert!(out
            .packages
            .iter()
            .all(|f| f.evidence == EvidenceKind::Lockfile));
        assert_eq!(
            skips(&out.skipped),
            vec![
                (
                    "Gemfile.lock",
                    "tool 0.3.0: from git https://github.com/org/tool.git at 0123abcd, not a \
                     rubygems.org release; not matched"
                ),
                (
                    "Gemfile.lock",
                    "billing 1.0.0: from the local path engines/billing, not a rubygems.org \
                     release; not matched"
                ),
            ]
        );
    }

    #[test]
    fn crlf_and_garbage() {
        let out = parse(
            "Gemfile.lock",
            "GEM\r\n  specs:\r\n    rack (2.2.22)\r\n    broken\r\n",
        );
        assert_eq!(rows!(out.packages; name, version), vec![("rack", "2.2.22")]);
        assert_eq!(
            skips(&out.skipped),
            vec![("Gemfile.lock", "unreadable spec line `broken`")]
        );
    }
}
