//! Module paths as bundlers record them (`../node_modules/a/node_modules/@s/b/x.js`,
//! `webpack://app/./node_modules/...`, `node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js`)
//! and the package copy each one belongs to.

use super::super::{normalize_version, split_at_version};

/// The package copy a bundled file belongs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct PackageCopy {
    /// The package's name (`@scope/name` when scoped).
    pub name: String,
    /// The copy's folder from the first `node_modules` on
    /// (`node_modules/a/node_modules/b`): the key lockfiles use.
    pub module_path: String,
    /// The file's path inside the package (`lib/index.js`).
    pub file: String,
    /// The version a store path spells out (`node_modules/.pnpm/<name>@<version>/`).
    pub store_version: Option<String>,
}

/// Can `segment` be a package folder (not `.bin`, `.cache`, `.pnpm`...)?
fn is_package_segment(segment: &str) -> bool {
    !segment.is_empty() && !segment.starts_with(['.', '_']) && !segment.contains(['\\', ':'])
}

/// The package copy `path` sits in: the innermost `node_modules/<pkg>/` folder
/// with a file below it. `None` for the project's own files and for paths
/// that end at a folder.
pub(super) fn package_of(path: &str) -> Option<PackageCopy> {
    // Loaders and queries: `babel-loader!./node_modules/x/y.js?abc`.
    let path = path.rsplit('!').next().unwrap_or(path);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let first = segments.iter().position(|s| *s == "node_modules")?;
    let mut found = None;
    let mut i = first;
    while i < segments.len() {
        if segments[i] != "node_modules" {
            i += 1;
            continue;
        }
        let Some(&head) = segments.get(i + 1) else {
            break;
        };
        let width = if head.starts_with('@') { 2 } else { 1 };
        let name_segments = segments.get(i + 1..i + 1 + width);
        let has_file = segments.len() > i + 1 + width;
        match name_segments {
            Some(parts)
                if has_file
                    && parts
                        .iter()
                        .all(|s| is_package_segment(s.trim_start_matches('@')))
                    && (width == 1 || head.len() > 1) =>
            {
                found = Some((i, parts.join("/"), i + 1 + width));
                i += 1 + width;
            }
            _ => i += 1,
        }
    }
    let (start, name, end) = found?;
    let module_path = segments[first..end].join("/");
    let store_version = store_version(&segments[first..=start], &name);
    Some(PackageCopy {
        name,
        file: segments[end..].join("/"),
        module_path,
        store_version,
    })
}

/// The version in a pnpm store folder holding `name`:
/// `.pnpm/<name>@<version>[_peers|(peers)]/node_modules/<name>` (`+` for the
/// scope's slash).
fn store_version(before: &[&str], name: &str) -> Option<String> {
    let [.., store, id, last] = before else {
        return None;
    };
    if *store != ".pnpm" || *last != "node_modules" {
        return None;
    }
    let id = id.replacen('+', "/", usize::from(id.starts_with('@')));
    let (id_name, rest) = split_at_version(&id)?;
    if id_name != name {
        return None;
    }
    let version = rest.split(['_', '(']).next()?;
    normalize_version(version).filter(|v| semver::Version::parse(v).is_ok())
}

/// Is `name` spelled like an npm package name (`lodash`, `@scope/name`,
/// lowercase, no spaces)?
pub(super) fn is_package_name(name: &str) -> bool {
    let bare = |s: &str| {
        !s.is_empty()
            && s.len() <= 214
            && !s.starts_with(['.', '_'])
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._~".contains(&b))
    };
    match name.strip_prefix('@') {
        Some(scoped) => scoped
            .split_once('/')
            .is_some_and(|(scope, n)| bare(scope) && bare(n)),
        None => bare(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(path: &str) -> Option<(String, String, String, Option<String>)> {
        package_of(path).map(|c| (c.name, c.module_path, c.file, c.store_version))
    }

    fn plain(
        name: &str,
        module: &str,
        file: &str,
    ) -> Option<(String, String, String, Option<String>)> {
        Some((name.into(), module.into(), file.into(), None))
    }

    #[test]
    fn bundler_prefixes_lead_to_the_same_copy() {
        for p in [
            "node_modules/lodash/lodash.js",
            "../node_modules/lodash/lodash.js",
            "webpack://feed-sync/./node_modules/lodash/lodash.js",
            "/home/ci/app/node_modules/lodash/lodash.js",
            "babel-loader!./node_modules/lodash/lodash.js?x=1",
        ] {
            assert_eq!(
                copy(p),
                plain("lodash", "node_modules/lodash", "lodash.js"),
                "{p}"
            );
        }
    }

    #[test]
    fn nested_and_scoped_copies() {
        assert_eq!(
            copy("../node_modules/a/node_modules/@s/b/lib/x.js"),
            plain("@s/b", "node_modules/a/node_modules/@s/b", "lib/x.js")
        );
        assert_eq!(
            copy("node_modules/@aws-sdk/client-s3/dist/index.js"),
            plain(
                "@aws-sdk/client-s3",
                "node_modules/@aws-sdk/client-s3",
                "dist/index.js"
            )
        );
    }

    #[test]
    fn store_paths_carry_the_version() {
        assert_eq!(
            copy("node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js"),
            Some((
                "ms".into(),
                "node_modules/.pnpm/ms@2.1.3/node_modules/ms".into(),
                "index.js".into(),
                Some("2.1.3".into())
            ))
        );
        let scoped =
            package_of("node_modules/.pnpm/@s+b@1.0.0_react@18.2.0/node_modules/@s/b/index.js")
                .unwrap();
        assert_eq!(
            (scoped.name.as_str(), scoped.store_version.as_deref()),
            ("@s/b", Some("1.0.0"))
        );
        let other = package_of("node_modules/.pnpm/x@1.0.0/node_modules/y/index.js").unwrap();
        assert_eq!(other.store_version, None);
    }

    #[test]
    fn own_files_and_folders_are_no_package() {
        for p in [
            "../src/handler.ts",
            "node_modules/lodash",
            "node_modules/.bin/x",
            "node_modules/@/x.js",
            "webpack/runtime/make namespace object",
        ] {
            assert_eq!(copy(p), None, "{p}");
        }
    }

    #[test]
    fn package_names() {
        for ok in [
            "lodash",
            "lodash.isplainobject",
            "@aws-sdk/client-s3",
            "safe-buffer",
        ] {
            assert!(is_package_name(ok), "{ok}");
        }
        for bad in ["", "Lodash", "http://x", "@s", "a b", ".x", "@s/"] {
            assert!(!is_package_name(bad), "{bad}");
        }
    }
}
