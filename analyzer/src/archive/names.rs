//! Path conventions inside an artifact: nested paths, and which names are archives.

/// Separator between an archive's path and a path inside it: `lib/a.jar!/META-INF/x`.
pub const NESTED_SEPARATOR: &str = "!/";

/// Is this file name one of the archive kinds that are opened recursively?
pub fn is_archive_name(name: &str) -> bool {
    has_extension(name, &[".jar", ".war", ".ear", ".zip"])
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

/// True when an entry name would leave the archive root if extracted (zip-slip).
pub(super) fn escapes_root(name: &str) -> bool {
    name.contains("../") || name.starts_with("..")
}
