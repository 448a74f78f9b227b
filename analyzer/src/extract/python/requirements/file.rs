//! One requirements file read on its own: what each logical line contributes,
//! in line order, with its `-r` includes left for [`super::includes`] to follow.

use super::entry::Entry;
use super::env::EnvVars;
use super::line::{logical_lines, parse_line};
use crate::extract::{utf8, ExtractError, Extracted, Include};
use crate::Found;

/// What one line of a requirements file contributes.
#[derive(Debug)]
pub(super) enum Item {
    /// Boxed: a file holds many more includes and skips than pins.
    Package(Box<Found>),
    /// A line that yields no package, and why.
    Skip(String),
    /// `-r target` at `line`.
    Include { line: usize, target: String },
}

/// The items of the requirements file at `path`, in line order, with
/// `${NAME}` references expanded from `env`.
pub(super) fn items(path: &str, text: &str, env: &EnvVars) -> Vec<Item> {
    let mut out = Vec::new();
    for (number, line) in logical_lines(text) {
        match env.expand(&line) {
            Ok(line) => out.extend(
                parse_line(&line)
                    .into_iter()
                    .map(|entry| item(path, number, entry)),
            ),
            Err(missing) => out.push(Item::Skip(unresolved(&line, number, &missing))),
        }
    }
    out
}

/// The skip reason of a line naming variables that are not set.
fn unresolved(line: &str, number: usize, missing: &[String]) -> String {
    let names: Vec<String> = missing.iter().map(|n| format!("${{{n}}}")).collect();
    format!(
        "unresolved requirement `{line}` (line {number}): {} not set in the environment \
         (pip expands it at install time); not read as a package",
        names.join(", ")
    )
}

fn item(path: &str, number: usize, entry: Entry) -> Item {
    match entry {
        Entry::Pinned(pin) => Item::Package(Box::new(pin.found(path))),
        Entry::Unpinned { requirement, why } => Item::Skip(format!(
            "unpinned requirement `{requirement}` (line {number}): {why}"
        )),
        Entry::Editable(target) => Item::Skip(format!(
            "editable requirement `-e {target}` (line {number}): installed from source, no version"
        )),
        Entry::Constraint(target) => Item::Skip(format!(
            "constraints file `{target}` (line {number}) not read: constraints install nothing"
        )),
        Entry::Include(target) => Item::Include {
            line: number,
            target,
        },
    }
}

/// Parses the requirements file at `path` alone: its pins and skipped lines,
/// and its includes as [`Extracted::includes`] (followed once per artifact).
pub fn parse(path: &str, bytes: &[u8], env: &EnvVars) -> Result<Extracted, ExtractError> {
    let mut out = Extracted::default();
    for item in items(path, utf8(bytes)?, env) {
        match item {
            Item::Package(found) => out.packages.push(*found),
            Item::Skip(reason) => out.skip(path, reason),
            Item::Include { line, target } => out.includes.push(Include {
                from: path.to_string(),
                line,
                target,
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_expand_when_set_and_are_unresolved_otherwise() {
        let text = b"django==${DJANGO_VERSION}\nflask==${FLASK_VERSION}\n";
        let env = EnvVars::new([("DJANGO_VERSION".into(), "3.2.1".into())]);
        let out = parse("requirements.txt", text, &env).unwrap();
        let pins: Vec<(&str, &str)> = out
            .packages
            .iter()
            .map(|f| (f.name.as_str(), f.version.as_str()))
            .collect();
        assert_eq!(pins, [("django", "3.2.1")]);
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(
            out.skipped[0].reason,
            "unresolved requirement `flask==${FLASK_VERSION}` (line 2): ${FLASK_VERSION} not set \
             in the environment (pip expands it at install time); not read as a package"
        );
        let none = parse("requirements.txt", text, &EnvVars::default()).unwrap();
        assert!(
            none.packages.is_empty(),
            "a literal ${{VAR}} is never a version"
        );
        assert_eq!(none.skipped.len(), 2);
    }
}
