//! [`Pruner`]: drops, line by line and before the YAML parser reads them,
//! the lines of a block whose key path the caller never keeps. Lockfiles
//! spend most of their bytes on such blocks (pnpm's
//! `transitivePeerDependencies`, berry's `peerDependenciesMeta`), and the
//! parser, which reads a `char` at a time, costs far more per byte than a
//! look at a line's indentation: 200 MB of them took 5 to 12 s of CPU in a
//! release build, parsed only to be dropped.
//!
//! Only the block style lockfile writers use is understood: mapping keys
//! (plain, or quoted without escapes) with a value that ends on their line
//! (a scalar, a quoted string, a flow collection closed on the line) or a
//! block below them, and sequence items holding such values. At the first
//! line outside that subset (a block scalar, a multi-line flow collection
//! or string, a mapping inside a sequence item, a document marker, a tab)
//! the pruner gives up and every later line reaches the parser as it is:
//! pruning can only spare work, never change what is kept. The lines it
//! drops are not checked: an error inside a dropped block goes unnoticed.

/// Tells the lines of a YAML stream to keep from those to drop.
pub(super) struct Pruner<'k> {
    /// Whether a path (keys from the root) may be kept: a pure function of
    /// the path, not the loader's `keep`, which may count what it is asked.
    kept: &'k dyn Fn(&[&str]) -> bool,
    /// The block mapping keys above the current line: indentation and key.
    open: Vec<(usize, String)>,
    /// Dropping the block under a key at this indentation.
    dropping: Option<usize>,
    /// A line outside the understood subset was met: every later line is kept.
    gave_up: bool,
    first: bool,
}

/// What a line holds, in the understood subset.
enum Line {
    /// `key:` with its value in the lines below.
    BlockKey(String),
    /// `key: value`, the value ending on the line.
    InlineKey,
    /// `- value`, the value ending on the line.
    Item,
    /// Blank or a comment.
    Nothing,
    /// Outside the subset.
    Unknown,
}

impl<'k> Pruner<'k> {
    pub(super) fn new(kept: &'k dyn Fn(&[&str]) -> bool) -> Self {
        Pruner {
            kept,
            open: Vec::new(),
            dropping: None,
            gave_up: false,
            first: true,
        }
    }

    /// Whether the parser should read `line` (one line of the stream, its
    /// line break included); a line it should not is read as a blank line,
    /// so that the parser's line numbers stay right.
    pub(super) fn keeps(&mut self, line: &str) -> bool {
        if self.gave_up {
            return true;
        }
        let mut line = line.trim_end_matches(['\n', '\r']);
        if std::mem::take(&mut self.first) {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let blank = body.is_empty() || body.starts_with('#');
        if let Some(under) = self.dropping {
            if blank || indent > under || (indent == under && is_item(body)) {
                return false;
            }
            self.dropping = None;
        }
        match classify(body) {
            Line::Nothing => {}
            Line::BlockKey(key) => {
                self.close(indent, true);
                let mut path: Vec<&str> = self.open.iter().map(|(_, k)| k.as_str()).collect();
                path.push(&key);
                if (self.kept)(&path) {
                    self.open.push((indent, key));
                } else {
                    self.dropping = Some(indent);
                }
            }
            Line::InlineKey => self.close(indent, true),
            // An item at a key's own indentation is in that key's sequence.
            Line::Item => self.close(indent, false),
            Line::Unknown => self.gave_up = true,
        }
        true
    }

    /// Closes the keys a line at `indent` is not under (those at its
    /// indentation too when `siblings`).
    fn close(&mut self, indent: usize, siblings: bool) {
        while self
            .open
            .last()
            .is_some_and(|(at, _)| *at > indent || (siblings && *at == indent))
        {
            self.open.pop();
        }
    }
}

fn is_item(body: &str) -> bool {
    body == "-" || body.starts_with("- ")
}

/// What `body` (a line without its indentation) holds.
fn classify(body: &str) -> Line {
    if body.is_empty() || body.starts_with('#') {
        return Line::Nothing;
    }
    if let Some(rest) = body.strip_prefix("- ") {
        // An item whose value ends on its line; not a mapping, a nested
        // sequence or a block below.
        let rest = rest.trim_start_matches(' ');
        return if is_item(rest) || key(rest).is_some() || !ends_on_line(rest) {
            Line::Unknown
        } else {
            Line::Item
        };
    }
    match key(body) {
        Some((key, rest)) if rest.is_empty() || rest.starts_with('#') => Line::BlockKey(key),
        Some((_, rest)) if ends_on_line(rest) => Line::InlineKey,
        _ => Line::Unknown,
    }
}

/// A mapping key at the start of `body`, and what follows its `: `.
fn key(body: &str) -> Option<(String, &str)> {
    let (key, after) = match body.chars().next()? {
        quote @ ('"' | '\'') => {
            let end = body[1..].find(quote)? + 1;
            let text = &body[1..end];
            if text.contains(['\\', '\'']) {
                return None;
            }
            (text.to_string(), body[end + 1..].trim_start_matches(' '))
        }
        first if "-?:,[]{}#&*!|>%@`".contains(first) => return None,
        _ => {
            let colon = body
                .match_indices(':')
                .map(|(i, _)| i)
                .find(|&i| matches!(body.as_bytes().get(i + 1), None | Some(b' ')))?;
            let text = &body[..colon];
            if text.contains(" #") || text.contains('\t') {
                return None;
            }
            (text.trim_end().to_string(), &body[colon..])
        }
    };
    let rest = after.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest.trim_start_matches(' ')))
}

