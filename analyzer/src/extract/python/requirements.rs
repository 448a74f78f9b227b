//! pip requirements files (`requirements*.txt`, `requirements/*.txt`).
//!
//! Lines are read the way pip reads them: backslash continuations are joined,
//! comments (`#` at the start or after whitespace) are dropped, and per-requirement
//! options (`--hash=...`) are cut off. What counts as a pin:
//!
//! - `name==X` (and `name[extra]==X`, with or without an environment marker):
//!   declared version X. A wildcard (`==1.2.*`) is not a pin.
//! - `name===X` (arbitrary equality): declared version X, literally.
//! - `name~=X` (compatible release): lambda-audit records declared version X
//!   with a note that a newer compatible version may be installed, since X is
//!   only the lower bound. When installed metadata of the same name in the same
//!   archive satisfies `~=X`, reconciliation gives the pin that installed version
//!   (so it merges); otherwise the pin is noted as differing.
//!
//! Everything else (ranges, bare names, URLs, paths, `-e`) is reported as
//! skipped with the reason, never silently dropped. `-r`/`--requirement`
//! includes are followed inside the same archive, relative to the including
//! file, with cycles and depth guarded; `-c` constraints files are not read.

use crate::archive::{ArchiveTree, NESTED_SEPARATOR};
use crate::extract::{utf8, ExtractError, Extracted};
use crate::{Ecosystem, EvidenceKind, Found};
use std::collections::HashSet;

/// How deep `-r` includes are followed (the file scanned itself is depth 0).
pub const MAX_INCLUDE_DEPTH: usize = 8;

/// How a pin names its version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinKind {
    /// `==X`
    Exact,
    /// `===X`
    Arbitrary,
    /// `~=X`: X is a lower bound within a compatible series.
    Compatible,
}

/// A requirement that names one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// The name as the file spells it, extras removed.
    pub name: String,
    pub version: String,
    pub kind: PinKind,
    /// The environment marker after `;`, if any.
    pub marker: Option<String>,
}

impl Pin {
    /// The declared package this pin stands for, seen in the file at `path`.
    pub fn found(&self, path: &str) -> Found {
        let mut notes = Vec::new();
        match self.kind {
            PinKind::Exact => {}
            PinKind::Arbitrary => notes.push("arbitrary equality (===) pin".to_string()),
            PinKind::Compatible => notes.push(format!(
                "{COMPATIBLE_NOTE}{}: {} is a lower bound, a newer compatible version may be installed",
                self.version, self.version
            )),
        }
        if let Some(marker) = &self.marker {
            notes.push(format!("only installed when {marker}"));
        }
        let mut found = Found::new(
            Ecosystem::PyPI,
            &self.name,
            &self.version,
            path,
            EvidenceKind::Declared,
        );
        found.note = super::join_notes(&notes);
        found
    }
}

/// How the note of a `~=` pin starts; see [`compatible_pin`].
const COMPATIBLE_NOTE: &str = "compatible-release pin ~=";

/// The `X` of a `~=X` pin made by this module, read back from its note, so
/// that reconciliation can check it against the installed version.
pub fn compatible_pin(found: &Found) -> Option<&str> {
    let note = found.note.as_deref()?.strip_prefix(COMPATIBLE_NOTE)?;
    note.split_once(':').map(|(version, _)| version)
}

/// What one logical line of a requirements file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Pinned(Pin),
    /// A requirement with no single version; `why` says what it has instead.
    Unpinned {
        requirement: String,
        why: String,
    },
    /// `-r FILE` / `--requirement FILE`.
    Include(String),
    /// `-c FILE` / `--constraint FILE`.
    Constraint(String),
    /// `-e TARGET` / `--editable TARGET`.
    Editable(String),
}

