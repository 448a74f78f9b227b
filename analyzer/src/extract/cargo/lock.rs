//! `Cargo.lock`, every format version: v1 (with its optional `[root]` table and
//! `[metadata]` checksums), v2, v3 and v4. Only `[[package]]` name, version and
//! source matter; packages without a source are the workspace's own crates.
//!
//! Read line by line from a stream, one line held at a time, not through a
//! TOML document: a generic TOML parser (`toml` 0.8 builds a `toml_edit`
//! document) costs over 20 times the file's size in memory, this costs the
//! packages it returns. Cargo writes its lockfile in a fixed subset of TOML (table headers,
//! `key = value` lines, strings, integers and arrays of strings, split over
//! lines), and that subset is what is accepted; anything else (inline tables,
//! multi-line strings, dotted keys) is an error naming the line, never a guess.

use crate::ecosystem::Ecosystem;
use crate::extract::quota::{FileQuota, PackageQuota};
use crate::extract::ExtractError;
use crate::package::{EvidenceKind, Found};
use std::borrow::Cow;
use std::io::BufRead;

/// Parses a `Cargo.lock` found at `path`, read from `input`.
pub fn parse(path: &str, input: impl BufRead) -> Result<Vec<Found>, ExtractError> {
    parse_within(path, input, &FileQuota::new(&PackageQuota::unlimited()))
}

/// [`parse`], taking each package from `quota` as it is read (the parse stops
/// when it is refused).
pub fn parse_within(
    path: &str,
    input: impl BufRead,
    quota: &FileQuota,
) -> Result<Vec<Found>, ExtractError> {
    let mut found = Vec::new();
    let mut table = Table::Other;
    let mut lines = Lines::new(input);
    let mut line = String::new();
    loop {
        let more = lines.next_content(&mut line);
        let number = lines.number;
        let at = |message: String| {
            ExtractError::new(format!("invalid Cargo.lock: line {number}: {message}"))
        };
        if !more.map_err(at)? {
            break;
        }
        let line = line.as_str();
        if line.starts_with('[') {
            let header = header(line).map_err(at)?;
            table.finish(path, &mut found, quota).map_err(at)?;
            table = match header {
                "[[package]]" | "[root]" => Table::Package(Locked::default()),
                _ => Table::Other,
            };
            continue;
        }
        let (key, value) = key_value(line, &mut lines).map_err(at)?;
        if let Table::Package(locked) = &mut table {
            locked.set(&key, value).map_err(at)?;
        }
    }
    table
        .finish(path, &mut found, quota)
        .map_err(|m| ExtractError::new(format!("invalid Cargo.lock: at the end: {m}")))?;
    Ok(found)
}

/// The table the lines being read belong to.
enum Table {
    /// `[[package]]`, or v1's `[root]`.
    Package(Locked),
    /// Any other table (`[metadata]`, `[[patch.unused]]`...) or the top level.
    Other,
}

impl Table {
    /// Turns a finished package table into a [`Found`], taken from `quota`.
    fn finish(
        &mut self,
        path: &str,
        out: &mut Vec<Found>,
        quota: &FileQuota,
    ) -> Result<(), String> {
        if let Table::Package(locked) = std::mem::replace(self, Table::Other) {
            quota.take_one().map_err(|e| e.to_string())?;
            out.push(locked.found(path)?);
        }
        Ok(())
    }
}

/// The keys of one package table that matter.
#[derive(Default)]
struct Locked {
    name: Option<String>,
    version: Option<String>,
    source: Option<String>,
}

impl Locked {
    fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), String> {
        let slot = match key {
            "name" => &mut self.name,
            "version" => &mut self.version,
            "source" => &mut self.source,
            _ => return Ok(()),
        };
        let Value::String(text) = value else {
            return Err(format!("`{key}` is not a string"));
        };
        if slot.replace(text.into_owned()).is_some() {
            return Err(format!("duplicate key `{key}`"));
        }
        Ok(())
    }

    fn found(self, path: &str) -> Result<Found, String> {
        let missing = |key: &str| format!("a [[package]] table has no `{key}`");
        let name = self.name.ok_or_else(|| missing("name"))?;
        let version = self.version.ok_or_else(|| missing("version"))?;
        let found = Found::new(
            Ecosystem::CratesIo,
            name,
            version,
            path,
            EvidenceKind::Lockfile,
        );
        Ok(match self.source.as_deref() {
            None => found.root(),
            Some(s) if s.starts_with("git+") => found.note("git dependency, not from crates.io"),
            Some(s) if s.starts_with("registry+") || s.starts_with("sparse+") => found,
            Some(_) => found.note("from a source other than crates.io"),
        })
    }
}

