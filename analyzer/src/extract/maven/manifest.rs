//! `META-INF/MANIFEST.MF`: the JAR manifest format (72-byte lines continued by a
//! leading space, a main section, then per-entry sections starting `Name:`), and
//! the heuristic that guesses Maven coordinates from it for jars that carry no
//! pom.properties.
//!
//! The guess (every result is labelled a guess, with the fields it used):
//! - per-entry sections (`Name: org/apache/log4j`) with a single-token
//!   `Implementation-Title`, as Ant builds write them: artifactId = that title,
//!   version = the section's `Implementation-Version` (else the main section's),
//!   groupId = `Implementation-Vendor-Id`, else the artifactId itself (jars of
//!   that era were published under the Maven 1 convention `id:id`, e.g. `log4j:log4j`);
//! - otherwise the main section: version = `Implementation-Version`, else
//!   `Bundle-Version`; artifactId = `Implementation-Title` when it is a single
//!   token (a title such as "H2 Database Engine" is a display name, not an id),
//!   else the last segment of `Bundle-SymbolicName`; groupId =
//!   `Implementation-Vendor-Id` (Maven's archiver writes the groupId there), else
//!   `Bundle-SymbolicName` minus a trailing `.<artifactId>` when the rest still has
//!   a dot (the maven-bundle-plugin convention `groupId.artifactId`).
//!
//! Without a groupId nothing is guessed: the jar is reported as unidentified.
//!
//! Before any of that, the jar's file name (`commons-logging-1.2.jar`) is
//! read as `<artifactId>-<version>.jar` when its version is one the manifest
//! states ([`guess_with_file_name`]): the artifactId is then the file's, and the
//! group comes from `Implementation-Vendor-Id` / `Bundle-SymbolicName` only
//! where they agree with it (the maven-bundle-plugin conventions), else, when
//! the symbolic name spells the artifactId with dots, the Maven 1 convention
//! `id:id` (`commons-logging:commons-logging`, whose manifest says
//! `org.apache` and `org.apache.commons.logging`). A file name nothing in the
//! manifest agrees with (`h2-2.1.214.jar`) is not trusted.

/// One manifest section: its attributes in file order (names as written).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub attributes: Vec<(String, String)>,
}

impl Section {
    /// The value of an attribute; names compare case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// A parsed manifest: the main section and the per-entry sections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub main: Section,
    pub entries: Vec<Section>,
}

/// Parses manifest text. Malformed lines (no `:`) are ignored, as the JDK is
/// lenient enough that real jars contain them.
pub fn parse(text: &str) -> Manifest {
    let mut sections: Vec<Section> = vec![Section::default()];
    let mut current: Option<(String, String)> = None;
    let flush = |sections: &mut Vec<Section>, current: &mut Option<(String, String)>| {
        if let Some(attr) = current.take() {
            if let Some(last) = sections.last_mut() {
                last.attributes.push(attr);
            }
        }
    };
    let mut fresh_section = false;
    for line in text.lines() {
        if let Some(more) = line.strip_prefix(' ') {
            if let Some((_, value)) = current.as_mut() {
                value.push_str(more);
            }
            continue;
        }
        flush(&mut sections, &mut current);
        if line.trim().is_empty() {
            fresh_section = true;
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if fresh_section {
            sections.push(Section::default());
            fresh_section = false;
        }
        current = Some((name.trim().to_string(), value.trim_start().to_string()));
    }
    flush(&mut sections, &mut current);
    let mut sections = sections.into_iter();
    let main = sections.next().unwrap_or_default();
    Manifest {
        main,
        entries: sections.filter(|s| !s.attributes.is_empty()).collect(),
    }
}

/// Coordinates guessed from a manifest, with the fields they came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Guess {
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
    /// e.g. `Bundle-SymbolicName, Implementation-Version (section org/apache/log4j)`.
    pub fields: String,
}

impl Guess {
    /// `groupId:artifactId`.
    pub fn name(&self) -> String {
        format!("{}:{}", self.group_id, self.artifact_id)
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// `Bundle-SymbolicName` without directives such as `;singleton:=true`.
fn symbolic_name(value: &str) -> &str {
    value.split(';').next().unwrap_or(value).trim()
}

/// Guesses coordinates: from the per-entry sections that carry a token
/// `Implementation-Title`, or else from the main section. Distinct guesses are
/// all returned (sorted); an empty result means "unidentified".
pub fn guess(manifest: &Manifest) -> Vec<Guess> {
    let mut out: Vec<Guess> = manifest
        .entries
        .iter()
        .filter_map(|s| guess_package_section(s, &manifest.main))
        .collect();
    if out.is_empty() {
        out.extend(guess_main(&manifest.main));
    }
    out.sort();
    out.dedup_by(|a, b| {
        (&a.group_id, &a.artifact_id, &a.version) == (&b.group_id, &b.artifact_id, &b.version)
    });
    out
}

/// A field value and how to cite it in a note.
type Field<'a> = (&'a str, String);

fn cite<'a>(section: &'a Section, name: &str, label: Option<&str>) -> Option<Field<'a>> {
    let value = section.get(name)?.trim();
    let citation = match label {
        Some(l) => format!("{name} (section {l})"),
        None => name.to_string(),
    };
    Some((value, citation))
}

