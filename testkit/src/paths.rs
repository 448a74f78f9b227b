//! Paths inside the repository: its root and the bundled `fixtures/`.

use std::path::{Path, PathBuf};

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit/ lies in the workspace root")
}

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    workspace_root().join("fixtures")
}

/// A path under the repository's `fixtures/`, e.g. `fixture("osv/x.json")`.
pub fn fixture(rel: &str) -> PathBuf {
    fixtures().join(rel)
}

/// A corpus artifact: `fixtures/corpus/<name>`.
pub fn corpus(name: &str) -> PathBuf {
    fixtures().join("corpus").join(name)
}

/// The bytes of a corpus artifact; panics (naming the file) when it cannot be read.
pub fn corpus_bytes(name: &str) -> Vec<u8> {
    let path = corpus(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_found_from_the_workspace_root() {
        assert!(workspace_root().join("Cargo.toml").is_file());
        assert!(corpus("node-basic.zip").is_file());
        assert!(!corpus_bytes("node-basic.zip").is_empty());
    }
}