/// Joins continuation lines and strips comments, as pip does. Returns
/// (1-based number of the first physical line, logical line), blank lines left out.
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let is_comment = line.trim_start().starts_with('#');
        match line.strip_suffix('\\') {
            Some(head) if !is_comment => {
                pending
                    .get_or_insert_with(|| (index + 1, String::new()))
                    .1
                    .push_str(head);
            }
            _ => {
                let (number, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
                if !is_comment {
                    joined.push_str(line);
                }
                let content = strip_comment(&joined).trim();
                if !content.is_empty() {
                    out.push((number, content.to_string()));
                }
            }
        }
    }
    if let Some((number, joined)) = pending {
        let content = strip_comment(&joined).trim();
        if !content.is_empty() {
            out.push((number, content.to_string()));
        }
    }
    out
}

/// Cuts a comment: `#` at the start of the line or after whitespace.
fn strip_comment(line: &str) -> &str {
    let mut previous_is_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && previous_is_space {
            return &line[..i];
        }
        previous_is_space = c.is_whitespace();
    }
    line
}

/// Options that take a value in the next token when not written `--opt=value`.
const OPTIONS_WITH_VALUE: [&str; 13] = [
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--no-binary",
    "--only-binary",
    "--use-feature",
    "--hash",
    "--config-settings",
    "--global-option",
    "--install-option",
];

/// Parses one logical line (already free of comments and continuations).
pub fn parse_line(line: &str) -> Vec<Entry> {
    if line.starts_with('-') {
        return parse_options(line);
    }
    // pip's rule: a requirement runs until the first token that starts with `-`.
    let requirement: Vec<&str> = line
        .split_whitespace()
        .take_while(|token| !token.starts_with('-'))
        .collect();
    vec![parse_requirement(&requirement.join(" "))]
}

fn parse_options(line: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut tokens = line.split_whitespace();
    while let Some(token) = tokens.next() {
        let (option, inline) = match token.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
            _ => match token.get(..2) {
                Some(short @ ("-r" | "-c" | "-e")) if token.len() > 2 => {
                    (short, Some(token[2..].to_string()))
                }
                _ => (token, None),
            },
        };
        let value = |tokens: &mut std::str::SplitWhitespace| {
            inline.clone().or_else(|| tokens.next().map(str::to_string))
        };
        match option {
            "-r" | "--requirement" => entries.extend(value(&mut tokens).map(Entry::Include)),
            "-c" | "--constraint" => entries.extend(value(&mut tokens).map(Entry::Constraint)),
            "-e" | "--editable" => entries.extend(value(&mut tokens).map(Entry::Editable)),
            o if OPTIONS_WITH_VALUE.contains(&o) && inline.is_none() => {
                tokens.next();
            }
            _ => {}
        }
    }
    entries
}

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

/// Resolves an include target relative to the including file, inside the same
/// (possibly nested) archive. `None` when it is a URL, absolute, or escapes the root.
pub fn resolve_include(from: &str, target: &str) -> Option<String> {
    let target = target.strip_prefix("file:").unwrap_or(target);
    if target.is_empty() || target.contains("://") || target.starts_with('/') {
        return None;
    }
    let (container, inner) = match from.rsplit_once(NESTED_SEPARATOR) {
        Some((c, i)) => (Some(c), i),
        None => (None, from),
    };
    let mut parts: Vec<&str> = inner.split('/').collect();
    parts.pop();
    for component in target.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    let inner = parts.join("/");
    Some(match container {
        Some(c) => format!("{c}{NESTED_SEPARATOR}{inner}"),
        None => inner,
    })
}

/// Reads a requirements file and the files it includes.
struct Reader<'t> {
    tree: &'t ArchiveTree,
    /// Files being read, outermost first (cycle detection).
    stack: Vec<String>,
    /// Files already read (diamond includes are read once).
    seen: HashSet<String>,
    out: Extracted,
}

