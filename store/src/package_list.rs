//! A subject's packages as one line each, `ecosystem<TAB>name<TAB>version`
//! (tabs, newlines and backslashes escaped): what a rescan reads to decide,
//! without decoding the whole inventory, whether anything can have changed.

use analyzer::{Ecosystem, Package};

/// The line of a package.
pub fn line(ecosystem: Ecosystem, name: &str, version: &str) -> String {
    format!(
        "{}\t{}\t{}",
        ecosystem.as_str(),
        escape(name),
        escape(version)
    )
}

/// The package lines of `packages`, in order, joined by newlines.
pub fn encode<'a>(packages: impl IntoIterator<Item = &'a Package>) -> String {
    packages
        .into_iter()
        .map(|p| line(p.ecosystem, &p.name, &p.version))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lines of an encoded list.
pub fn lines(list: &str) -> impl Iterator<Item = &str> {
    list.split('\n').filter(|l| !l.is_empty())
}

/// A package with no locations from its line, or `None` when the line is not one.
pub fn package(line: &str) -> Option<Package> {
    let mut parts = line.split('\t');
    let named = parts.next()?;
    let ecosystem = Ecosystem::ALL.into_iter().find(|e| e.as_str() == named)?;
    let name = unescape(parts.next()?);
    let version = unescape(parts.next()?);
    Some(Package {
        purl: analyzer::purl::build(ecosystem, &name, &version),
        ecosystem,
        name,
        version,
        locations: Vec::new(),
    })
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_with_odd_names() {
        for name in ["lodash", "a\tb", "back\\slash", "new\nline", "org.x:y"] {
            let l = line(Ecosystem::Npm, name, "1.0.0");
            assert_eq!(lines(&l).count(), 1, "{l:?}");
            let p = package(&l).unwrap();
            assert_eq!(
                (p.ecosystem, p.name.as_str(), p.version.as_str()),
                (Ecosystem::Npm, name, "1.0.0")
            );
        }
        assert!(package("nope\tx\t1").is_none());
    }
}