/// Whether the value `text` ends on its line: a plain scalar, a quoted
/// string closed on it, or a flow collection closed on it; then nothing
/// but a comment.
fn ends_on_line(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let rest = match first {
        '"' | '\'' => match closing_quote(text) {
            Some(end) => &text[end + 1..],
            None => return false,
        },
        '[' | '{' => match closing_bracket(text) {
            Some(end) => &text[end + 1..],
            None => return false,
        },
        // Block scalars, anchors, tags, aliases, reserved indicators.
        '|' | '>' | '&' | '!' | '*' | '%' | '@' | '`' | ']' | '}' | ',' | '?' | ':' => {
            return false
        }
        _ => return !text.contains('\t'),
    };
    let rest = rest.trim_start_matches(' ');
    rest.is_empty() || rest.starts_with('#')
}

/// The index of the quote closing the string `text` starts with.
fn closing_quote(text: &str) -> Option<usize> {
    let quote = text.as_bytes()[0];
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The index of the bracket closing the flow collection `text` starts
/// with (quoted strings inside skipped).
fn closing_bracket(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            b'"' | b'\'' => i += closing_quote(&text[i..])?,
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of `text` a pruner keeping `kept` lets through.
    fn pruned(text: &str, kept: &dyn Fn(&[&str]) -> bool) -> String {
        let mut pruner = Pruner::new(kept);
        text.split_inclusive('\n')
            .filter(|l| pruner.keeps(l))
            .collect()
    }

    fn no_meta(path: &[&str]) -> bool {
        !matches!(path, [_, "meta"] | [_, "meta", ..])
    }

    #[test]
    fn blocks_under_dropped_keys_are_dropped_with_their_items() {
        let text = "a:\n  version: 1\n  meta:\n    x: {optional: true}\n\n    # c\n    y:\n      - 1\n  dependencies:\n    b: ^1\nb:\n  meta:\n  - indentless\n  - item\n  version: 2\n";
        assert_eq!(
            pruned(text, &no_meta),
            "a:\n  version: 1\n  meta:\n  dependencies:\n    b: ^1\nb:\n  meta:\n  version: 2\n"
        );
    }

    #[test]
    fn quoted_keys_name_their_paths() {
        let text = "\"a@npm:1, a@npm:2\":\n  \"meta\":\n    x: 1\n  version: 1\n'b':\n  meta: {}\n";
        assert_eq!(
            pruned(text, &no_meta),
            "\"a@npm:1, a@npm:2\":\n  \"meta\":\n  version: 1\n'b':\n  meta: {}\n"
        );
    }

    #[test]
    fn outside_the_subset_every_later_line_is_kept() {
        for opener in [
            "  text: |\n",
            "  list: [a,\n",
            "  s: \"open\n",
            "  - k: v\n",
            "---\n",
            "  ? complex\n",
            "\tx: 1\n",
            "  a: &anchor 1\n",
        ] {
            let text = format!("a:\n{opener}  meta:\n    x: 1\n");
            assert_eq!(pruned(&text, &no_meta), text, "{opener:?}");
        }
    }

    #[test]
    fn values_that_end_on_their_line_keep_the_pruner_going() {
        for value in [
            "plain text",
            "'it''s'",
            "\"a \\\" b\"",
            "[a, \"]\", {b: c}] # note",
            "{integrity: sha512-x}",
            "",
            "# only a comment",
        ] {
            let text = format!("a:\n  v: {value}\n  meta:\n    x: 1\n");
            assert_eq!(
                pruned(&text, &no_meta),
                format!("a:\n  v: {value}\n  meta:\n"),
                "{value:?}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_and_crlf_do_not_change_the_paths() {
        let text = "\u{feff}a:\r\n  meta:\r\n    x: 1\r\n  version: 1\r\n";
        assert_eq!(
            pruned(text, &no_meta),
            "\u{feff}a:\r\n  meta:\r\n  version: 1\r\n"
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    /// Lines of every kind the pruner meets, in and out of its subset.
    fn line() -> impl Strategy<Value = String> {
        let shapes = vec![
            "meta:",
            "meta: {}",
            "version: 1",
            "a:",
            "b:",
            "c: [x, {y: \"]\"}]",
            "- item",
            "- k: v",
            "-",
            "t: |",
            "text",
            "\"q\":",
            "'s': 'it''s'",
            "# comment",
            "",
            "d: \"open",
            "close\"",
            "e: [a,",
            "b]",
            "f: &x 1",
            "? k",
            "---",
        ];
        (0usize..4, prop::sample::select(shapes))
            .prop_map(|(indent, shape)| format!("{}{shape}\n", "  ".repeat(indent)))
    }

    proptest! {
        /// Whatever the lines, a document the parser reads whole is read
        /// the same with its never-kept blocks pruned.
        #[test]
        fn pruning_never_changes_what_is_kept(lines in prop::collection::vec(line(), 0..24)) {
            let text: String = lines.concat();
            let kept = |path: &[&str]| !path.contains(&"meta");
            if let Ok(whole) = super::super::parse(&mut text.as_bytes(), &kept) {
                let pruned = super::super::parse_pruned(&mut text.as_bytes(), &kept, &kept);
                prop_assert_eq!(pruned.ok(), Some(whole), "{}", text);
            }
        }
    }
}