impl Reader<'_> {
    fn read(&mut self, path: &str, text: &str) {
        if !self.seen.insert(path.to_string()) {
            return;
        }
        self.stack.push(path.to_string());
        for (number, line) in logical_lines(text) {
            for entry in parse_line(&line) {
                self.record(path, number, entry);
            }
        }
        self.stack.pop();
    }

    fn record(&mut self, path: &str, number: usize, entry: Entry) {
        match entry {
            Entry::Pinned(pin) => self.out.packages.push(pin.found(path)),
            Entry::Unpinned { requirement, why } => self.out.skip(
                path,
                format!("unpinned requirement `{requirement}` (line {number}): {why}"),
            ),
            Entry::Editable(target) => self.out.skip(
                path,
                format!("editable requirement `-e {target}` (line {number}): installed from source, no version"),
            ),
            Entry::Constraint(target) => self.out.skip(
                path,
                format!("constraints file `{target}` (line {number}) not read: constraints install nothing"),
            ),
            Entry::Include(target) => self.include(path, number, &target),
        }
    }

    fn include(&mut self, path: &str, number: usize, target: &str) {
        let what = format!("included file `-r {target}` (line {number})");
        let Some(resolved) = resolve_include(path, target) else {
            return self
                .out
                .skip(path, format!("{what} is outside the archive; not read"));
        };
        if self.stack.contains(&resolved) {
            return self.out.skip(
                path,
                format!("{what} includes itself (cycle); not read again"),
            );
        }
        if self.seen.contains(&resolved) {
            return;
        }
        if self.stack.len() > MAX_INCLUDE_DEPTH {
            return self.out.skip(
                path,
                format!("{what} is nested deeper than {MAX_INCLUDE_DEPTH} includes; not read"),
            );
        }
        let Some(file) = self.tree.get(&resolved) else {
            return self.out.skip(
                path,
                format!("{what} not found in the archive at {resolved}"),
            );
        };
        let bytes = match self.tree.read(file) {
            Ok(bytes) => bytes,
            Err(e) => return self.out.skip(path, format!("{what} not read: {e}")),
        };
        match utf8(&bytes) {
            Ok(text) => self.read(&resolved, text),
            Err(e) => self.out.skip(path, format!("{what} not read: {e}")),
        }
    }
}