fn finish(group: Field, artifact: Field, version: Field, extra: Option<&str>) -> Option<Guess> {
    if !is_token(group.0) || !is_token(artifact.0) || !is_token(version.0) {
        return None;
    }
    let mut fields = vec![group.1, artifact.1, version.1];
    fields.dedup();
    let mut fields = fields.join(", ");
    if let Some(extra) = extra {
        fields.push_str("; ");
        fields.push_str(extra);
    }
    Some(Guess {
        group_id: group.0.to_string(),
        artifact_id: artifact.0.to_string(),
        version: version.0.to_string(),
        fields,
    })
}

/// Main section: Vendor-Id or Bundle-SymbolicName give the group.
fn guess_main(main: &Section) -> Option<Guess> {
    let version = cite(main, "Implementation-Version", None)
        .or_else(|| cite(main, "Bundle-Version", None))?;
    let bsn = cite(main, "Bundle-SymbolicName", None).map(|(v, c)| (symbolic_name(v), c));
    let title = cite(main, "Implementation-Title", None).filter(|(v, _)| is_token(v));
    let artifact = match (title, &bsn) {
        (Some(t), _) => t,
        (None, Some((b, c))) => (b.rsplit('.').next().unwrap_or(b), c.clone()),
        (None, None) => return None,
    };
    let group = match cite(main, "Implementation-Vendor-Id", None) {
        Some(vendor) => vendor,
        None => {
            let (b, c) = bsn?;
            let prefix = b.strip_suffix(artifact.0)?.strip_suffix('.')?;
            if !prefix.contains('.') {
                return None;
            }
            (prefix, c)
        }
    };
    finish(group, artifact, version, None)
}

/// Every version the manifest states: `Implementation-Version` (main and
/// per-entry sections) and `Bundle-Version`.
fn stated_versions(manifest: &Manifest) -> Vec<&str> {
    std::iter::once(&manifest.main)
        .chain(&manifest.entries)
        .flat_map(|s| [s.get("Implementation-Version"), s.get("Bundle-Version")])
        .flatten()
        .map(str::trim)
        .collect()
}

/// `1.2` and `1.2.0` are the same release (OSGi versions have three parts).
fn same_release(a: &str, b: &str) -> bool {
    let trim = |v: &str| v.trim_end_matches(".0").to_string();
    a == b || trim(a) == trim(b)
}

/// Coordinates from the jar's file name (`<artifactId>-<version>.jar`) when
/// the manifest states that version; the group as the module docs say.
pub fn guess_with_file_name(manifest: &Manifest, file_name: &str) -> Option<Guess> {
    let stem = file_name.strip_suffix(".jar")?;
    let versions = stated_versions(manifest);
    let (artifact, version) =
        stem.char_indices()
            .filter(|(_, c)| *c == '-')
            .find_map(|(i, _)| {
                let (artifact, version) = (&stem[..i], &stem[i + 1..]);
                versions
                    .iter()
                    .any(|v| same_release(v, version))
                    .then_some((artifact, version))
            })?;
    let artifact_field = (artifact, "file name".to_string());
    let version_field = (version, "file name".to_string());
    let bsn = manifest.main.get("Bundle-SymbolicName").map(symbolic_name);
    let vendor = manifest.main.get("Implementation-Vendor-Id").map(str::trim);
    let dotted = format!(".{artifact}");
    let agreeing = match (vendor, bsn) {
        (Some(v), Some(b)) if b == format!("{v}{dotted}") || (b == v && b.ends_with(&dotted)) => {
            Some((v, "Implementation-Vendor-Id".to_string()))
        }
        (_, Some(b)) if b.ends_with(&dotted) && b.rsplit('.').next() == Some(artifact) => {
            let group = b.strip_suffix(&dotted).filter(|g| g.contains('.'));
            group.map(|g| (g, "Bundle-SymbolicName".to_string()))
        }
        _ => None,
    };
    if let Some(group) = agreeing {
        return finish(group, artifact_field, version_field, None);
    }
    // The symbolic name spells the file's artifactId with dots
    // (`org.apache.commons.logging` for `commons-logging`) but the group
    // cannot be read off it: such jars were published as `id:id`.
    let spelled = format!(".{}", artifact.replace('-', "."));
    if !bsn.is_some_and(|b| b.ends_with(&spelled)) {
        return None;
    }
    finish(
        artifact_field.clone(),
        artifact_field,
        version_field,
        Some(
            "Bundle-SymbolicName agrees; groupId assumed equal to artifactId (Maven 1 convention)",
        ),
    )
}

