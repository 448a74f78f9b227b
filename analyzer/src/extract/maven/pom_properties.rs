//! `META-INF/maven/<groupId>/<artifactId>/pom.properties`, which Maven writes
//! into every jar it builds (and maven-shade-plugin keeps for each input), in
//! the `java.util.Properties` text format.

use std::collections::BTreeMap;

/// Maven coordinates read from a pom.properties file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coordinates {
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
}

impl Coordinates {
    /// `groupId:artifactId`, the name OSV uses for Maven packages.
    pub fn name(&self) -> String {
        format!("{}:{}", self.group_id, self.artifact_id)
    }
}

/// If `inner` (a path inside one jar) is `META-INF/maven/<g>/<a>/pom.properties`,
/// returns `(g, a)`.
pub fn path_coordinates(inner: &str) -> Option<(&str, &str)> {
    let rest = inner.strip_prefix("META-INF/maven/")?;
    let mut parts = rest.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(g), Some(a), Some("pom.properties"), None) if !g.is_empty() && !a.is_empty() => {
            Some((g, a))
        }
        _ => None,
    }
}

/// Parses the `java.util.Properties` text format: `#`/`!` comments, `=`, `:` or
/// whitespace separators, backslash line continuations and escapes.
pub fn parse_properties(text: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let mut logical = first.trim_start().to_string();
        if logical.is_empty() || logical.starts_with('#') || logical.starts_with('!') {
            continue;
        }
        while ends_with_odd_backslashes(&logical) {
            logical.pop();
            match lines.next() {
                Some(next) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let (key, value) = split_entry(&logical);
        map.insert(unescape(key), unescape(value));
    }
    map
}

fn ends_with_odd_backslashes(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Splits at the first unescaped `=`, `:` or whitespace.
fn split_entry(line: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' | ' ' | '\t' | '\x0c' => {
                let key = &line[..i];
                let mut rest = line[i..].trim_start_matches([' ', '\t', '\x0c']);
                if c.is_whitespace() {
                    if let Some(r) = rest.strip_prefix(['=', ':']) {
                        rest = r.trim_start_matches([' ', '\t', '\x0c']);
                    }
                } else {
                    rest = rest[c.len_utf8()..].trim_start_matches([' ', '\t', '\x0c']);
                }
                return (key, rest);
            }
            _ => {}
        }
    }
    (line, "")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if hex.len() == 4 => out.push(ch),
                    _ => {
                        out.push_str("\\u");
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Reads coordinates from a pom.properties text, falling back to the path's
/// `<g>/<a>` folders for a missing groupId or artifactId. `Err` says what is missing.
pub fn coordinates(text: &str, from_path: (&str, &str)) -> Result<Coordinates, String> {
    let props = parse_properties(text);
    let get = |key: &str| {
        props
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let version = get("version").ok_or("pom.properties has no version")?;
    if version.contains("${") {
        return Err(format!(
            "pom.properties version {version:?} is an unresolved placeholder"
        ));
    }
    Ok(Coordinates {
        group_id: get("groupId").unwrap_or_else(|| from_path.0.to_string()),
        artifact_id: get("artifactId").unwrap_or_else(|| from_path.1.to_string()),
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_shape() {
        assert_eq!(
            path_coordinates("META-INF/maven/io.netty/netty-common/pom.properties"),
            Some(("io.netty", "netty-common"))
        );
        assert_eq!(
            path_coordinates("META-INF/maven/io.netty/pom.properties"),
            None
        );
        assert_eq!(
            path_coordinates("META-INF/maven/a/b/c/pom.properties"),
            None
        );
        assert_eq!(path_coordinates("META-INF/maven/a/b/pom.xml"), None);
    }

    #[test]
    fn properties_format() {
        let text = "#Generated by Maven\n#Tue Jan 01 00:00:00 UTC 2021\n\
                    version=31.1-jre\n  groupId : com.google.guava\nartifactId guava\n\
                    ! comment\nlong=a\\\n    b\nesc=x\\=y\\u0041\n";
        let props = parse_properties(text);
        assert_eq!(props["version"], "31.1-jre");
        assert_eq!(props["groupId"], "com.google.guava");
        assert_eq!(props["artifactId"], "guava");
        assert_eq!(props["long"], "ab");
        assert_eq!(props["esc"], "x=yA");
        assert_eq!(props.len(), 5);
    }

    #[test]
    fn coordinates_with_path_fallback() {
        let c = coordinates("version=2.10\r\n", ("com.google.code.gson", "gson")).unwrap();
        assert_eq!(c.name(), "com.google.code.gson:gson");
        assert_eq!(c.version, "2.10");
        assert_eq!(
            coordinates("groupId=a\nartifactId=b\n", ("a", "b")),
            Err("pom.properties has no version".to_string())
        );
        assert!(coordinates("version=${revision}", ("a", "b")).is_err());
    }
}
