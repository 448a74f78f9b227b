//! Path conventions inside an artifact: nested paths, and which names are archives.

/// Separator between an archive's path and a path inside it: `lib/a.jar!/META-INF/x`.
pub const NESTED_SEPARATOR: &str = "!/";

/// Is this file name one of the archive kinds that are opened recursively?
/// (`.egg`: a zipped Python distribution in site-packages.)
pub fn is_archive_name(name: &str) -> bool {
    has_extension(name, &[".jar", ".war", ".ear", ".zip", ".egg"])
}

/// Is this file name a jar, war or ear (the archives whose SHA-1 is recorded)?
pub(super) fn is_jar_name(name: &str) -> bool {
    has_extension(name, &[".jar", ".war", ".ear"])
}

fn has_extension(name: &str, extensions: &[&str]) -> bool {
    let lower = name.to_ascii_lowercase();
    extensions.iter().any(|ext| lower.ends_with(ext))
}

/// The path of `name` inside the nested archive at `prefix` (`""` for the artifact itself).
pub(super) fn nested_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}{NESTED_SEPARATOR}{name}")
    }
}

/// An entry name made a relative path inside the archive's root.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Normalised {
    /// `/`-separated, without empty, `.` or `..` segments; empty for the root itself.
    pub(super) path: String,
    /// True when a `..` went above the root (zip-slip): those segments are dropped,
    /// so the entry lands inside the root, as `unzip` and Python's `zipfile` place it.
    pub(super) escaped: bool,
}

/// Resolves `.` and `..` in an entry name and drops leading `/`:
/// `node_modules/./x/../y/package.json` is `node_modules/y/package.json`, and
/// `../../node_modules/z/package.json` is `node_modules/z/package.json`, escaped.
pub(super) fn normalise(name: &str) -> Normalised {
    let mut segments: Vec<&str> = Vec::new();
    let mut escaped = false;
    for segment in name.split('/') {
        match segment {
            "" | "." => {}
            ".." => escaped |= segments.pop().is_none(),
            s => segments.push(s),
        }
    }
    Normalised {
        path: segments.join("/"),
        escaped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_resolve_within_the_root() {
        let n = normalise("node_modules/./x/../y/package.json");
        assert_eq!(n.path, "node_modules/y/package.json");
        assert!(!n.escaped);
        assert_eq!(normalise("/a//b/").path, "a/b");
    }

    #[test]
    fn climbing_above_the_root_is_flagged_and_kept_inside() {
        let n = normalise("../../node_modules/z/package.json");
        assert_eq!(n.path, "node_modules/z/package.json");
        assert!(n.escaped);
        let n = normalise("a/../../b");
        assert_eq!(n.path, "b");
        assert!(n.escaped);
        assert!(
            !normalise("a/..b/c").escaped,
            "`..b` is a name, not a parent"
        );
    }
}
