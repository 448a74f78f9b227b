//! `<app>.runtimeconfig.json`: the .NET runtime an application runs on. The
//! host reads `runtimeOptions`: a framework-dependent app names the shared
//! frameworks it needs (`framework`, or `frameworks` when it needs more than
//! one, e.g. `Microsoft.NETCore.App` and `Microsoft.AspNetCore.App`) with the
//! lowest version it accepts; a self-contained app lists the frameworks it
//! ships in `includedFrameworks`, at their exact versions.
//!
//! Each framework is reported as its runtime pack for Lambda's Linux
//! platform, `<framework>.Runtime.linux-x64` (or `linux-arm64`): the NuGet id
//! that Microsoft's advisories, and GitHub's OSV records after them, name for
//! vulnerabilities in the runtime itself, the way Go's toolchain is the
//! `stdlib` package.

use crate::ecosystem::Ecosystem;
use crate::extract::{ExtractError, Extracted};
use crate::package::{EvidenceKind, Found};
use crate::platform::Architecture;
use serde::Deserialize;

/// The file name suffix the .NET SDK gives the runtime configuration.
pub const SUFFIX: &str = ".runtimeconfig.json";

/// Why a framework-dependent app's frameworks are not checked: they are not
/// in the function; Lambda's managed runtime provides them, at the patch
/// release AWS keeps it on (the file names only the lowest version the app
/// accepts, so matching it would report fixed vulnerabilities).
pub const MANAGED_RUNTIME_NOTE: &str = "framework-dependent: runs on Lambda's managed .NET \
     runtime, which AWS patches; the version named is only the lowest the app accepts; not checked";

/// What a self-contained app's frameworks are.
pub const SELF_CONTAINED_NOTE: &str = "the .NET runtime shipped in the function (self-contained)";

/// One shared framework the app runs on.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Framework {
    /// `Microsoft.NETCore.App`, `Microsoft.AspNetCore.App`, ...
    pub name: String,
    pub version: String,
}

impl Framework {
    /// The framework's runtime pack for Lambda's Linux on `architecture`,
    /// the id advisories against the runtime use.
    pub fn runtime_pack(&self, architecture: Architecture) -> String {
        let rid = match architecture {
            Architecture::X86_64 => "linux-x64",
            Architecture::Arm64 => "linux-arm64",
        };
        format!("{}.Runtime.{rid}", self.name)
    }

    /// The major version (`8` of `8.0.1`).
    pub fn major(&self) -> Option<u32> {
        self.version.split('.').next()?.parse().ok()
    }
}

/// The runtime part of a `runtimeconfig.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// The target framework moniker (`net8.0`), when written.
    pub tfm: Option<String>,
    pub frameworks: Vec<Framework>,
    /// True when the frameworks ship with the app (`includedFrameworks`).
    pub self_contained: bool,
}