/// Parses the requirements file at `path` and, through `tree`, what it includes.
pub fn extract(path: &str, bytes: &[u8], tree: &ArchiveTree) -> Result<Extracted, ExtractError> {
    let text = utf8(bytes)?;
    let mut reader = Reader {
        tree,
        stack: Vec::new(),
        seen: HashSet::new(),
        out: Extracted::default(),
    };
    reader.read(path, text);
    Ok(reader.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::python::testutil::tree;

    fn pin(name: &str, version: &str, kind: PinKind, marker: Option<&str>) -> Entry {
        Entry::Pinned(Pin {
            name: name.into(),
            version: version.into(),
            kind,
            marker: marker.map(Into::into),
        })
    }

    #[test]
    fn continuations_comments_and_hashes() {
        let text = "# header comment \\\nrequests==2.19.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\n\nJinja2==2.10   # pinned on purpose\nurl @ https://x.example/p.whl#sha256=abc\n";
        let lines = logical_lines(text);
        assert_eq!(
            lines,
            vec![
                (
                    2,
                    "requests==2.19.0     --hash=sha256:aaa     --hash=sha256:bbb".to_string()
                ),
                (6, "Jinja2==2.10".to_string()),
                (7, "url @ https://x.example/p.whl#sha256=abc".to_string()),
            ]
        );
        assert_eq!(
            parse_line(&lines[0].1),
            vec![pin("requests", "2.19.0", PinKind::Exact, None)]
        );
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

    #[test]
    fn option_lines() {
        assert_eq!(
            parse_line("-r base.txt"),
            vec![Entry::Include("base.txt".into())]
        );
        assert_eq!(
            parse_line("-rbase.txt"),
            vec![Entry::Include("base.txt".into())]
        );
        assert_eq!(
            parse_line("--requirement=../common.txt"),
            vec![Entry::Include("../common.txt".into())]
        );
        assert_eq!(
            parse_line("-c constraints.txt"),
            vec![Entry::Constraint("constraints.txt".into())]
        );
        assert_eq!(parse_line("-e ."), vec![Entry::Editable(".".into())]);
        assert_eq!(
            parse_line("--index-url https://pypi.example/simple"),
            vec![]
        );
        assert_eq!(
            parse_line("--extra-index-url https://x -r b.txt"),
            vec![Entry::Include("b.txt".into())]
        );
        assert_eq!(parse_line("--require-hashes"), vec![]);
    }

    #[test]
    fn include_paths_stay_inside_their_archive() {
        assert_eq!(
            resolve_include("requirements.txt", "base.txt").as_deref(),
            Some("base.txt")
        );
        assert_eq!(
            resolve_include("app/requirements/prod.txt", "../requirements/./base.txt").as_deref(),
            Some("app/requirements/base.txt")
        );
        assert_eq!(
            resolve_include("a.zip!/requirements.txt", "dev/base.txt").as_deref(),
            Some("a.zip!/dev/base.txt")
        );
        assert_eq!(resolve_include("requirements.txt", "../base.txt"), None);
        assert_eq!(resolve_include("a.zip!/requirements.txt", "../x.txt"), None);
        assert_eq!(resolve_include("requirements.txt", "/etc/base.txt"), None);
        assert_eq!(
            resolve_include("requirements.txt", "https://x/base.txt"),
            None
        );
    }

    #[test]
    fn includes_cycles_and_skips() {
        let files: [(&str, &[u8]); 4] = [
            (
                "requirements.txt",
                b"-r requirements/base.txt\n-r missing.txt\n-e .\nflask>=2\nrequests==2.31.0 --hash=sha256:00\n",
            ),
            ("requirements/base.txt", b"-r common.txt\nurllib3==1.26.18\n"),
            ("requirements/common.txt", b"-r ../requirements.txt\n-r base.txt\nsix~=1.16.0\n"),
            ("requirements/other.txt", b"never read\n"),
        ];
        let tree = tree(&files);
        let out = extract("requirements.txt", files[0].1, &tree).unwrap();
        let found: Vec<_> = out
            .packages
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.version.as_str(),
                    f.path.as_str(),
                    f.evidence,
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "six",
                    "1.16.0",
                    "requirements/common.txt",
                    EvidenceKind::Declared
                ),
                (
                    "urllib3",
                    "1.26.18",
                    "requirements/base.txt",
                    EvidenceKind::Declared
                ),
                (
                    "requests",
                    "2.31.0",
                    "requirements.txt",
                    EvidenceKind::Declared
                ),
            ]
        );
        assert_eq!(
            out.packages[0].note.as_deref(),
            Some("compatible-release pin ~=1.16.0: 1.16.0 is a lower bound, a newer compatible version may be installed")
        );
        let skipped: Vec<_> = out
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            vec![
                ("requirements/common.txt", "included file `-r ../requirements.txt` (line 1) includes itself (cycle); not read again"),
                ("requirements/common.txt", "included file `-r base.txt` (line 2) includes itself (cycle); not read again"),
                ("requirements.txt", "included file `-r missing.txt` (line 2) not found in the archive at missing.txt"),
                ("requirements.txt", "editable requirement `-e .` (line 3): installed from source, no version"),
                ("requirements.txt", "unpinned requirement `flask>=2` (line 4): a version range, not a single version"),
            ]
        );
    }

    #[test]
    fn include_depth_is_limited() {
        let names: Vec<String> = (0..12).map(|i| format!("r{i}.txt")).collect();
        let bodies: Vec<String> = (0..12)
            .map(|i| format!("-r r{}.txt\npkg{i}==1.0\n", i + 1))
            .collect();
        let files: Vec<(&str, &[u8])> = names
            .iter()
            .zip(&bodies)
            .map(|(n, b)| (n.as_str(), b.as_bytes()))
            .collect();
        let tree = tree(&files);
        let out = extract("r0.txt", files[0].1, &tree).unwrap();
        assert_eq!(out.packages.len(), MAX_INCLUDE_DEPTH + 1);
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].path, "r8.txt");
        assert_eq!(
            out.skipped[0].reason,
            "included file `-r r9.txt` (line 1) is nested deeper than 8 includes; not read"
        );
    }

    #[test]
    fn non_utf8_is_an_error() {
        let tree = tree(&[]);
        assert!(extract("requirements.txt", b"\xff\xfe==", &tree).is_err());
    }
}
