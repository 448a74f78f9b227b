//! npm's `os` / `cpu` / `libc` fields as the lockfiles record them (a string
//! or a list of strings), read into a [`PlatformConstraint`].

use crate::extract::yaml::{Mapping, Value};
use crate::platform::PlatformConstraint;
use serde_json::value::RawValue;

/// A JSON string or list of strings; anything else restricts nothing.
fn json_list(raw: Option<&RawValue>) -> Vec<String> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    serde_json::from_str::<Vec<String>>(raw.get())
        .or_else(|_| serde_json::from_str::<String>(raw.get()).map(|s| vec![s]))
        .unwrap_or_default()
}

/// The constraint of a package-lock entry's `os`, `cpu` and `libc` members.
pub(super) fn from_json(
    os: Option<&RawValue>,
    cpu: Option<&RawValue>,
    libc: Option<&RawValue>,
) -> PlatformConstraint {
    PlatformConstraint {
        os: json_list(os),
        cpu: json_list(cpu),
        libc: json_list(libc),
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
        let raw = |s: &str| RawValue::from_string(s.to_string()).unwrap();
        let (os, cpu, libc) = (raw(r#"["darwin"]"#), raw(r#""arm64""#), raw("3"));
        let c = from_json(Some(&os), Some(&cpu), Some(&libc));
        assert_eq!(
            (c.os, c.cpu, c.libc),
            (vec!["darwin".into()], vec!["arm64".into()], vec![])
        );
        let yaml = crate::extract::yaml::parse("os: [linux]\ncpu: x64\nlibc: [musl]\n").unwrap();
        let c = from_yaml(yaml.as_mapping().unwrap());
        assert_eq!(c.describe(), "os linux, cpu x64, libc musl");
    }
}
