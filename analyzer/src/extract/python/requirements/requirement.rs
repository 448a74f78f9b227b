//! PEP 508 requirements (`name[extras] specifiers ; marker`), and which of
//! them pin a single version.

use super::entry::{Entry, Pin, PinKind};

/// Comparison operators of PEP 440, longest first so that prefixes do not win.
const OPERATORS: [&str; 8] = ["===", "==", "~=", "!=", "<=", ">=", "<", ">"];

fn is_valid_name(name: &str) -> bool {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    edge_ok(name.chars().next())
        && edge_ok(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Parses a PEP 508 requirement (`name[extras] specifiers ; marker`).
pub fn parse_requirement(spec: &str) -> Entry {
    let unpinned = |why: &str| Entry::Unpinned {
        requirement: spec.to_string(),
        why: why.to_string(),
    };
    let lower = spec.to_ascii_lowercase();
    if lower.contains("://") || spec.starts_with(['.', '/', '~']) {
        return unpinned("a URL or path, no version");
    }
    let (requirement, marker) = match spec.split_once(';') {
        Some((r, m)) => (r.trim(), Some(m.trim()).filter(|m| !m.is_empty())),
        None => (spec.trim(), None),
    };
    if requirement.contains('@') {
        return unpinned("a direct reference (name @ URL), no version");
    }
    let name_end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(requirement.len());
    let name = &requirement[..name_end];
    if !is_valid_name(name) {
        return unpinned("not a recognisable requirement");
    }
    let mut rest = requirement[name_end..].trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        match after.split_once(']') {
            Some((_, tail)) => rest = tail.trim_start(),
            None => return unpinned("unclosed extras bracket"),
        }
    }
    let rest = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest)
        .trim();
    if rest.is_empty() {
        return unpinned("no version specifier");
    }
    let mut clauses = Vec::new();
    for clause in rest.split(',') {
        let clause = clause.trim();
        let Some(op) = OPERATORS.iter().find(|op| clause.starts_with(**op)) else {
            return unpinned("not a recognisable version specifier");
        };
        clauses.push((*op, clause[op.len()..].trim()));
    }
    let pick = |wanted: &str| {
        clauses
            .iter()
            .find(|(op, v)| *op == wanted && !v.is_empty() && !(wanted == "==" && v.contains('*')))
            .map(|(_, v)| v.to_string())
    };
    let (version, kind) = match (pick("==="), pick("=="), pick("~=")) {
        (Some(v), _, _) => (v, PinKind::Arbitrary),
        (None, Some(v), _) => (v, PinKind::Exact),
        (None, None, Some(v)) => (v, PinKind::Compatible),
        (None, None, None) => {
            return unpinned(if clauses.iter().any(|(op, _)| *op == "==") {
                "a wildcard, not a single version"
            } else {
                "a version range, not a single version"
            })
        }
    };
    Entry::Pinned(Pin {
        name: name.to_string(),
        version,
        kind,
        marker: marker.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::python::requirements::testutil::pin;

    fn parse_line(line: &str) -> Vec<Entry> {
        vec![parse_requirement(line)]
    }

    #[test]
    fn requirement_forms() {
        let cases = [
            (
                "Django==3.2.0",
                pin("Django", "3.2.0", PinKind::Exact, None),
            ),
            (
                "requests[socks,security] == 2.31.0",
                pin("requests", "2.31.0", PinKind::Exact, None),
            ),
            (
                "importlib-metadata==6.0; python_version<\"3.8\"",
                pin(
                    "importlib-metadata",
                    "6.0",
                    PinKind::Exact,
                    Some("python_version<\"3.8\""),
                ),
            ),
            (
                "zope.interface===6.1-custom",
                pin("zope.interface", "6.1-custom", PinKind::Arbitrary, None),
            ),
            (
                "boto3~=1.26.0",
                pin("boto3", "1.26.0", PinKind::Compatible, None),
            ),
            ("six (==1.16.0)", pin("six", "1.16.0", PinKind::Exact, None)),
            (
                "attrs>=20,==23.1.0",
                pin("attrs", "23.1.0", PinKind::Exact, None),
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_line(line), vec![expected], "{line}");
        }
        let why = |line: &str| match &parse_line(line)[..] {
            [Entry::Unpinned { why, .. }] => why.clone(),
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(
            why("requests>=2.0"),
            "a version range, not a single version"
        );
        assert_eq!(why("requests"), "no version specifier");
        assert_eq!(why("numpy==1.26.*"), "a wildcard, not a single version");
        assert_eq!(
            why("pkg @ git+https://github.com/o/r"),
            "a URL or path, no version"
        );
        assert_eq!(
            why("pkg@file:///wheels/pkg.whl"),
            "a URL or path, no version"
        );
        assert_eq!(
            why("pkg @ file:wheels/pkg.whl"),
            "a direct reference (name @ URL), no version"
        );
        assert_eq!(why("./vendor/pkg"), "a URL or path, no version");
        assert_eq!(why("_bad==1"), "not a recognisable requirement");
        assert_eq!(why("pkg[x==1"), "unclosed extras bracket");
        assert_eq!(why("pkg^1.0"), "not a recognisable version specifier");
    }
}
