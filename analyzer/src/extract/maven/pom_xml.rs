//! A project's `pom.xml`: the project's own coordinates (a root) and its
//! `<dependencies>` with literal versions. `${...}` placeholders are resolved
//! from the same pom only (`<properties>`, `project.version`, the parent's
//! version); versions left to a parent POM, a BOM or a range are reported as
//! skipped, never guessed.
//!
//! Dependencies declared only in a `<profile>` are read too (the build may
//! activate it; which one it did is not known here), each noted with its
//! profile. An element Maven does not know inside a `<dependency>` (a typo
//! such as `<verison>`) makes Maven refuse the POM: it is read past and named
//! in the coverage, never ignored silently.

use crate::ecosystem::Ecosystem;
use crate::extract::{ExtractError, Extracted};
use crate::package::{EvidenceKind, Found};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::BTreeMap;

/// How deep `${a}` → `${b}` → ... chains are followed.
const MAX_EXPANSIONS: usize = 16;

/// How deep elements may nest. Real POMs nest about ten levels (plugin
/// configuration included); the cap keeps the work per element constant, so a
/// hostile file nested a million deep is refused after reading a few bytes.
pub const MAX_ELEMENT_DEPTH: usize = 256;

#[derive(Default)]
struct Dependency {
    group_id: Option<String>,
    artifact_id: Option<String>,
    version: Option<String>,
    scope: Option<String>,
    optional: bool,
    /// The `<profile>` (index into [`Pom::profiles`]) declaring it, if any.
    profile: Option<usize>,
}

/// The elements Maven's POM model allows inside `<dependency>`.
const DEPENDENCY_ELEMENTS: [&str; 9] = [
    "groupId",
    "artifactId",
    "version",
    "type",
    "classifier",
    "scope",
    "systemPath",
    "exclusions",
    "optional",
];

#[derive(Default)]
struct Pom {
    group_id: Option<String>,
    artifact_id: Option<String>,
    version: Option<String>,
    parent_group_id: Option<String>,
    parent_version: Option<String>,
    properties: BTreeMap<String, String>,
    dependencies: Vec<Dependency>,
    managed: Vec<Dependency>,
    /// Each `<profile>`'s `<id>` (`None` until read, or when it has none).
    profiles: Vec<Option<String>>,
    /// Elements Maven would refuse, read past: (line, description).
    malformed: Vec<(usize, String)>,
}

