//! yarn v1 ("classic") `yarn.lock`, read line by line as it inflates:
//! unindented `desc, desc:` headers, indented `version "x"` fields and
//! `dependencies:` sections listing `name "range"`. Only what the inventory
//! keeps is stored (descriptors, version, dependency ids): a lockfile of
//! hundreds of MB is never held whole.
//!
//! A berry lockfile whose `__metadata` block is not first comes here too:
//! yarn writes its entries one field a line (`version: 1.0.0`,
//! `resolution: "a@npm:1.0.0"`, `dependencies:` and `name: range` lines),
//! which this reader takes as they are.

use super::{descriptors, Entry, Lockfile, METADATA};
use crate::extract::quota::FileQuota;
use crate::extract::ExtractError;
use std::io::BufRead;

/// Odd lines reported one by one; past this many, one note counts the rest
/// (a file of a million stray lines costs a million reasons otherwise).
const MAX_ODD_LINES_REPORTED: usize = 100;

/// Reads a classic lockfile from `input`, each entry taken from `quota` as
/// its header is met. A line that fits nowhere is skipped (with the lines
/// indented under it), through `odd`; a file with such lines and no entry at
/// all is not a yarn lockfile.
pub(super) fn read(
    input: &mut dyn BufRead,
    odd: &mut dyn FnMut(String),
    quota: &FileQuota,
) -> Result<Lockfile, ExtractError> {
    let mut lock = Lockfile::default();
    let mut in_dependencies = false;
    // False after an unreadable header (or berry's metadata), until the next one.
    let mut in_entry = false;
    let mut first_odd = None;
    let mut odd_lines = 0;
    let mut raw = Vec::new();
    let mut number = 0;
    loop {
        raw.clear();
        if input
            .read_until(b'\n', &mut raw)
            .map_err(super::unreadable)?
            == 0
        {
            break;
        }
        number += 1;
        let line = std::str::from_utf8(&raw)
            .map_err(|_| ExtractError::new(format!("line {number}: not UTF-8 text")))?;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            in_dependencies = false;
            in_entry = false;
            let Some(header) = trimmed.strip_suffix(':') else {
                first_odd.get_or_insert(number);
                odd_lines += 1;
                if odd_lines <= MAX_ODD_LINES_REPORTED {
                    odd(format!(
                        "line {number}: expected a package header ending in ':'; line not read"
                    ));
                }
                continue;
            };
            if header == METADATA {
                continue;
            }
            quota
                .take_one()
                .map_err(|reached| ExtractError::new(reached.to_string()))?;
            in_entry = true;
            lock.entries.push(Entry {
                origin: format!("line {number}"),
                descriptors: descriptors(header),
                ..Entry::default()
            });
            continue;
        }
        let Some(entry) = lock.entries.last_mut().filter(|_| in_entry) else {
            first_odd.get_or_insert(number);
            continue;
        };
        let (key, value) = key_and_value(trimmed);
        if indent <= 2 {
            in_dependencies =
                value.is_empty() && matches!(key, "dependencies" | "optionalDependencies");
            match key {
                "version" if !value.is_empty() => entry.version = Some(value.to_string()),
                "resolution" if !value.is_empty() => entry.resolution = Some(value.to_string()),
                _ => {}
            }
        } else if in_dependencies && !value.is_empty() {
            let dependency = (lock.strings.id(key), lock.strings.id(value));
            entry.dependencies.push(dependency);
        }
    }
    if odd_lines > MAX_ODD_LINES_REPORTED {
        odd(format!(
            "{} more lines that are not package headers; not read",
            odd_lines - MAX_ODD_LINES_REPORTED
        ));
    }
    match first_odd {
        Some(line) if lock.entries.is_empty() => Err(ExtractError::new(format!(
            "line {line}: not a yarn lockfile (no package entry)"
        ))),
        _ => Ok(lock),
    }
}

