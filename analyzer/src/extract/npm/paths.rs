//! Path rules of a node project: which `package.json` is an installed package's
//! own manifest, which is a project root, and where a project's `node_modules` is.

use crate::archive::NESTED_SEPARATOR;

/// What a `package.json` is, judged from its path alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ManifestKind {
    /// Directly in `node_modules/<name>/` or `node_modules/@scope/<name>/`.
    Installed,
    /// Outside any `node_modules`: the function's, layer's or a workspace's own manifest.
    Root,
}

/// The directory part of a `/`-separated path (`""` for a top-level name).
/// Inside a nested archive the directory of a top-level entry is `outer.zip!`.
pub(super) fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `dir/rel`, or `rel` when `dir` is empty.
pub(super) fn under(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// True when any component of `path` is `node_modules`.
pub(super) fn in_node_modules(path: &str) -> bool {
    path.split('/').any(|c| c == "node_modules")
}

/// The project directory owning an install path: everything before the first
/// `node_modules` of the innermost archive (`""` at the artifact's top level).
/// `None` when the path is not inside a `node_modules`.
pub(super) fn project_of(install_path: &str) -> Option<&str> {
    let start = install_path
        .rfind(NESTED_SEPARATOR)
        .map_or(0, |i| i + NESTED_SEPARATOR.len());
    let mut offset = start;
    for component in install_path[start..].split('/') {
        if component == "node_modules" {
            return Some(install_path[..offset].trim_end_matches('/'));
        }
        offset += component.len() + 1;
    }
    None
}

/// Is `name` usable as an npm package directory name (not `.bin`, `.cache`...)?
fn is_package_dir(name: &str) -> bool {
    !name.is_empty() && !name.starts_with(['.', '_'])
}

/// Classifies a `package.json` by its path inside its archive. Installed
/// manifests must sit at `node_modules/<pkg>(/node_modules/<pkg>)*/package.json`,
/// where `<pkg>` is `name` or `@scope/name` (pnpm's `node_modules/.pnpm/<id>/`
/// store is allowed). Anything else inside `node_modules` (test fixtures,
/// `dist/package.json` markers), and anything under `META-INF`, is `None`.
pub(super) fn manifest_kind(inner_path: &str) -> Option<ManifestKind> {
    let segments: Vec<&str> = inner_path.split('/').collect();
    let (&last, dirs) = segments.split_last()?;
    // Jars (webjars) carry npm manifests under META-INF; those are the Maven
    // extractor's business.
    if last != "package.json" || dirs.contains(&"META-INF") {
        return None;
    }
    let Some(first) = dirs.iter().position(|&s| s == "node_modules") else {
        return Some(ManifestKind::Root);
    };
    let mut i = first;
    loop {
        if dirs.get(i) != Some(&"node_modules") {
            return None;
        }
        i += 1;
        if dirs.get(i) == Some(&".pnpm") {
            i += 1;
            if dirs.get(i).is_some_and(|&s| s != "node_modules") {
                i += 1;
            }
            continue;
        }
        let name = *dirs.get(i)?;
        if let Some(scope) = name.strip_prefix('@') {
            if scope.is_empty() || !is_package_dir(dirs.get(i + 1)?) {
                return None;
            }
            i += 2;
        } else if is_package_dir(name) {
            i += 1;
        } else {
            return None;
        }
        if i == dirs.len() {
            return Some(ManifestKind::Installed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_manifests_sit_directly_in_node_modules() {
        let installed = Some(ManifestKind::Installed);
        for p in [
            "node_modules/debug/package.json",
            "node_modules/debug/node_modules/ms/package.json",
            "node_modules/@hapi/hoek/package.json",
            "nodejs/node_modules/@a/b/node_modules/c/package.json",
            "node_modules/.pnpm/ms@2.1.2/node_modules/ms/package.json",
            "node_modules/.pnpm/node_modules/ms/package.json",
            "nodejs/node18/node_modules/x/package.json",
        ] {
            assert_eq!(manifest_kind(p), installed, "{p}");
        }
    }

    #[test]
    fn other_manifests_are_ignored() {
        for p in [
            "node_modules/x/dist/package.json",
            "node_modules/x/test/fixtures/node_modules/y/package.json",
            "node_modules/.bin/package.json",
            "node_modules/@scope/package.json",
            "node_modules/package.json",
            "node_modules/x/package.jsonx",
            "node_modules/@/x/package.json",
            "META-INF/resources/webjars/jquery/3.4.1/package.json",
        ] {
            assert_eq!(manifest_kind(p), None, "{p}");
        }
    }

    #[test]
    fn manifests_outside_node_modules_are_roots() {
        for p in [
            "package.json",
            "nodejs/package.json",
            "some/dir/package.json",
        ] {
            assert_eq!(manifest_kind(p), Some(ManifestKind::Root), "{p}");
        }
    }

    #[test]
    fn projects_own_their_node_modules() {
        assert_eq!(project_of("node_modules/a/node_modules/b"), Some(""));
        assert_eq!(project_of("nodejs/node_modules/a"), Some("nodejs"));
        assert_eq!(project_of("w.zip!/node_modules/a"), Some("w.zip!"));
        assert_eq!(
            project_of("x/w.zip!/app/node_modules/a"),
            Some("x/w.zip!/app")
        );
        assert_eq!(project_of("lib/a"), None);
        assert_eq!(under("", "node_modules/a"), "node_modules/a");
        assert_eq!(under("w.zip!", "node_modules/a"), "w.zip!/node_modules/a");
        assert_eq!(parent_dir("w.zip!/package.json"), "w.zip!");
        assert_eq!(parent_dir("package.json"), "");
    }
}
