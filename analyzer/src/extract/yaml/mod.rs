//! Reading untrusted YAML lockfiles (`pnpm-lock.yaml`, yarn berry's
//! `yarn.lock`) as a stream of events, keeping only the parts an inventory
//! needs: a lockfile of hundreds of MB is never held whole, nor as a tree.
//!
//! Events come from `yaml-rust2`'s parser (maintained, pure Rust, no
//! `unsafe`-C port): it reads `char`s from any iterator, so the entry is fed
//! line by line as it inflates, and hands out one event at a time, so what
//! is not kept is dropped at once. (`serde_norway`, used before, loads every
//! event of the document before building anything: 35 MB of pnpm lockfile
//! took 900 MB.) The kept parts become the same [`Value`]s `serde_norway`
//! builds, plain scalars typed by the same rules. Limits:
//!
//! - nesting: collections nested deeper than [`MAX_DEPTH`] stop the parse at
//!   the event that passes it (a 200,000-deep `[[[[...` line fails at once;
//!   a parser that reads every event first takes minutes, quadratic in depth);
//! - aliases (`*anchor`): lockfiles never write them; one is an error, so no
//!   expansion ("billion laughs") can happen at all.

mod prune;

use crate::extract::ExtractError;
use prune::Pruner;
pub use serde_norway::{Mapping, Value};
use std::cell::RefCell;
use std::io::BufRead;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

/// Deepest nesting of collections (mappings and sequences, block or flow)
/// accepted. Lockfiles nest five or six levels.
pub const MAX_DEPTH: usize = 64;

/// Tells the entries of one mapping apart inside a `keep` callback of
/// [`parse`], which the loader calls when an entry's value starts and again
/// when it ends.
#[derive(Debug, Default)]
pub struct EntryKeys {
    last: RefCell<String>,
}

impl EntryKeys {
    /// True when `key` is not the entry asked about last (a new entry).
    pub fn is_new(&self, key: &str) -> bool {
        let mut last = self.last.borrow_mut();
        if *last == key {
            return false;
        }
        last.clear();
        last.push_str(key);
        true
    }
}

/// Parses the first YAML document of `input`, keeping a mapping's value only
/// when `keep` accepts its path (the keys from the root to it; a sequence's
/// items share its path). The root is always kept.
pub fn parse(
    input: &mut dyn BufRead,
    keep: &dyn Fn(&[&str]) -> bool,
) -> Result<Value, ExtractError> {
    load(LineChars::new(input, None), keep)
}

/// [`parse`], the lines of blocks whose path `kept` refuses dropped before
/// the parser reads them (see [`prune`]): `kept` must refuse only paths that
/// `keep` refuses too, and depend on nothing but the path.
pub fn parse_pruned(
    input: &mut dyn BufRead,
    keep: &dyn Fn(&[&str]) -> bool,
    kept: &dyn Fn(&[&str]) -> bool,
) -> Result<Value, ExtractError> {
    load(LineChars::new(input, Some(Pruner::new(kept))), keep)
}

fn load(mut chars: LineChars<'_>, keep: &dyn Fn(&[&str]) -> bool) -> Result<Value, ExtractError> {
    let result = Loader::new(keep).load(&mut Parser::new(&mut chars));
    if let Some(e) = chars.error {
        return Err(ExtractError::new(format!("cannot read YAML: {e}")));
    }
    result
}

/// A whole document held in memory, every part kept (small inputs and tests).
pub fn parse_str(text: &str) -> Result<Value, ExtractError> {
    parse(&mut text.as_bytes(), &|_| true)
}

/// The `char`s of a stream, one line read at a time; an I/O or UTF-8 error
/// ends the stream and is kept for the caller.
struct LineChars<'a> {
    input: &'a mut dyn BufRead,
    line: String,
    at: usize,
    /// A byte-order mark before the first character is skipped.
    started: bool,
    error: Option<std::io::Error>,
    pruner: Option<Pruner<'a>>,
}

