//! Golden files: expected outputs kept in the repository.

use std::path::Path;

/// Set to `1`, [`golden`] rewrites the golden files instead of comparing (any other value,
/// `0` included, compares).
pub const UPDATE_GOLDEN_ENV: &str = "UPDATE_GOLDEN";

/// Asserts that the golden file `path` holds `actual`, naming the first differing line; with
/// `UPDATE_GOLDEN=1` writes `actual` to it instead.
pub fn golden(path: &Path, actual: &str) {
    if rewrites(std::env::var(UPDATE_GOLDEN_ENV).ok().as_deref()) {
        std::fs::create_dir_all(path.parent().expect("a golden file lies in a directory"))
            .and_then(|()| std::fs::write(path, actual))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("UPDATED golden file {}", path.display());
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with {UPDATE_GOLDEN_ENV}=1 to create it)",
            path.display()
        )
    });
    if let Some(line) = first_difference(&expected, actual) {
        panic!(
            "{} differs from the output at line {line}:\n--- expected\n{}\n--- actual\n{}",
            path.display(),
            expected.lines().nth(line - 1).unwrap_or("<end>"),
            actual.lines().nth(line - 1).unwrap_or("<end>")
        );
    }
}

/// Whether the [`UPDATE_GOLDEN_ENV`] setting asks for the files to be
/// rewritten: `1` only (`0`, `true`, empty or unset compare).
fn rewrites(setting: Option<&str>) -> bool {
    setting == Some("1")
}

/// The 1-based number of the first line where the texts differ; `None` when they are equal.
fn first_difference(expected: &str, actual: &str) -> Option<usize> {
    if expected == actual {
        return None;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .map(|i| i + 1)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()) + 1);
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::{first_difference, rewrites};

    #[test]
    fn only_update_golden_1_rewrites() {
        assert!(rewrites(Some("1")));
        for setting in [None, Some("0"), Some(""), Some("true"), Some("yes")] {
            assert!(!rewrites(setting), "{setting:?}");
        }
    }

    #[test]
    fn the_first_differing_line_is_named() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        assert_eq!(first_difference("a\nb\n", "a\nc\n"), Some(2));
        assert_eq!(first_difference("a\n", "a\nb\n"), Some(2));
        assert_eq!(first_difference("a\n", "a"), Some(2));
    }
}