/// A per-entry (package) section with `Implementation-Title`, as Ant builds
/// write them. Without a Vendor-Id the group is taken equal to the artifactId:
/// jars of that era were published under the Maven 1 convention `id:id`.
fn guess_package_section(section: &Section, main: &Section) -> Option<Guess> {
    let label = section.get("Name");
    let artifact = cite(section, "Implementation-Title", label).filter(|(v, _)| is_token(v))?;
    let version = cite(section, "Implementation-Version", label)
        .or_else(|| cite(main, "Implementation-Version", None))
        .or_else(|| cite(main, "Bundle-Version", None))?;
    let vendor = cite(section, "Implementation-Vendor-Id", label)
        .or_else(|| cite(main, "Implementation-Vendor-Id", None));
    match vendor {
        Some(group) => finish(group, artifact, version, None),
        None => finish(
            artifact.clone(),
            artifact,
            version,
            Some("groupId assumed equal to artifactId (Maven 1 convention)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG4J: &str = "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.apache.lo\r\n g4j\r\n\
        Bundle-Version: 1.2.17\r\nBundle-Name: Apache Log4j\r\n\r\n\
        Name: org/apache/log4j\r\nImplementation-Title: log4j\r\n\
        Implementation-Version: 1.2.17\r\n\r\n";

    #[test]
    fn parses_sections_and_continuations() {
        let m = parse(LOG4J);
        assert_eq!(m.main.get("bundle-symbolicname"), Some("org.apache.log4j"));
        assert_eq!(m.entries.len(), 1);
        assert_eq!(m.entries[0].get("Name"), Some("org/apache/log4j"));
        assert_eq!(m.entries[0].get("Implementation-Version"), Some("1.2.17"));
    }

    #[test]
    fn guesses_from_package_sections_then_symbolic_name() {
        let g = guess(&parse(LOG4J));
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].name(), "log4j:log4j");
        assert_eq!(g[0].version, "1.2.17");
        assert_eq!(
            g[0].fields,
            "Implementation-Title (section org/apache/log4j), \
             Implementation-Version (section org/apache/log4j); \
             groupId assumed equal to artifactId (Maven 1 convention)"
        );
        // Without the package section, the main section's symbolic name is used.
        let main_only = LOG4J.split("\r\n\r\n").next().unwrap();
        let g = guess(&parse(main_only));
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].name(), "org.apache:log4j");
        assert_eq!(g[0].fields, "Bundle-SymbolicName, Bundle-Version");
    }

    #[test]
    fn vendor_id_gives_the_group() {
        let m = parse(
            "Implementation-Title: widget-core\nImplementation-Version: 2.0.1\n\
             Implementation-Vendor-Id: org.example\n",
        );
        let g = guess(&m);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].name(), "org.example:widget-core");
        assert_eq!(
            g[0].fields,
            "Implementation-Vendor-Id, Implementation-Title, Implementation-Version"
        );
    }

    #[test]
    fn the_file_name_names_the_artifact_before_a_group_is_guessed() {
        let commons_logging = parse(
            "Bundle-SymbolicName: org.apache.commons.logging\nBundle-Version: 1.2.0\n\
             Implementation-Title: Apache Commons Logging\nImplementation-Vendor-Id: org.apache\n\
             Implementation-Version: 1.2\n",
        );
        assert_eq!(guess(&commons_logging)[0].name(), "org.apache:logging");
        let g = guess_with_file_name(&commons_logging, "commons-logging-1.2.jar").unwrap();
        assert_eq!(
            (g.name().as_str(), g.version.as_str()),
            ("commons-logging:commons-logging", "1.2")
        );
        assert!(g.fields.contains("Maven 1 convention"), "{}", g.fields);

        let databind = parse(
            "Bundle-SymbolicName: com.fasterxml.jackson.core.jackson-databind\n\
             Implementation-Vendor-Id: com.fasterxml.jackson.core\nBundle-Version: 2.9.8\n",
        );
        let g = guess_with_file_name(&databind, "jackson-databind-2.9.8.jar").unwrap();
        assert_eq!(g.name(), "com.fasterxml.jackson.core:jackson-databind");
        assert_eq!(g.fields, "Implementation-Vendor-Id, file name");

        // A file name nothing in the manifest agrees with is not trusted.
        let h2 = parse("Bundle-SymbolicName: com.h2database\nBundle-Version: 2.1.214\n");
        assert_eq!(guess_with_file_name(&h2, "h2-2.1.214.jar"), None);
        // A file name whose version the manifest does not state is not trusted.
        assert_eq!(
            guess_with_file_name(&databind, "jackson-databind-2.10.0.jar"),
            None
        );
        assert_eq!(guess_with_file_name(&databind, "app.jar"), None);
    }

    #[test]
    fn no_group_means_no_guess() {
        // Title and version but nothing that names a group.
        let m =
            parse("Implementation-Title: spring-core\nImplementation-Version: 4.3.30.RELEASE\n");
        assert_eq!(guess(&m), vec![]);
        // A one-segment symbolic name left after stripping is not a group.
        let m = parse("Bundle-SymbolicName: com.h2database\nBundle-Version: 2.1.214\nImplementation-Title: H2 Database Engine\n");
        assert_eq!(guess(&m), vec![]);
        assert_eq!(guess(&parse("")), vec![]);
    }
}