impl<'a> LineChars<'a> {
    fn new(input: &'a mut dyn BufRead, pruner: Option<Pruner<'a>>) -> Self {
        LineChars {
            input,
            line: String::new(),
            at: 0,
            started: false,
            error: None,
            pruner,
        }
    }
}

impl Iterator for LineChars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        loop {
            if let Some(c) = self.line[self.at..].chars().next() {
                self.at += c.len_utf8();
                if c == '\u{feff}' && !self.started {
                    continue;
                }
                self.started = true;
                return Some(c);
            }
            self.line.clear();
            self.at = 0;
            match self.input.read_line(&mut self.line) {
                Ok(0) => return None,
                Ok(_) => {
                    if self.pruner.as_mut().is_some_and(|p| !p.keeps(&self.line)) {
                        self.line.clear();
                        self.line.push('\n');
                    }
                }
                Err(e) => {
                    self.error = Some(e);
                    return None;
                }
            }
        }
    }
}

/// A collection being built.
enum Frame {
    /// A kept mapping, the key (`under`) it is the value of, and the key
    /// whose value comes next.
    Map {
        map: Mapping,
        under: Option<String>,
        key: Option<Value>,
    },
    Seq {
        items: Vec<Value>,
        under: Option<String>,
    },
}

/// Builds the kept parts of one document from its events.
struct Loader<'k> {
    keep: &'k dyn Fn(&[&str]) -> bool,
    stack: Vec<Frame>,
    root: Option<Value>,
}

fn invalid(message: impl std::fmt::Display) -> ExtractError {
    ExtractError::new(format!("invalid YAML: {message}"))
}

/// A parse error; the scanner's own flow-nesting limit (255 levels, met
/// before the events reach [`MAX_DEPTH`]) reads as [`too_deep`].
fn scan_error(e: ScanError) -> ExtractError {
    if e.info() == "recursion limit exceeded" {
        too_deep(*e.marker())
    } else {
        invalid(e)
    }
}

fn too_deep(at: Marker) -> ExtractError {
    invalid(format!(
        "collections nested deeper than {MAX_DEPTH} levels at line {}; not parsed",
        at.line()
    ))
}

impl<'k> Loader<'k> {
    fn new(keep: &'k dyn Fn(&[&str]) -> bool) -> Self {
        Loader {
            keep,
            stack: Vec::new(),
            root: None,
        }
    }

    fn load<I: Iterator<Item = char>>(
        mut self,
        parser: &mut Parser<I>,
    ) -> Result<Value, ExtractError> {
        loop {
            let (event, at) = parser.next_token().map_err(scan_error)?;
            match event {
                Event::StreamEnd | Event::DocumentEnd => break,
                Event::Nothing | Event::StreamStart | Event::DocumentStart => {}
                Event::Alias(_) => {
                    return Err(invalid(format!(
                        "alias at line {}: lockfiles do not use aliases; not parsed",
                        at.line()
                    )))
                }
                Event::Scalar(text, style, _, tag) => {
                    self.add(scalar(text, style, tag.as_ref()))?
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    if self.stack.len() + 1 > MAX_DEPTH {
                        return Err(too_deep(at));
                    }
                    let is_map = matches!(event, Event::MappingStart(..));
                    match self.placement() {
                        Placement::Key => {
                            return Err(invalid(format!(
                                "collection used as a key at line {}; not parsed",
                                at.line()
                            )))
                        }
                        Placement::Dropped => {
                            skip(parser, self.stack.len() + 1)?;
                            self.add(Value::Null)?;
                        }
                        Placement::Kept(under) => self.stack.push(if is_map {
                            Frame::Map {
                                map: Mapping::new(),
                                under,
                                key: None,
                            }
                        } else {
                            Frame::Seq {
                                items: Vec::new(),
                                under,
                            }
                        }),
                    }
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    let value = match self.stack.pop() {
                        Some(Frame::Map { map, .. }) => Value::Mapping(map),
                        Some(Frame::Seq { items, .. }) => Value::Sequence(items),
                        None => return Err(invalid("unbalanced collection end")),
                    };
                    self.add(value)?;
                }
            }
            if self.root.is_some() {
                break;
            }
        }
        Ok(self.root.take().unwrap_or(Value::Null))
    }

