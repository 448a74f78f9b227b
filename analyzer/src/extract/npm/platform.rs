//! npm's `os` / `cpu` / `libc` fields as the lockfiles record them (a string
//! or a list of strings), read into a [`PlatformConstraint`].

use crate::extract::yaml::{Mapping, Value};
use crate::platform::PlatformConstraint;

/// A JSON string or list of strings (an `os`, `cpu` or `libc` member of a
/// package-lock entry); anything else restricts nothing.
pub(super) fn json_list(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The constraint of a pnpm-lock `packages` entry.
pub(super) fn from_yaml(entry: &Mapping) -> PlatformConstraint {
    let list = |key: &str| match entry.get(key) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    PlatformConstraint {
        os: list("os"),
        cpu: list("cpu"),
        libc: list("libc"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_lists_are_read_and_anything_else_ignored() {
        let read = |s: &str| json_list(&serde_json::from_str(s).unwrap());
        assert_eq!(read(r#"["darwin"]"#), ["darwin"]);
        assert_eq!(read(r#""arm64""#), ["arm64"]);
        assert!(read("3").is_empty());
    }
}