/// A value on the right of `=`: strings are kept, everything else only checked.
enum Value<'a> {
    String(Cow<'a, str>),
    Other,
}

/// The lines of a stream, numbered from 1, skipping blank and comment lines.
struct Lines<R> {
    input: R,
    /// The number of the last line read.
    number: usize,
    raw: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    fn new(input: R) -> Self {
        Lines {
            input,
            number: 0,
            raw: Vec::new(),
        }
    }

    /// Reads the next line with content into `line`, trimmed; `false` at the end.
    fn next_content(&mut self, line: &mut String) -> Result<bool, String> {
        loop {
            self.raw.clear();
            let n = self
                .input
                .read_until(b'\n', &mut self.raw)
                .map_err(|e| format!("cannot read: {e}"))?;
            if n == 0 {
                return Ok(false);
            }
            self.number += 1;
            let text = std::str::from_utf8(&self.raw).map_err(|e| format!("invalid UTF-8: {e}"))?;
            let text = if self.number == 1 {
                text.strip_prefix('\u{feff}').unwrap_or(text)
            } else {
                text
            };
            let text = text.trim();
            if !text.is_empty() && !text.starts_with('#') {
                line.clear();
                line.push_str(text);
                return Ok(true);
            }
        }
    }
}

/// The header of a table line: `[name]` or `[[name]]`, with nothing but a
/// comment after it.
fn header(line: &str) -> Result<&str, String> {
    let end = if line.starts_with("[[") {
        line.find("]]").map(|i| i + 2)
    } else {
        line.find(']').map(|i| i + 1)
    };
    let end = end.ok_or("table header without its closing bracket")?;
    expect_end(&line[end..])?;
    Ok(&line[..end])
}

/// Splits `key = value`, reading further lines when an array spans several.
fn key_value<'a>(
    line: &'a str,
    lines: &mut Lines<impl BufRead>,
) -> Result<(Cow<'a, str>, Value<'a>), String> {
    let (key, rest) = if line.starts_with('"') {
        basic_string(line)?
    } else {
        let end = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(line.len());
        (Cow::Borrowed(&line[..end]), &line[end..])
    };
    let rest = rest.trim_start();
    let Some(rest) = rest.strip_prefix('=').filter(|_| !key.is_empty()) else {
        return Err("expected `key = value` (Cargo's lockfile format)".into());
    };
    let rest = rest.trim_start();
    let (value, after) = match rest.as_bytes().first() {
        Some(b'"') if rest.starts_with("\"\"\"") => {
            return Err("multi-line strings are not in Cargo's lockfile format".into())
        }
        Some(b'"') => {
            let (text, after) = basic_string(rest)?;
            (Value::String(text), after)
        }
        Some(b'\'') => {
            let (text, after) = literal_string(rest)?;
            (Value::String(Cow::Borrowed(text)), after)
        }
        Some(b'[') => {
            skip_array(rest, lines)?;
            return Ok((key, Value::Other));
        }
        Some(_) => {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '#')
                .unwrap_or(rest.len());
            let token = &rest[..end];
            if !token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-._:".contains(c))
            {
                return Err(format!("unexpected value `{token}`"));
            }
            (Value::Other, &rest[end..])
        }
        None => return Err("a key without a value".into()),
    };
    expect_end(after)?;
    Ok((key, value))
}

/// Nothing but blanks or a comment may follow a value or a header.
fn expect_end(rest: &str) -> Result<(), String> {
    let rest = rest.trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(())
    } else {
        Err(format!("unexpected `{}` after the value", clip(rest)))
    }
}

/// At most 20 characters of `text`, for messages.
fn clip(text: &str) -> &str {
    text.char_indices()
        .nth(20)
        .map_or(text, |(i, _)| &text[..i])
}