    /// Where the next node goes.
    fn placement(&self) -> Placement {
        let pending = match self.stack.last() {
            None => return Placement::Kept(None),
            Some(Frame::Map { key: None, .. }) => return Placement::Key,
            Some(Frame::Map { key: Some(k), .. }) => Some(key_text(k)),
            Some(Frame::Seq { .. }) => None,
        };
        let mut path: Vec<&str> = self
            .stack
            .iter()
            .filter_map(|f| match f {
                Frame::Map { under, .. } | Frame::Seq { under, .. } => under.as_deref(),
            })
            .collect();
        path.extend(pending.as_deref());
        if (self.keep)(&path) {
            Placement::Kept(pending)
        } else {
            Placement::Dropped
        }
    }

    /// Puts a finished node where it belongs (or drops it).
    fn add(&mut self, value: Value) -> Result<(), ExtractError> {
        let keep = match self.placement() {
            Placement::Dropped => false,
            Placement::Key | Placement::Kept(_) => true,
        };
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map {
                key: key @ None, ..
            }) => *key = Some(value),
            Some(Frame::Map { map, key, .. }) => {
                let key = key.take().unwrap_or(Value::Null);
                if keep {
                    if map.contains_key(&key) {
                        return Err(invalid(format!("duplicate key {}", key_text(&key))));
                    }
                    map.insert(key, value);
                }
            }
        }
        Ok(())
    }
}

/// Where a node goes in [`Loader`].
enum Placement {
    /// A mapping key.
    Key,
    /// A value kept, and the key it is under (for the paths below it).
    Kept(Option<String>),
    /// A value not kept.
    Dropped,
}

/// A key as paths name it.
fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Consumes the events of a collection not kept, whose start (at `depth`)
/// was just read, still within [`MAX_DEPTH`].
fn skip<I: Iterator<Item = char>>(
    parser: &mut Parser<I>,
    depth: usize,
) -> Result<(), ExtractError> {
    let mut open = 1usize;
    while open > 0 {
        let (event, at) = parser.next_token().map_err(scan_error)?;
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                open += 1;
                if depth + open - 1 > MAX_DEPTH {
                    return Err(too_deep(at));
                }
            }
            Event::MappingEnd | Event::SequenceEnd => open -= 1,
            Event::StreamEnd => return Err(invalid("document ends inside a collection")),
            _ => {}
        }
    }
    Ok(())
}

