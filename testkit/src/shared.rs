//! The data that lives outside the repository, in `../shared` (full advisory exports, the
//! corpus, the official schemas): one idea of where it is and of when it is present.
//!
//! - A configured path (`LAMBDA_AUDIT_SHARED`, `LAMBDA_AUDIT_SCHEMAS`, ...) must exist: a wrong
//!   setting fails the test, it never skips.
//! - Otherwise the shared directory is `../shared` next to the workspace root, present when it is
//!   a directory. When it is absent the test [`skip`](crate::skip)s; when it is present, every
//!   file a test asks for must be in it.

use crate::paths::workspace_root;
use crate::skip::skip;
use std::ffi::OsString;
use std::path::PathBuf;

/// The shared data directory, when not `../shared`.
pub const SHARED_ENV: &str = "LAMBDA_AUDIT_SHARED";
/// The official JSON schemas, when not `<shared>/schemas`.
pub const SCHEMAS_ENV: &str = "LAMBDA_AUDIT_SCHEMAS";

/// The path the environment variable `var` names: `None` when unset or empty. Panics when the
/// path does not exist: a configured path that is wrong fails, it never skips.
pub fn configured_path(var: &str) -> Option<PathBuf> {
    existing(var, std::env::var_os(var))
}

fn existing(var: &str, value: Option<OsString>) -> Option<PathBuf> {
    let path = PathBuf::from(value.filter(|v| !v.is_empty())?);
    assert!(
        path.exists(),
        "{var}={} does not exist (unset it to use ../shared, or fix the path)",
        path.display()
    );
    Some(path)
}

/// The shared data directory: `$LAMBDA_AUDIT_SHARED`, else `../shared` beside the workspace
/// root when it is a directory.
fn shared_dir() -> Option<PathBuf> {
    configured_path(SHARED_ENV).or_else(|| {
        let beside = workspace_root().parent()?.join("shared");
        beside.is_dir().then_some(beside)
    })
}

/// `rel` inside the shared data directory (e.g. `"advisories/npm/all.zip"`). Without a shared
/// directory the running test [`skip`]s and gets `None`; with one, `rel` must exist (a partial
/// `../shared` fails the test rather than checking less).
pub fn shared_path(rel: &str) -> Option<PathBuf> {
    let Some(shared) = shared_dir() else {
        skip(format_args!(
            "needs ../shared/{rel}: no ../shared beside the repository and {SHARED_ENV} unset"
        ));
        return None;
    };
    let path = shared.join(rel);
    assert!(
        path.exists(),
        "{} is missing: the shared data at {} is incomplete",
        path.display(),
        shared.display()
    );
    Some(path)
}

/// The official JSON schemas (SARIF, CycloneDX, ...): `$LAMBDA_AUDIT_SCHEMAS`, else
/// `<shared>/schemas`; `None` after a [`skip`] when neither exists.
pub fn schemas_dir() -> Option<PathBuf> {
    configured_path(SCHEMAS_ENV).or_else(|| shared_path("schemas"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_or_empty_setting_is_no_setting() {
        assert_eq!(existing("X", None), None);
        assert_eq!(existing("X", Some(OsString::new())), None);
    }

    #[test]
    fn an_existing_setting_is_taken() {
        let root = workspace_root().to_path_buf();
        assert_eq!(existing("X", Some(root.clone().into())), Some(root));
    }

    #[test]
    #[should_panic(expected = "X=/nonexistent/shared does not exist")]
    fn a_setting_that_does_not_exist_fails() {
        existing("X", Some("/nonexistent/shared".into()));
    }
}