/// A line's key and value, as yarn's own tokenizer reads them: the key bare
/// or quoted (`version "1.0.0"`, `"version" "1.0.0"`), an optional `:` after
/// it (`version: 1.0.0`), and an empty value for a section (`dependencies:`).
fn key_and_value(line: &str) -> (&str, &str) {
    let (key, rest) = match line.strip_prefix('"') {
        Some(body) => {
            let mut escaped = false;
            let end = body
                .char_indices()
                .find(|&(_, c)| {
                    let closes = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    closes
                })
                .map_or(body.len(), |(i, _)| i);
            (&body[..end], body.get(end + 1..).unwrap_or(""))
        }
        None => {
            let end = line
                .find(|c: char| c.is_whitespace() || c == ':')
                .unwrap_or(line.len());
            (&line[..end], &line[end..])
        }
    };
    let rest = rest.trim_start();
    (key, super::unquote(rest.strip_prefix(':').unwrap_or(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::quota::PackageQuota;

    #[test]
    fn keys_are_read_like_yarn_reads_them() {
        assert_eq!(key_and_value(r#""a\"b" "1""#), (r#"a\"b"#, "1"));
        assert_eq!(key_and_value("dependencies:"), ("dependencies", ""));
        assert_eq!(key_and_value("version: 1.0.0"), ("version", "1.0.0"));
        assert_eq!(
            key_and_value(r#""@a/b" "npm:^1.0.0""#),
            ("@a/b", "npm:^1.0.0")
        );
    }

    /// A classic lockfile of `n` entries, each depending on the first.
    fn lockfile(n: usize) -> String {
        (0..n)
            .map(|i| {
                format!(
                    "p{i}@^1.0.0:\n  version \"1.0.{i}\"\n  dependencies:\n    p0 \"^1.0.0\"\n\n"
                )
            })
            .collect()
    }

    fn read_within(text: &str, limit: usize) -> (Result<Lockfile, ExtractError>, usize) {
        let quota = PackageQuota::of(limit);
        let file = FileQuota::new(&quota);
        let read = read(&mut text.as_bytes(), &mut |_| {}, &file);
        (read, file.taken())
    }

    #[test]
    fn each_entry_is_taken_from_the_quota_and_the_limit_stops_the_read() {
        let (lock, taken) = read_within(&lockfile(5), 5);
        assert_eq!(lock.unwrap().entries.len(), 5);
        assert_eq!(taken, 5);
        let (lock, taken) = read_within(&lockfile(5), 3);
        let err = lock.unwrap_err().to_string();
        assert!(err.contains("more than 3 packages"), "{err}");
        assert_eq!(taken, 3);
    }

    #[test]
    fn a_dependency_listed_by_every_entry_is_stored_once() {
        let (lock, _) = read_within(&lockfile(1000), usize::MAX);
        let lock = lock.unwrap();
        assert_eq!(lock.entries.len(), 1000);
        assert!(lock.entries.iter().all(|e| e.dependencies.len() == 1));
        // `p0` and `^1.0.0`.
        assert_eq!(lock.strings.texts.len(), 2);
    }

    #[test]
    fn stray_lines_are_reported_up_to_a_count() {
        let mut text = "ms@2.0.0:\n  version \"2.0.0\"\n".to_string();
        for i in 0..MAX_ODD_LINES_REPORTED + 7 {
            text.push_str(&format!("stray {i}\n"));
        }
        let mut reasons = Vec::new();
        let quota = PackageQuota::unlimited();
        let lock = read(
            &mut text.as_bytes(),
            &mut |r| reasons.push(r),
            &FileQuota::new(&quota),
        )
        .unwrap();
        assert_eq!(lock.entries.len(), 1);
        assert_eq!(reasons.len(), MAX_ODD_LINES_REPORTED + 1);
        assert_eq!(
            reasons.last().unwrap(),
            "7 more lines that are not package headers; not read"
        );
    }

    #[test]
    fn lines_that_are_not_utf8_name_their_number() {
        let text = b"ms@2.0.0:\n  version \"2.0.0\"\n\xff:\n";
        let quota = PackageQuota::unlimited();
        let err = read(&mut &text[..], &mut |_| {}, &FileQuota::new(&quota)).unwrap_err();
        assert_eq!(err.to_string(), "line 3: not UTF-8 text");
    }
}