/// A scalar typed as `serde_norway` types it: quoted and block scalars (and
/// `!!str`) are strings; a plain scalar that could be a null, a boolean or a
/// number is resolved by `serde_norway` itself, so both read it alike.
fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    let is_str_tag = tag.is_some_and(|t| {
        t.suffix == "str" && matches!(t.handle.as_str(), "tag:yaml.org,2002:" | "!!")
    });
    if style != TScalarStyle::Plain || is_str_tag {
        return Value::String(text);
    }
    let maybe_typed = text.is_empty()
        || (text.matches('.').count() <= 1
            && text.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_' | b'~')
            }));
    if maybe_typed {
        if let Ok(value) = serde_norway::from_str::<Value>(&text) {
            if !matches!(
                value,
                Value::Mapping(_) | Value::Sequence(_) | Value::Tagged(_)
            ) {
                return value;
            }
        }
    }
    Value::String(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep_all(_: &[&str]) -> bool {
        true
    }

    #[test]
    fn lockfile_shapes_read_as_serde_norway_reads_them() {
        let text = "lockfileVersion: '9.0'\nv: 5.4\nn: 6\nflag: true\nnone: ~\nver: 1.2.3\nq: \"1.0\"\nnote: |\n  [[[[\n\n  {{{{\nsummary: >-\n    [[[[\npackages:\n  /a@1.0.0:\n    resolution: {integrity: 'sha512-[x'}\n    engines: {node: '>=8'}\n    cpu: [x64, arm64]\n  key: a[b\n  other: \"[[[[\"\n  list:\n    - [1, [2, {c: [3]}]]\n    - x\n# [[[[[[\n";
        let ours = parse_str(text).unwrap();
        let theirs: Value = serde_norway::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        let scalars = "a: 1.0\nb: 0x1F\nc: .5\nd: -1\ne: 1e3\nf: null\ng: True\nh: yes\ni: ~\nj: 'true'\nk: >\n  folded\n  text\nl: plain\n  continued\n'1.0': x\n2: y\nm: \"\"\nn:\no: 1.2.3-rc.1+b\np: npm:1.0.0\nq: link:../x\nr: !!str 5\n";
        let ours = parse_str(scalars).unwrap();
        let theirs: Value = serde_norway::from_str(scalars).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn only_kept_paths_are_built() {
        let text = "a:\n  b: 1\n  c: [1, 2]\nd:\n  e: {f: 1}\n  g:\n    - {h: 1}\n";
        let keep = |path: &[&str]| path.len() < 2 || path[0] != "d" || path[1] == "g";
        let value = parse(&mut text.as_bytes(), &keep).unwrap();
        let expected: Value =
            serde_norway::from_str("a: {b: 1, c: [1, 2]}\nd: {g: [{h: 1}]}\n").unwrap();
        assert_eq!(value, expected);
        let none = parse(&mut text.as_bytes(), &|p: &[&str]| p.is_empty()).unwrap();
        assert_eq!(none, Value::Mapping(Mapping::new()));
    }

    #[test]
    fn deep_nesting_is_refused_at_once() {
        // Issue 11: 200,000 nested flow sequences in under 1 KB once zipped.
        let text = format!("a: {}", "[".repeat(200_000));
        let started = std::time::Instant::now();
        let err = parse_str(&text).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid YAML: collections nested deeper than 64 levels at line 1; not parsed"
        );
        // Not a speed test: minutes, not milliseconds, is what the bug was.
        assert!(started.elapsed().as_secs() < 60);
        // Also where the value is not kept.
        let err = parse(&mut text.as_bytes(), &|p: &[&str]| p.is_empty()).unwrap_err();
        assert!(err.to_string().contains("deeper than 64"), "{err}");
        let text = format!("- {}{}\n", "{a: ".repeat(64), "}".repeat(64));
        assert!(parse_str(&text)
            .unwrap_err()
            .to_string()
            .contains("deeper than 64"));
        let ok = format!("- {}1{}\n", "[".repeat(63), "]".repeat(63));
        assert!(parse_str(&ok).is_ok());
    }

    #[test]
    fn aliases_are_refused_so_nothing_expands() {
        // "Billion laughs": ten levels of ten aliases each would expand to 10^10 nodes.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let refs = vec![format!("*a{}", level - 1); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        let err = parse(&mut text.as_bytes(), &keep_all)
            .unwrap_err()
            .to_string();
        assert!(err.contains("aliases"), "{err}");
    }

    #[test]
    fn broken_input_says_why() {
        let err = parse_str("a: [1, 2\n").unwrap_err().to_string();
        assert!(err.starts_with("invalid YAML"), "{err}");
        let err = parse_str("a: 1\na: 2\n").unwrap_err().to_string();
        assert!(err.contains("duplicate key a"), "{err}");
        let mut bad: &[u8] = b"a: \xff\n";
        let err = parse(&mut bad, &keep_all).unwrap_err().to_string();
        assert!(err.starts_with("cannot read YAML"), "{err}");
    }
}
