//! .NET (NuGet): the `<app>.deps.json` that `dotnet publish` writes next to
//! the application's assemblies, which the .NET host reads to resolve them at
//! run time. Its `libraries` object maps `Id/Version` to the library's kind:
//! `package` (a NuGet package) and `runtimepack` (the .NET runtime itself, in
//! a self-contained app, keyed `runtimepack.<id>/<version>`) are packages;
//! `project` is the function's own project (a root); `reference` and other
//! kinds are plain assembly references with no package identity, and are
//! skipped. The runtime itself comes from `<app>.runtimeconfig.json`
//! ([`runtimeconfig`]).

pub mod runtimeconfig;

use crate::archive::{ArchiveTree, FileEntry};
use crate::ecosystem::Ecosystem;
use crate::extract::{utf8, ExtractError, Extracted, Extractor};
use crate::package::{EvidenceKind, Found};
use crate::platform::Architecture;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Reads `*.deps.json` and `*.runtimeconfig.json` files. The architecture
/// picks the runtime pack (`linux-x64` or `linux-arm64`) a framework is
/// reported as.
#[derive(Clone, Copy, Debug, Default)]
pub struct DotnetExtractor {
    pub architecture: Architecture,
}

/// How deps.json prefixes a self-contained app's runtime pack.
const RUNTIME_PACK_PREFIX: &str = "runtimepack.";

#[derive(Deserialize)]
struct DepsJson {
    #[serde(default)]
    libraries: BTreeMap<String, Library>,
}

#[derive(Deserialize)]
struct Library {
    #[serde(rename = "type", default)]
    kind: String,
}

impl Extractor for DotnetExtractor {
    fn name(&self) -> &'static str {
        "dotnet"
    }

    fn wants(&self, file: &FileEntry) -> bool {
        let name = file.file_name();
        name.ends_with(".deps.json") || name.ends_with(runtimeconfig::SUFFIX)
    }

    fn extract(
        &self,
        file: &FileEntry,
        bytes: &[u8],
        _tree: &ArchiveTree,
    ) -> Result<Extracted, ExtractError> {
        if file.file_name().ends_with(runtimeconfig::SUFFIX) {
            runtimeconfig::parse(&file.path, utf8(bytes)?, self.architecture)
        } else {
            parse(&file.path, utf8(bytes)?)
        }
    }
}

/// The packages of the deps.json at `path`; they are installed next to it.
pub fn parse(path: &str, text: &str) -> Result<Extracted, ExtractError> {
    let deps: DepsJson = serde_json::from_str(text)?;
    let dir = path.rsplit_once('/').map_or(".", |(dir, _)| dir);
    let mut out = Extracted::default();
    for (key, library) in deps.libraries {
        let Some((id, version)) = key
            .rsplit_once('/')
            .filter(|(i, v)| !i.is_empty() && !v.is_empty())
        else {
            out.skip(path, format!("library `{key}` is not `Id/Version`"));
            continue;
        };
        let id = id.strip_prefix(RUNTIME_PACK_PREFIX).unwrap_or(id);
        let found = || {
            Found::new(Ecosystem::NuGet, id, version, path, EvidenceKind::Installed)
                .installed_at(dir)
        };
        match library.kind.as_str() {
            "package" => out.packages.push(found()),
            "runtimepack" => out
                .packages
                .push(found().note("the .NET runtime pack of a self-contained app")),
            "project" => out.packages.push(found().root()),
            other => out.skip(
                path,
                format!(
                    "library {key} of type `{other}` is an assembly reference, not a NuGet package"
                ),
            ),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::{rows, skips};
    use crate::package::Role;

    /// In the published format: `runtimeTarget`, `targets` per framework, `libraries`.
    const DEPS: &str = r#"{
      "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0/linux-x64", "signature": ""},
      "compilationOptions": {},
      "targets": {
        ".NETCoreApp,Version=v8.0/linux-x64": {
          "OrdersFunction/1.0.0": {
            "dependencies": {"Amazon.Lambda.Core": "2.2.0", "Newtonsoft.Json": "13.0.1"},
            "runtime": {"OrdersFunction.dll": {}}
          },
          "Newtonsoft.Json/13.0.1": {"runtime": {"lib/netstandard2.0/Newtonsoft.Json.dll": {}}}
        }
      },
      "libraries": {
        "OrdersFunction/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
        "Amazon.Lambda.Core/2.2.0": {"type": "package", "serviceable": true,
          "sha512": "sha512-x", "path": "amazon.lambda.core/2.2.0", "hashPath": "amazon.lambda.core.2.2.0.nupkg.sha512"},
        "Newtonsoft.Json/13.0.1": {"type": "package", "serviceable": true, "sha512": "sha512-y",
          "path": "newtonsoft.json/13.0.1"},
        "System.Text.Encodings.Web/4.7.1": {"type": "package"},
        "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.4": {"type": "runtimepack",
          "serviceable": false, "sha512": ""},
        "Legacy/1.0.0.0": {"type": "reference", "serviceable": false, "sha512": ""}
      }
    }"#;

    #[test]
    fn packages_projects_and_references() {
        let out = parse("publish/OrdersFunction.deps.json", DEPS).unwrap();
        assert_eq!(
            rows!(out.packages; name, version, role),
            vec![
                ("Amazon.Lambda.Core", "2.2.0", Role::Dependency),
                ("Newtonsoft.Json", "13.0.1", Role::Dependency),
                ("OrdersFunction", "1.0.0", Role::Root),
                ("System.Text.Encodings.Web", "4.7.1", Role::Dependency),
                (
                    "Microsoft.NETCore.App.Runtime.linux-x64",
                    "8.0.4",
                    Role::Dependency
                ),
            ]
        );
        assert!(out
            .packages
            .iter()
            .all(|f| f.install_path.as_deref() == Some("publish")));
        assert_eq!(
            skips(&out.skipped),
            vec![(
                "publish/OrdersFunction.deps.json",
                "library Legacy/1.0.0.0 of type `reference` is an assembly reference, not a NuGet package"
            )]
        );
        assert!(parse("x.deps.json", "{").is_err());
    }
}