/// A `"..."` string at the start of `text`: its value (borrowed unless it
/// has escapes) and what follows it.
fn basic_string(text: &str) -> Result<(Cow<'_, str>, &str), String> {
    let body = &text[1..];
    let mut escaped = false;
    let mut has_escapes = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => {
                escaped = true;
                has_escapes = true;
            }
            '"' => {
                let raw = &body[..i];
                let value = if has_escapes {
                    Cow::Owned(unescape(raw)?)
                } else {
                    Cow::Borrowed(raw)
                };
                return Ok((value, &body[i + 1..]));
            }
            _ => {}
        }
    }
    Err("a string without its closing quote".into())
}

/// A `'...'` literal string at the start of `text` and what follows it.
fn literal_string(text: &str) -> Result<(&str, &str), String> {
    let body = &text[1..];
    let end = body
        .find('\'')
        .ok_or("a string without its closing quote")?;
    Ok((&body[..end], &body[end + 1..]))
}

/// The value of a basic string's body with its escapes (`\"`, `\\`, `\n`,
/// `\t`, `\uXXXX`...) replaced.
fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escape = chars.next().ok_or("a string ends in a backslash")?;
        match escape {
            '"' | '\\' => out.push(escape),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'e' => out.push('\u{1b}'),
            'u' | 'U' => {
                let digits: String = chars
                    .by_ref()
                    .take(if escape == 'u' { 4 } else { 8 })
                    .collect();
                let code = u32::from_str_radix(&digits, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("invalid escape `\\{escape}{digits}`"))?;
                out.push(code);
            }
            other => return Err(format!("invalid escape `\\{other}`")),
        }
    }
    Ok(out)
}

