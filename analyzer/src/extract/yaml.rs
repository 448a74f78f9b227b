//! Parsing untrusted YAML lockfiles (`pnpm-lock.yaml`, yarn berry's `yarn.lock`).
//!
//! `serde_norway`, a maintained fork of the archived `serde_yaml` 0.9 that also
//! replaces its archived `unsafe-libyaml` parser with a maintained fork
//! (`unsafe-libyaml-norway`), so no part of the stack is unmaintained; the
//! other candidate, `serde_yaml_ng`, still parses with the archived
//! `unsafe-libyaml`. Same API (`Value`, `Mapping`) and the same limits:
//!
//! - aliases: expanding `*anchor` references is bounded by the library's
//!   repetition limit (a "billion laughs" document is an error, not a hang);
//! - nesting: the library refuses documents nested deeper than its recursion
//!   limit, but only after its parser has read every event, which is quadratic
//!   in the depth of flow collections (`[[[[...`): a 200,000-deep line takes
//!   minutes. [`parse`] first measures the flow depth in one linear pass and
//!   refuses anything deeper than [`MAX_FLOW_DEPTH`].

use crate::extract::ExtractError;
pub use serde_norway::{Mapping, Value};

/// Deepest nesting of flow collections (`[...]`, `{...}`) accepted. Lockfiles
/// nest a few levels; the library's own recursion limit is 128.
pub const MAX_FLOW_DEPTH: usize = 64;

/// Parses one YAML document after the linear depth check.
pub fn parse(text: &str) -> Result<Value, ExtractError> {
    if let Some(line) = too_deep(text, MAX_FLOW_DEPTH) {
        return Err(ExtractError::new(format!(
            "invalid YAML: flow collections nested deeper than {MAX_FLOW_DEPTH} levels at line {line}; not parsed"
        )));
    }
    Ok(serde_norway::from_str(text)?)
}

/// The 1-based line where flow collections first nest deeper than `limit`,
/// in one pass over `text`. Quoted scalars, block scalars (`|`, `>`) and
/// comments are skipped; in block context a `[` or `{` counts only where a
/// value starts (a plain scalar such as `a[b` opens nothing), in flow context
/// every one does.
fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut line = 1;
    // At the start of a value: a bracket or quote here opens a collection or a quoted scalar.
    let mut value_start = true;
    let mut previous = b'\n';
    let mut line_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied().unwrap_or(b'\n');
        match c {
            b'\n' => {
                line += 1;
                line_start = i + 1;
                value_start = value_start || depth == 0;
            }
            b'|' | b'>' if value_start && depth == 0 => {
                (i, line) = skip_block_scalar(bytes, i, indent_at(bytes, line_start), line);
                line_start = i;
                previous = b'\n';
                continue;
            }
            b' ' | b'\t' | b'\r' => {}
            b'#' if previous.is_ascii_whitespace() => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\'' | b'"' if value_start => {
                i = skip_quoted(bytes, i, &mut line);
                value_start = false;
                previous = c;
                continue;
            }
            b'[' | b'{' if value_start || depth > 0 => {
                depth += 1;
                if depth > limit {
                    return Some(line);
                }
                value_start = true;
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                value_start = false;
            }
            b',' if depth > 0 => value_start = true,
            b'-' | b':' | b'?' if next.is_ascii_whitespace() => value_start = true,
            _ => value_start = false,
        }
        previous = c;
        i += 1;
    }
    None
}

/// How many spaces open the line starting at `start`.
fn indent_at(bytes: &[u8], start: usize) -> usize {
    bytes[start..].iter().take_while(|&&b| b == b' ').count()
}

/// Skips the block scalar whose indicator is at `start` on a line indented
/// `parent`: the rest of that line, then every blank line and every line
/// indented deeper. Returns where the next line starts and its number.
fn skip_block_scalar(bytes: &[u8], start: usize, parent: usize, mut line: usize) -> (usize, usize) {
    let mut i = start;
    loop {
        match bytes[i..].iter().position(|&b| b == b'\n') {
            Some(end) => i += end + 1,
            None => return (bytes.len(), line),
        }
        line += 1;
        let indent = indent_at(bytes, i);
        let blank = matches!(bytes.get(i + indent), None | Some(b'\n' | b'\r'));
        if !blank && indent <= parent {
            return (i, line);
        }
    }
}

/// The index just past the quoted scalar starting at `start`, counting its lines.
fn skip_quoted(bytes: &[u8], start: usize, line: &mut usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => *line += 1,
            b'\\' if quote == b'"' => i += 1,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
            c if c == quote => return i + 1,
            _ => {}
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfile_shapes_are_not_too_deep() {
        let text = "lockfileVersion: '9.0'\nnote: |\n  [[[[\n\n  {{{{\nsummary: >-\n    [[[[\npackages:\n  /a@1.0.0:\n    resolution: {integrity: 'sha512-[x'}\n    engines: {node: '>=8'}\n    cpu: [x64, arm64]\n  key: a[b\n  other: \"[[[[\"\n  list:\n    - [1, [2, {c: [3]}]]\n# [[[[[[\n";
        assert_eq!(too_deep(text, 4), None);
        assert_eq!(too_deep(text, 3), Some(16));
        assert!(parse(text).is_ok());
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        // Issue 11: 200,000 nested flow sequences in under 1 KB once zipped.
        let text = format!("a: {}", "[".repeat(200_000));
        let err = parse(&text).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid YAML: flow collections nested deeper than 64 levels at line 1; not parsed"
        );
        let text = format!("- {}{}\n", "{a: ".repeat(65), "}".repeat(65));
        assert!(parse(&text)
            .unwrap_err()
            .to_string()
            .contains("deeper than 64"));
        let ok = format!("- {}1{}\n", "[".repeat(64), "]".repeat(64));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn alias_expansion_is_bounded() {
        // "Billion laughs": ten levels of ten aliases each would expand to 10^10 nodes.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let refs = vec![format!("*a{}", level - 1); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("repetition limit exceeded"), "{err}");
    }
}
