//! Absolute `/`-separated paths in the function's filesystem.

/// The largest source file read while following imports; a larger one is
/// treated as loading anything (its imports are unknown).
pub const MAX_SOURCE_BYTES: u64 = 16 * 1024 * 1024;

/// The folder holding `path` (`/` for a top-level entry).
pub(super) fn parent(path: &str) -> &str {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((dir, _)) => dir,
    }
}

/// `rel` resolved against the folder `base`, with `.` and `..` applied
/// (never above `/`).
pub(super) fn join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let whole = if rel.starts_with('/') {
        rel.to_string()
    } else {
        format!("{base}/{rel}")
    };
    for part in whole.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_joins() {
        assert_eq!(parent("/var/task/index.js"), "/var/task");
        assert_eq!(parent("/var"), "/");
        assert_eq!(parent("/"), "/");
        assert_eq!(join("/var/task/lib", "../x/./y.js"), "/var/task/x/y.js");
        assert_eq!(join("/var/task", "../../../../etc"), "/etc");
        assert_eq!(join("/var/task", "/opt/a"), "/opt/a");
    }
}
