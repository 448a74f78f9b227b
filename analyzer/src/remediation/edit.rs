//! Applying a fix plan to a project folder's files: requirement pins are
//! rewritten in place, transitive npm packages get a `package.json`
//! `overrides` entry (the lockfile changes at the next `npm install`). Every
//! other action is advice only. Edits are text edits: the rest of each file
//! (order, comments, formatting) is kept byte for byte.

use super::npm_graph::MANIFEST;
use super::{Action, Plan, ProjectFiles};
use crate::ecosystem::pep503_normalize;
use crate::extract::python::requirements::{parse_line, Entry};
use crate::extract::python::Format;
use crate::findings::PackageRef;

/// A file's new contents, with what changed in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// Relative to the project folder.
    pub path: String,
    pub text: String,
    /// One line per change, for people.
    pub changes: Vec<String>,
}

/// The requirement line pinning `package` in the project's requirements
/// files (the first one, in path order), and that line with `target`.
pub(super) fn requirement_line(
    package: &PackageRef,
    target: Option<&str>,
    files: &ProjectFiles,
) -> Option<Action> {
    let wanted = pep503_normalize(&package.name);
    files
        .iter()
        .filter(|(path, _)| Format::of_path(path) == Some(Format::Requirements))
        .find_map(|(path, text)| {
            text.lines().enumerate().find_map(|(index, line)| {
                let requirement = line.split(" #").next().unwrap_or(line).trim();
                let entries = parse_line(requirement);
                let [Entry::Pinned(pin)] = entries.as_slice() else {
                    return None;
                };
                if pep503_normalize(&pin.name) != wanted || pin.version != package.version {
                    return None;
                }
                Some(Action::RequirementPin {
                    file: path.clone(),
                    line: index + 1,
                    from: line.to_string(),
                    to: target.and_then(|t| repin(line, &pin.version, t)),
                })
            })
        })
}

/// `line` with the version after its `==` (or `===`, `~=`) replaced.
fn repin(line: &str, version: &str, target: &str) -> Option<String> {
    let operator = line.find("==").or_else(|| line.find("~="))?;
    let at = operator + line[operator..].find(version)?;
    Some(format!(
        "{}{target}{}",
        &line[..at],
        &line[at + version.len()..]
    ))
}

/// The edits that carry out `plan` on `files`: requirement pins, and npm
/// overrides (one per transitive package, pinned to its target).
pub fn apply(plan: &Plan, files: &ProjectFiles) -> Vec<Edit> {
    let mut edits: Vec<Edit> = Vec::new();
    let edit_of = |path: &str, edits: &mut Vec<Edit>| -> Option<usize> {
        if let Some(i) = edits.iter().position(|e| e.path == path) {
            return Some(i);
        }
        let text = files.get(path)?.clone();
        edits.push(Edit {
            path: path.to_string(),
            text,
            changes: Vec::new(),
        });
        Some(edits.len() - 1)
    };
    for fix in &plan.packages {
        let Some(target) = fix.target.as_deref() else {
            continue;
        };
        for action in &fix.actions {
            match action {
                Action::RequirementPin {
                    file,
                    line,
                    from,
                    to: Some(to),
                } => {
                    let Some(i) = edit_of(file, &mut edits) else {
                        continue;
                    };
                    if replace_line(&mut edits[i].text, *line, from, to) {
                        edits[i].changes.push(format!(
                            "line {line}: `{}` -> `{}`",
                            from.trim(),
                            to.trim()
                        ));
                    }
                }
                Action::NpmOverride { name, .. } => {
                    let Some(i) = edit_of(MANIFEST, &mut edits) else {
                        continue;
                    };
                    if let Some(text) = add_override(&edits[i].text, name, target) {
                        edits[i].text = text;
                        edits[i]
                            .changes
                            .push(format!("overrides: \"{name}\": \"{target}\""));
                    }
                }
                _ => {}
            }
        }
    }
    edits.retain(|e| !e.changes.is_empty());
    edits
}

/// Replaces line `number` (1-based) of `text` when it still reads `from`.
fn replace_line(text: &mut String, number: usize, from: &str, to: &str) -> bool {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let Some(line) = lines.get_mut(number - 1) else {
        return false;
    };
    let (content, ending) = match line.strip_suffix("\r\n") {
        Some(c) => (c, "\r\n"),
        None => match line.strip_suffix('\n') {
            Some(c) => (c, "\n"),
            None => (*line, ""),
        },
    };
    if content != from {
        return false;
    }
    let replaced = format!("{to}{ending}");
    *line = &replaced;
    let new_text: String = lines.concat();
    *text = new_text;
    true
}

/// `package.json` text with `"name": "version"` in its `overrides`, added
/// as the object's first member (the object is created when absent); `None`
/// when the manifest is not a JSON object or already overrides `name`.
fn add_override(text: &str, name: &str, version: &str) -> Option<String> {
    let manifest: serde_json::Value = serde_json::from_str(text).ok()?;
    let manifest = manifest.as_object()?;
    let entry = format!(
        "{}: {}",
        serde_json::to_string(name).ok()?,
        serde_json::to_string(version).ok()?
    );
    match manifest.get("overrides") {
        Some(serde_json::Value::Object(existing)) => {
            if existing.contains_key(name) {
                return None;
            }
            let key = text.find("\"overrides\"")?;
            let open = key + text[key..].find('{')?;
            let separator = if existing.is_empty() { "" } else { "," };
            Some(format!(
                "{}\n    {entry}{separator}{}",
                &text[..=open],
                &text[open + 1..]
            ))
        }
        Some(_) => None,
        None => {
            let close = text.rfind('}')?;
            let body = text[..close].trim_end();
            let separator = if manifest.is_empty() { "" } else { "," };
            Some(format!(
                "{body}{separator}\n  \"overrides\": {{\n    {entry}\n  }}\n{}",
                &text[close..]
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_rewritten_in_place() {
        assert_eq!(
            repin("Django==3.2.0 ; python_version>'3'", "3.2.0", "3.2.25").as_deref(),
            Some("Django==3.2.25 ; python_version>'3'")
        );
        let mut text = "flask==2.0.0\r\nDjango==3.2.0  # web\r\n".to_string();
        assert!(replace_line(
            &mut text,
            2,
            "Django==3.2.0  # web",
            "Django==3.2.25  # web"
        ));
        assert_eq!(text, "flask==2.0.0\r\nDjango==3.2.25  # web\r\n");
        assert!(
            !replace_line(&mut text, 2, "Django==3.2.0  # web", "x"),
            "changed since"
        );
    }

    #[test]
    fn overrides_are_added_keeping_the_rest_of_the_manifest() {
        let plain = "{\n  \"name\": \"fn\",\n  \"dependencies\": {\"express\": \"4.17.1\"}\n}\n";
        let out = add_override(plain, "qs", "6.7.3").unwrap();
        assert_eq!(
            out,
            "{\n  \"name\": \"fn\",\n  \"dependencies\": {\"express\": \"4.17.1\"},\n  \
             \"overrides\": {\n    \"qs\": \"6.7.3\"\n  }\n}\n"
        );
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["overrides"]["qs"], "6.7.3");
        let again = add_override(&out, "cookie", "0.7.0").unwrap();
        let json: serde_json::Value = serde_json::from_str(&again).unwrap();
        assert_eq!(json["overrides"]["cookie"], "0.7.0");
        assert_eq!(json["overrides"]["qs"], "6.7.3");
        assert_eq!(
            add_override(&again, "qs", "9.9.9"),
            None,
            "already overridden"
        );
        assert_eq!(add_override("[]", "qs", "1"), None);
    }
}