/// Skips an array value starting at `text` (`[` ...), reading further lines
/// until its closing bracket, after which only a comment may follow. Only
/// strings, bare tokens, commas, nested arrays and comments may appear in it.
fn skip_array(text: &str, lines: &mut Lines<impl BufRead>) -> Result<(), String> {
    let mut depth = 0usize;
    let mut next = String::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        match rest.as_bytes().first() {
            None | Some(b'#') => {
                if !lines.next_content(&mut next)? {
                    return Err("an array without its closing bracket".into());
                }
                rest = &next;
            }
            Some(b'[') => {
                depth += 1;
                rest = &rest[1..];
            }
            Some(b']') => {
                depth -= 1;
                rest = &rest[1..];
                if depth == 0 {
                    return expect_end(rest);
                }
            }
            Some(b',') => rest = &rest[1..],
            Some(b'"') => rest = basic_string(rest)?.1,
            Some(b'\'') => rest = literal_string(rest)?.1,
            Some(_) => {
                let end = rest
                    .find(|c: char| c.is_whitespace() || ",]#".contains(c))
                    .unwrap_or(rest.len());
                let token = &rest[..end];
                if token.is_empty()
                    || !token
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-._:".contains(c))
                {
                    return Err(format!("unexpected `{}` in an array", clip(rest)));
                }
                rest = &rest[end..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::Role;

    fn summary(found: &[Found]) -> Vec<(&str, &str, Role)> {
        found
            .iter()
            .map(|f| (f.name.as_str(), f.version.as_str(), f.role))
            .collect()
    }

    const V1: &str = r#"
[root]
name = "app"
version = "0.1.0"
dependencies = ["libc 0.2.20 (registry+https://github.com/rust-lang/crates.io-index)"]

[[package]]
name = "libc"
version = "0.2.20"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum libc 0.2.20 (registry+https://github.com/rust-lang/crates.io-index)" = "684f330624d8c3784fb9558ca46c4ce488073a8d22450415c5eb4f4cfb0d11b5"
"#;

    const V2: &str = r#"
# This file is automatically @generated by Cargo.
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["smallvec"]

[[package]]
name = "smallvec"
version = "1.6.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "fe0f37c9e8f3c5a4a66ad655a93c74daac4ad00c441533bf5c6e7990bb42604e"
"#;

    const V3: &str = r#"
version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde", "tool"]

[[package]]
name = "serde"
version = "1.0.100"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "f4473e8506b213730ff2061073b48fa51dcc66349219e2e7c5608f0296a1d95a"

[[package]]
name = "tool"
version = "0.2.0"
source = "git+https://github.com/example/tool?rev=abc#abcdef"
"#;

    const V4: &str = r#"
version = 4

[[package]]
name = "member-a"
version = "0.3.0"

[[package]]
name = "member-b"
version = "0.3.0"
dependencies = ["member-a", "time"]

[[package]]
name = "time"
version = "0.1.43"
source = "sparse+https://index.crates.io/"
checksum = "ca8a50ef2360fbd1eeb0ecd46795a87a19024eb4b53c5dc916ca1fd95fe62438"
"#;

    #[test]
    fn v1_root_table_and_metadata() {
        let found = parse("Cargo.lock", V1.as_bytes()).unwrap();
        assert_eq!(
            summary(&found),
            vec![
                ("app", "0.1.0", Role::Root),
                ("libc", "0.2.20", Role::Dependency)
            ]
        );
        assert!(found
            .iter()
            .all(|f| f.evidence == EvidenceKind::Lockfile && f.path == "Cargo.lock"));
    }

    #[test]
    fn v2_and_v3() {
        assert_eq!(
            summary(&parse("Cargo.lock", V2.as_bytes()).unwrap()),
            vec![
                ("app", "0.1.0", Role::Root),
                ("smallvec", "1.6.0", Role::Dependency)
            ]
        );
        let v3 = parse("x/Cargo.lock", V3.as_bytes()).unwrap();
        assert_eq!(
            summary(&v3),
            vec![
                ("app", "0.1.0", Role::Root),
                ("serde", "1.0.100", Role::Dependency),
                ("tool", "0.2.0", Role::Dependency)
            ]
        );
        assert_eq!(v3[1].note, None);
        assert_eq!(
            v3[2].note.as_deref(),
            Some("git dependency, not from crates.io")
        );
    }

    #[test]
    fn v4_workspace_members_are_roots() {
        assert_eq!(
            summary(&parse("Cargo.lock", V4.as_bytes()).unwrap()),
            vec![
                ("member-a", "0.3.0", Role::Root),
                ("member-b", "0.3.0", Role::Root),
                ("time", "0.1.43", Role::Dependency)
            ]
        );
    }

    #[test]
    fn what_cargo_does_not_write_is_an_error_naming_the_line() {
        let cases = [
            ("[[package]\nname = ", "line 1: "),
            ("[[package]]\nname = \"x\"\n", "no `version`"),
            (
                "[[package]]\nname = \"x\"\nname = \"y\"",
                "line 3: duplicate key `name`",
            ),
            ("[[package]]\nname = {a = 1}\n", "line 2: "),
            ("[[package]]\nname = \"\"\"x\"\"\"\n", "multi-line"),
            ("[[package]]\nname = \"x\n", "closing quote"),
            ("[[package]]\ndependencies = [\n\"a\",\n", "closing bracket"),
            ("[[package]]\nname = \"x\" y\n", "after the value"),
            ("[[package]]\nname = 1\nversion = \"1\"", "not a string"),
            ("[[package]]\nname.x = \"x\"", "key = value"),
            ("[[package]]\nname = \"a\\q\"", "invalid escape"),
        ];
        for (text, wanted) in cases {
            let err = parse("Cargo.lock", text.as_bytes()).unwrap_err();
            assert!(err.0.contains(wanted), "{text:?}: {err}");
        }
        let err = parse("Cargo.lock", &b"[[package]]\n\nname = \"\xff\"\n"[..]).unwrap_err();
        assert!(err.0.contains("line 3: invalid UTF-8"), "{err}");
    }

    #[test]
    fn escapes_comments_and_arrays_over_lines() {
        let text = r#"
# comment
version = 4 # trailing

[[package]] # a comment after a header
name = "we\u0069rd\"name" # comment
version = '1.0.0'
dependencies = [
 "a 1.0 (registry+x)", # ] inside a comment
 "b ]",
 [ "nested" ],
]
source = "registry+https://github.com/rust-lang/crates.io-index"

[[patch.unused]]
name = "ignored"
version = "9.9.9"
"#;
        let found = parse("Cargo.lock", text.as_bytes()).unwrap();
        assert_eq!(
            summary(&found),
            vec![("weird\"name", "1.0.0", Role::Dependency)]
        );
    }
}