/// Reads the element tree into a [`Pom`], keeping only the paths that matter.
fn read(text: &str) -> Result<Pom, ExtractError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut pom = Pom::default();
    let mut stack: Vec<String> = Vec::new();
    let mut text_buf = String::new();
    loop {
        match reader.read_event()? {
            Event::Start(e) => {
                if stack.len() == MAX_ELEMENT_DEPTH {
                    return Err(ExtractError::new(format!(
                        "invalid XML: elements nested deeper than {MAX_ELEMENT_DEPTH} levels (corrupt or hostile file); not read"
                    )));
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                stack.push(name);
                text_buf.clear();
                let path: Vec<&str> = stack.iter().map(String::as_str).collect();
                let profile = pom.profiles.len().checked_sub(1);
                match path.as_slice() {
                    ["project", "dependencies", "dependency"] => {
                        pom.dependencies.push(Dependency::default())
                    }
                    ["project", "dependencyManagement", "dependencies", "dependency"] => {
                        pom.managed.push(Dependency::default())
                    }
                    ["project", "profiles", "profile"] => pom.profiles.push(None),
                    ["project", "profiles", "profile", "dependencies", "dependency"] => {
                        pom.dependencies.push(Dependency {
                            profile,
                            ..Dependency::default()
                        })
                    }
                    ["project", "profiles", "profile", "dependencyManagement", "dependencies", "dependency"] => {
                        pom.managed.push(Dependency {
                            profile,
                            ..Dependency::default()
                        })
                    }
                    [.., "dependencies", "dependency", field]
                        if !DEPENDENCY_ELEMENTS.contains(field) =>
                    {
                        let line = line_at(text, reader.buffer_position());
                        pom.malformed.push((
                            line,
                            format!("unrecognised element <{field}> in a <dependency>"),
                        ));
                    }
                    _ => {}
                }
            }
            Event::Text(t) => text_buf.push_str(&t.unescape()?),
            Event::CData(c) => text_buf.push_str(&String::from_utf8_lossy(&c)),
            Event::End(_) => {
                let value = std::mem::take(&mut text_buf).trim().to_string();
                let path: Vec<&str> = stack.iter().map(String::as_str).collect();
                store(&mut pom, &path, value);
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(ExtractError::new(format!(
            "invalid XML: document ends inside <{}>",
            stack.join("><")
        )));
    }
    if pom.artifact_id.is_none() && pom.dependencies.is_empty() && pom.managed.is_empty() {
        return Err(ExtractError::new(
            "not a Maven POM: no <project> with <artifactId> or <dependencies>",
        ));
    }
    Ok(pom)
}

/// The 1-based line of byte `offset` in `text`.
fn line_at(text: &str, offset: u64) -> usize {
    let end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn store(pom: &mut Pom, path: &[&str], value: String) {
    let set = |slot: &mut Option<String>| *slot = Some(value.clone());
    match path {
        ["project", "profiles", "profile", "id"] => {
            if let Some(id) = pom.profiles.last_mut() {
                *id = Some(value);
            }
        }
        ["project", "profiles", "profile", "properties", key] => {
            pom.properties.entry((*key).to_string()).or_insert(value);
        }
        ["project", "profiles", "profile", "dependencies", "dependency", field] => {
            if let Some(d) = pom.dependencies.last_mut() {
                store_dependency(d, field, value);
            }
        }
        ["project", "profiles", "profile", "dependencyManagement", "dependencies", "dependency", field] => {
            if let Some(d) = pom.managed.last_mut() {
                store_dependency(d, field, value);
            }
        }
        ["project", "groupId"] => set(&mut pom.group_id),
        ["project", "artifactId"] => set(&mut pom.artifact_id),
        ["project", "version"] => set(&mut pom.version),
        ["project", "parent", "groupId"] => set(&mut pom.parent_group_id),
        ["project", "parent", "version"] => set(&mut pom.parent_version),
        ["project", "properties", key] => {
            pom.properties.insert((*key).to_string(), value);
        }
        ["project", "dependencies", "dependency", field] => {
            if let Some(d) = pom.dependencies.last_mut() {
                store_dependency(d, field, value);
            }
        }
        ["project", "dependencyManagement", "dependencies", "dependency", field] => {
            if let Some(d) = pom.managed.last_mut() {
                store_dependency(d, field, value);
            }
        }
        _ => {}
    }
}

fn store_dependency(d: &mut Dependency, field: &str, value: String) {
    match field {
        "groupId" => d.group_id = Some(value),
        "artifactId" => d.artifact_id = Some(value),
        "version" => d.version = Some(value),
        "scope" => d.scope = Some(value),
        "optional" => d.optional = value == "true",
        _ => {}
    }
}

impl Pom {
    fn builtin(&self, key: &str) -> Option<&str> {
        match key {
            "project.version" | "pom.version" | "version" => {
                self.version.as_deref().or(self.parent_version.as_deref())
            }
            "project.groupId" | "pom.groupId" | "groupId" => {
                self.group_id.as_deref().or(self.parent_group_id.as_deref())
            }
            "project.artifactId" | "pom.artifactId" | "artifactId" => self.artifact_id.as_deref(),
            "project.parent.version" | "parent.version" => self.parent_version.as_deref(),
            "project.parent.groupId" | "parent.groupId" => self.parent_group_id.as_deref(),
            _ => None,
        }
    }

    /// Expands `${...}` placeholders; `Err` names the first one left unresolved.
    fn resolve(&self, value: &str) -> Result<String, String> {
        let mut current = value.to_string();
        for _ in 0..MAX_EXPANSIONS {
            let Some(start) = current.find("${") else {
                return Ok(current);
            };
            let Some(len) = current[start..].find('}') else {
                return Err(current[start..].to_string());
            };
            let key = &current[start + 2..start + len];
            let replacement = self
                .properties
                .get(key)
                .map(String::as_str)
                .or_else(|| self.builtin(key))
                .ok_or_else(|| format!("${{{key}}}"))?;
            current = format!(
                "{}{}{}",
                &current[..start],
                replacement,
                &current[start + len + 1..]
            );
        }
        Err(current)
    }

    fn managed_version(&self, group: &str, artifact: &str) -> Option<&str> {
        self.managed
            .iter()
            .find(|m| {
                m.group_id
                    .as_deref()
                    .is_some_and(|g| self.resolve(g).is_ok_and(|g| g == group))
                    && m.artifact_id
                        .as_deref()
                        .is_some_and(|a| self.resolve(a).is_ok_and(|a| a == artifact))
            })
            .and_then(|m| m.version.as_deref())
    }
}

fn is_range(version: &str) -> bool {
    version.starts_with(['[', '(']) || version.contains(',')
}

/// Parses a pom.xml at `path` into the project's root package, its dependencies
/// with resolvable literal versions, and a skipped note for each other dependency.
pub fn parse(path: &str, text: &str) -> Result<Extracted, ExtractError> {
    let pom = read(text)?;
    let mut out = Extracted::default();
    for (line, what) in &pom.malformed {
        out.skip(
            path,
            format!("line {line}: {what}: Maven refuses this POM; the element was read past"),
        );
    }
    let own = (
        pom.builtin("project.groupId").map(|g| pom.resolve(g)),
        pom.artifact_id.as_deref().map(|a| pom.resolve(a)),
        pom.builtin("project.version").map(|v| pom.resolve(v)),
    );
    if let (Some(Ok(g)), Some(Ok(a)), Some(Ok(v))) = own {
        out.packages.push(
            Found::new(
                Ecosystem::Maven,
                format!("{g}:{a}"),
                v,
                path,
                EvidenceKind::Declared,
            )
            .root(),
        );
    }
    for d in &pom.dependencies {
        let (Some(g), Some(a)) = (d.group_id.as_deref(), d.artifact_id.as_deref()) else {
            out.skip(path, "pom.xml dependency without groupId or artifactId");
            continue;
        };
        let (g, a) = match (pom.resolve(g), pom.resolve(a)) {
            (Ok(g), Ok(a)) => (g, a),
            (Err(p), _) | (_, Err(p)) => {
                out.skip(
                    path,
                    format!("pom.xml dependency {g}:{a}: {p} is not defined in this pom"),
                );
                continue;
            }
        };
        let name = format!("{g}:{a}");
        let Some(raw) = d.version.as_deref().or_else(|| pom.managed_version(&g, &a)) else {
            out.skip(
                path,
                format!(
                    "pom.xml dependency {name} has no version here \
                     (managed by a parent POM or BOM)"
                ),
            );
            continue;
        };
        let version = match pom.resolve(raw) {
            Ok(v) => v,
            Err(p) => {
                out.skip(
                    path,
                    format!(
                        "pom.xml dependency {name} version {raw}: {p} is not defined in this pom"
                    ),
                );
                continue;
            }
        };
        if is_range(&version) {
            out.skip(
                path,
                format!("pom.xml dependency {name} has a version range {version}; not pinned"),
            );
            continue;
        }
        let mut found = Found::new(
            Ecosystem::Maven,
            name,
            version,
            path,
            EvidenceKind::Declared,
        );
        if let Some(scope) = d.scope.as_deref().filter(|s| *s != "compile") {
            found = found.scope(scope);
        } else if d.optional {
            found = found.scope("optional");
        }
        if let Some(index) = d.profile {
            let id = pom.profiles[index].as_deref().unwrap_or("(no id)");
            found = found.note(format!("declared in the Maven profile `{id}`"));
        }
        out.packages.push(found);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::rows;
    use crate::package::Role;

    const POM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.example</groupId>
    <artifactId>parent</artifactId>
    <version>7</version>
  </parent>
  <artifactId>orders</artifactId>
  <version>1.4.0</version>
  <properties>
    <jackson.version>2.14.0</jackson.version>
    <jackson.alias>${jackson.version}</jackson.alias>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.yaml</groupId>
        <artifactId>snakeyaml</artifactId>
        <version>1.33</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <version>${jackson.alias}</version>
    </dependency>
    <dependency>
      <groupId>${project.groupId}</groupId>
      <artifactId>orders-model</artifactId>
      <version>${project.version}</version>
    </dependency>
    <dependency>
      <groupId>org.yaml</groupId>
      <artifactId>snakeyaml</artifactId>
    </dependency>
    <dependency>
      <groupId>junit</groupId>
      <artifactId>junit</artifactId>
      <version><![CDATA[4.12]]></version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
      <version>${slf4j.version}</version>
    </dependency>
    <dependency>
      <groupId>com.amazonaws</groupId>
      <artifactId>aws-lambda-java-core</artifactId>
    </dependency>
    <dependency>
      <groupId>org.ranged</groupId>
      <artifactId>lib</artifactId>
      <version>[1.0,2.0)</version>
    </dependency>
  </dependencies>
  <build><plugins><plugin><groupId>x</groupId><artifactId>y</artifactId><version>1</version></plugin></plugins></build>
</project>
"#;

    #[test]
    fn profile_dependencies_are_read_and_noted() {
        let pom = r#"<project>
  <profiles>
    <profile>
      <id>lambda</id>
      <properties><log4j.version>2.14.1</log4j.version></properties>
      <dependencies>
        <dependency>
          <groupId>org.apache.logging.log4j</groupId>
          <artifactId>log4j-core</artifactId>
          <version>${log4j.version}</version>
        </dependency>
      </dependencies>
    </profile>
  </profiles>
</project>"#;
        let out = parse("pom.xml", pom).expect("profiles make a POM");
        let got = rows!(out.packages; name, version, note);
        assert_eq!(
            got,
            vec![(
                "org.apache.logging.log4j:log4j-core",
                "2.14.1",
                Some("declared in the Maven profile `lambda`")
            )]
        );
        assert!(out.skipped.is_empty());
    }

    #[test]
    fn an_unknown_dependency_element_is_noted_not_ignored() {
        let pom = "<project><artifactId>a</artifactId><version>1</version><dependencies>\n\
                   <dependency><groupId>g</groupId><artifactId>x</artifactId>\n\
                   <verison>1.0</verison></dependency></dependencies></project>";
        let out = parse("pom.xml", pom).unwrap();
        let reasons: Vec<&str> = out.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(
            reasons[0].starts_with("line 3: unrecognised element <verison> in a <dependency>"),
            "{reasons:?}"
        );
        assert!(
            reasons[1].contains("g:x has no version here"),
            "{reasons:?}"
        );
    }

    #[test]
    fn resolves_properties_and_project_version() {
        let out = parse("pom.xml", POM).unwrap();
        let got = rows!(out.packages; name, version, role, scope);
        assert_eq!(
            got,
            vec![
                ("org.example:orders", "1.4.0", Role::Root, None),
                (
                    "com.fasterxml.jackson.core:jackson-databind",
                    "2.14.0",
                    Role::Dependency,
                    None
                ),
                ("org.example:orders-model", "1.4.0", Role::Dependency, None),
                ("org.yaml:snakeyaml", "1.33", Role::Dependency, None),
                ("junit:junit", "4.12", Role::Dependency, Some("test")),
            ]
        );
        assert!(out
            .packages
            .iter()
            .all(|f| f.evidence == EvidenceKind::Declared));
        let reasons: Vec<_> = out.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec![
                "pom.xml dependency org.slf4j:slf4j-api version ${slf4j.version}: \
                 ${slf4j.version} is not defined in this pom",
                "pom.xml dependency com.amazonaws:aws-lambda-java-core has no version here \
                 (managed by a parent POM or BOM)",
                "pom.xml dependency org.ranged:lib has a version range [1.0,2.0); not pinned",
            ]
        );
    }

    #[test]
    fn self_referencing_property_does_not_loop() {
        let pom = "<project><artifactId>a</artifactId><properties><v>${v}</v></properties>\
                   <dependencies><dependency><groupId>g</groupId><artifactId>x</artifactId>\
                   <version>${v}</version></dependency></dependencies></project>";
        let out = parse("pom.xml", pom).unwrap();
        assert_eq!(out.packages, vec![]);
        assert_eq!(out.skipped.len(), 1);
    }

    #[test]
    fn bad_xml_is_an_error() {
        assert!(parse("pom.xml", "<project><dependencies></project>").is_err());
        assert!(parse("pom.xml", "<project><artifactId>a</artifactId>").is_err());
        let err = parse("pom.xml", "<settings><x>1</x></settings>").unwrap_err();
        assert!(err.0.contains("not a Maven POM"), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused_at_the_cap() {
        // Issue 11: a pom.xml nested a million deep (a few KB once zipped).
        let depth = 1_000_000;
        let pom = format!(
            "<project>{}{}</project>",
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        );
        let err = parse("pom.xml", &pom).unwrap_err();
        assert_eq!(
            err.0,
            "invalid XML: elements nested deeper than 256 levels (corrupt or hostile file); not read"
        );
        // Just under the cap still reads.
        let nested = MAX_ELEMENT_DEPTH - 2;
        let pom = format!(
            "<project><artifactId>a</artifactId><x>{}{}</x></project>",
            "<a>".repeat(nested),
            "</a>".repeat(nested)
        );
        assert!(parse("pom.xml", &pom).is_ok());
    }
}
