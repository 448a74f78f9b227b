//! One requirements file read on its own: what each logical line contributes,
//! in line order, with its `-r` includes left for [`super::includes`] to follow.

use super::entry::Entry;
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

/// The items of the requirements file at `path`, in line order.
pub(super) fn items(path: &str, text: &str) -> Vec<Item> {
    logical_lines(text)
        .into_iter()
        .flat_map(|(number, line)| parse_line(&line).into_iter().map(move |e| (number, e)))
        .map(|(number, entry)| item(path, number, entry))
        .collect()
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
pub fn parse(path: &str, bytes: &[u8]) -> Result<Extracted, ExtractError> {
    let mut out = Extracted::default();
    for item in items(path, utf8(bytes)?) {
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
