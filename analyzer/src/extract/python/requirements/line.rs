//! Logical lines of a requirements file, as pip reads them (continuations
//! joined, comments cut), and the options they carry.

use super::entry::Entry;
use super::requirement::parse_requirement;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::python::requirements::entry::PinKind;
    use crate::extract::python::requirements::testutil::pin;

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
}