impl RuntimeConfig {
    /// The .NET major version the app runs on: `Microsoft.NETCore.App`'s,
    /// else the target framework's (`net8.0` → 8).
    pub fn dotnet_major(&self) -> Option<u32> {
        let core = self
            .frameworks
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case("Microsoft.NETCore.App"))
            .and_then(Framework::major);
        core.or_else(|| {
            let tfm = self.tfm.as_deref()?.strip_prefix("net")?;
            tfm.split('.').next()?.parse().ok()
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    runtime_options: Option<Options>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    tfm: Option<String>,
    framework: Option<Framework>,
    #[serde(default)]
    frameworks: Vec<Framework>,
    #[serde(default)]
    included_frameworks: Vec<Framework>,
}

/// Reads the runtime configuration `text`.
pub fn parse_config(text: &str) -> Result<RuntimeConfig, ExtractError> {
    let file: File = serde_json::from_str(text)?;
    let Some(options) = file.runtime_options else {
        return Ok(RuntimeConfig::default());
    };
    let self_contained = !options.included_frameworks.is_empty();
    let frameworks = if self_contained {
        options.included_frameworks
    } else {
        options
            .framework
            .into_iter()
            .chain(options.frameworks)
            .collect()
    };
    Ok(RuntimeConfig {
        tfm: options.tfm,
        frameworks,
        self_contained,
    })
}

/// The runtime packages of the configuration at `path`.
pub fn parse(
    path: &str,
    text: &str,
    architecture: Architecture,
) -> Result<Extracted, ExtractError> {
    let config = parse_config(text)?;
    let mut out = Extracted::default();
    for framework in &config.frameworks {
        let pack = framework.runtime_pack(architecture);
        if !config.self_contained {
            out.skip(
                path,
                format!(
                    "{} {}: {MANAGED_RUNTIME_NOTE}",
                    framework.name, framework.version
                ),
            );
            continue;
        }
        let found = Found::new(
            Ecosystem::NuGet,
            pack,
            &framework.version,
            path,
            EvidenceKind::Installed,
        )
        .note(SELF_CONTAINED_NOTE);
        out.packages.push(found);
    }
    if config.frameworks.is_empty() {
        out.skip(
            path,
            "no framework in runtimeOptions; the runtime is unknown",
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::rows;

    /// As `dotnet publish` writes it for a net8.0 Lambda function
    /// (framework-dependent, the default of the Lambda templates).
    const FRAMEWORK_DEPENDENT: &str = r#"{
      "runtimeOptions": {
        "tfm": "net8.0",
        "framework": {"name": "Microsoft.NETCore.App", "version": "8.0.0"},
        "configProperties": {
          "System.Reflection.Metadata.MetadataUpdater.IsSupported": false,
          "System.Runtime.Serialization.EnableUnsafeBinaryFormatterSerialization": false
        }
      }
    }"#;

    /// An ASP.NET Core app (Amazon.Lambda.AspNetCoreServer) names two.
    const TWO_FRAMEWORKS: &str = r#"{
      "runtimeOptions": {
        "tfm": "net8.0",
        "frameworks": [
          {"name": "Microsoft.NETCore.App", "version": "8.0.0"},
          {"name": "Microsoft.AspNetCore.App", "version": "8.0.0"}
        ],
        "configProperties": {"System.GC.Server": true}
      }
    }"#;

    /// Self-contained (`--self-contained`, e.g. on `provided.al2023`).
    const SELF_CONTAINED: &str = r#"{
      "runtimeOptions": {
        "tfm": "net8.0",
        "includedFrameworks": [
          {"name": "Microsoft.NETCore.App", "version": "8.0.4"}
        ]
      }
    }"#;

    #[test]
    fn framework_dependent_apps_run_on_the_managed_runtime_and_are_not_checked() {
        let out = parse(
            "Orders.runtimeconfig.json",
            FRAMEWORK_DEPENDENT,
            Architecture::X86_64,
        )
        .unwrap();
        assert!(out.packages.is_empty(), "{:?}", out.packages);
        let reasons: Vec<&str> = out.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [format!(
                "Microsoft.NETCore.App 8.0.0: {MANAGED_RUNTIME_NOTE}"
            )]
        );
        let config = parse_config(FRAMEWORK_DEPENDENT).unwrap();
        assert_eq!(config.dotnet_major(), Some(8));
    }

    #[test]
    fn asp_net_core_apps_name_both_frameworks() {
        let out = parse("A.runtimeconfig.json", TWO_FRAMEWORKS, Architecture::Arm64).unwrap();
        assert!(out.packages.is_empty());
        let named: Vec<&str> = out
            .skipped
            .iter()
            .map(|s| s.reason.split(':').next().unwrap())
            .collect();
        assert_eq!(
            named,
            [
                "Microsoft.NETCore.App 8.0.0",
                "Microsoft.AspNetCore.App 8.0.0"
            ]
        );
    }

    #[test]
    fn self_contained_apps_ship_their_exact_runtime() {
        let out = parse("A.runtimeconfig.json", SELF_CONTAINED, Architecture::X86_64).unwrap();
        assert_eq!(
            rows!(out.packages; name, version, evidence),
            vec![(
                "Microsoft.NETCore.App.Runtime.linux-x64",
                "8.0.4",
                EvidenceKind::Installed
            )]
        );
        assert!(parse_config(SELF_CONTAINED).unwrap().self_contained);
        let arm = parse("A.runtimeconfig.json", SELF_CONTAINED, Architecture::Arm64).unwrap();
        assert_eq!(
            arm.packages[0].name,
            "Microsoft.NETCore.App.Runtime.linux-arm64"
        );
    }

    #[test]
    fn major_from_the_moniker_and_odd_files() {
        let tfm_only = r#"{"runtimeOptions": {"tfm": "net6.0"}}"#;
        assert_eq!(parse_config(tfm_only).unwrap().dotnet_major(), Some(6));
        let out = parse("A.runtimeconfig.json", tfm_only, Architecture::X86_64).unwrap();
        assert!(out.packages.is_empty());
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(parse_config("{}").unwrap(), RuntimeConfig::default());
        assert!(parse("A.runtimeconfig.json", "{", Architecture::X86_64).is_err());
        let bad_framework = r#"{"runtimeOptions": {"framework": {"name": 1}}}"#;
        assert!(parse_config(bad_framework).is_err());
    }
}
