//! Serverless Framework build outputs: `serverless package` writes the
//! packages into `.serverless/`: one `<service>.zip` shared by every
//! function, or one `<function>.zip` each with `package.individually`, or the
//! function's own `package.artifact`; each layer of the `layers` section as
//! `<layer>.zip`. The project's `serverless.yml` names each function's
//! `handler`, and its `runtime`, `architecture` and `layers` (the function's,
//! else the provider's).
//!
//! Values the framework fills in at deploy time (`${...}` variables) cannot
//! be known offline: a handler or runtime written that way is left unset,
//! and a layer is listed as not in the build. A `serverless.ts` / `.js`
//! configuration is code, not read.

use super::build_function::{BuildFunction, BuildLayer};
use anyhow::Context;
use serde_norway::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The configuration file names read, in order.
const CONFIGS: [&str; 2] = ["serverless.yml", "serverless.yaml"];

/// Largest `serverless.yml` read.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// The packaged functions of the project in `dir` (code in `.serverless/`
/// or at `package.artifact`), one per package: functions sharing the
/// service package come as one, with each one's handler. Also the layer
/// packages the configuration declares (not functions). `None` without a
/// configuration.
pub fn functions(dir: &Path) -> anyhow::Result<Option<Packaged>> {
    let Some(path) = CONFIGS.iter().map(|n| dir.join(n)).find(|p| p.is_file()) else {
        return Ok(None);
    };
    let config = read_config(&path)?;
    Ok(Some(parse(&config, dir)))
}

/// What a Serverless configuration packages.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Packaged {
    pub functions: Vec<BuildFunction>,
    /// The layer packages (`.serverless/<layer>.zip`).
    pub layers: Vec<PathBuf>,
}

fn read_config(path: &Path) -> anyhow::Result<Value> {
    let file = std::fs::File::open(path).with_context(|| {
        format!(
            "cannot read the Serverless configuration {}",
            path.display()
        )
    })?;
    let mut text = String::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| {
            format!(
                "cannot read the Serverless configuration {}",
                path.display()
            )
        })?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        anyhow::bail!(
            "the Serverless configuration {} is over {MAX_CONFIG_BYTES} bytes",
            path.display()
        );
    }
    serde_norway::from_str(&text).with_context(|| {
        format!(
            "the Serverless configuration {} is not valid YAML",
            path.display()
        )
    })
}

/// A literal string setting (`None` when absent or a `${...}` variable).
fn literal(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.contains("${"))
}

fn parse(config: &Value, dir: &Path) -> Packaged {
    let packaged = dir.join(".serverless");
    let service = match config.get("service") {
        Some(Value::Mapping(m)) => literal(m.get("name")),
        other => literal(other),
    };
    let provider = config.get("provider");
    let individually = |v: Option<&Value>| {
        v.and_then(|p| p.get("individually"))
            .and_then(Value::as_bool)
    };
    let all_individually = individually(config.get("package")).unwrap_or(false);
    let layer_names: Vec<String> = config
        .get("layers")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(name, _)| name.as_str().map(str::to_string))
        .collect();
    let mut groups: Vec<BuildFunction> = Vec::new();
    let functions = config.get("functions").and_then(Value::as_mapping);
    for (name, function) in functions.into_iter().flatten() {
        let Some(name) = name.as_str() else { continue };
        let package = function.get("package");
        let code = match literal(package.and_then(|p| p.get("artifact"))) {
            Some(artifact) => dir.join(artifact),
            None if individually(package).unwrap_or(all_individually) => {
                packaged.join(format!("{name}.zip"))
            }
            None => match service {
                Some(service) => packaged.join(format!("{service}.zip")),
                None => continue,
            },
        };
        if !code.is_file() {
            continue;
        }
        let setting = |key: &str| {
            literal(function.get(key)).or_else(|| literal(provider.and_then(|p| p.get(key))))
        };
        let layers = function
            .get("layers")
            .or_else(|| provider.and_then(|p| p.get("layers")))
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .map(|l| layer(l, &layer_names, &packaged))
            .collect();
        let next = BuildFunction {
            tool: "Serverless",
            logical_id: name.to_string(),
            code,
            runtime: setting("runtime").and_then(|r| r.parse().ok()),
            handlers: literal(function.get("handler"))
                .map(str::to_string)
                .into_iter()
                .collect(),
            layers,
            architecture: setting("architecture").and_then(|a| a.parse().ok()),
        };
        let same_package = groups.iter_mut().find(|g| {
            g.code == next.code
                && g.runtime == next.runtime
                && g.layers == next.layers
                && g.architecture == next.architecture
        });
        match same_package {
            Some(group) => {
                group.logical_id = format!("{}, {}", group.logical_id, next.logical_id);
                group.handlers.extend(next.handlers);
            }
            None => groups.push(next),
        }
    }
    let layers = layer_names
        .iter()
        .map(|n| packaged.join(format!("{n}.zip")))
        .filter(|p| p.is_file())
        .collect();
    Packaged {
        functions: groups,
        layers,
    }
}

/// One entry of a function's `layers`: `{Ref: <Name>LambdaLayer}` (or
/// `!Ref`) names a
/// layer of the `layers` section, packaged as `.serverless/<name>.zip`;
/// anything else (an ARN) is outside the build.
fn layer(entry: &Value, names: &[String], packaged: &Path) -> BuildLayer {
    let reference = match entry {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        _ => entry.get("Ref").and_then(Value::as_str),
    };
    let built = reference.and_then(|r| {
        let name = names
            .iter()
            .find(|n| format!("{}LambdaLayer", logical(n)) == r)?;
        let zip = packaged.join(format!("{name}.zip"));
        zip.is_file().then_some(zip)
    });
    match (built, reference, entry.as_str()) {
        (Some(zip), _, _) => BuildLayer::Built(zip),
        (None, Some(r), _) => BuildLayer::External(format!("Ref {r}")),
        (None, None, Some(arn)) => BuildLayer::External(arn.to_string()),
        (None, None, None) => BuildLayer::External("an unresolvable layer".into()),
    }
}

/// The framework's logical-id spelling of a name: `-` as `Dash`, `_` as
/// `Underscore`, then the first letter upper-case (`node-deps` →
/// `NodeDashdeps`).
fn logical(name: &str) -> String {
    let mut chars = name.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    (first + chars.as_str())
        .replace('-', "Dash")
        .replace('_', "Underscore")
}

#[cfg(test)]
mod tests {
    use super::*;
    use analyzer::platform::Architecture;

    const CONFIG: &str = r#"
service: shop
provider:
  name: aws
  runtime: nodejs20.x
  architecture: arm64
functions:
  orders:
    handler: src/orders.handler
    layers:
      - { Ref: NodeDashdepsLambdaLayer }
      - arn:aws:lambda:eu-west-1:123456789012:layer:x:1
  refunds:
    handler: src/refunds.handler
    layers:
      - !Ref NodeDashdepsLambdaLayer
      - arn:aws:lambda:eu-west-1:123456789012:layer:x:1
  report:
    handler: report.main
    runtime: python3.12
    architecture: x86_64
    package:
      individually: true
  staged:
    handler: ${self:custom.handler}
    package:
      artifact: build/staged.zip
layers:
  node-deps:
    path: layer
"#;

    fn project(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("serverless.yml"), CONFIG).unwrap();
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"PK").unwrap();
        }
        dir
    }

    #[test]
    fn functions_sharing_the_service_package_come_with_each_handler() {
        let dir = project(&[
            ".serverless/shop.zip",
            ".serverless/report.zip",
            ".serverless/node-deps.zip",
            "build/staged.zip",
        ]);
        let got = functions(dir.path()).unwrap().unwrap();
        let s = dir.path().join(".serverless");
        assert_eq!(got.layers, [s.join("node-deps.zip")]);
        let [shared, report, staged] = &got.functions[..] else {
            panic!("{:?}", got.functions)
        };
        assert_eq!(shared.logical_id, "orders, refunds");
        assert_eq!(shared.code, s.join("shop.zip"));
        assert_eq!(
            shared.handlers,
            ["src/orders.handler", "src/refunds.handler"]
        );
        assert_eq!(shared.runtime, "nodejs20.x".parse().ok());
        assert_eq!(shared.architecture, Some(Architecture::Arm64));
        assert_eq!(
            shared.layers,
            [
                BuildLayer::Built(s.join("node-deps.zip")),
                BuildLayer::External("arn:aws:lambda:eu-west-1:123456789012:layer:x:1".into()),
            ]
        );
        assert_eq!(report.code, s.join("report.zip"));
        assert_eq!(report.handlers, ["report.main"]);
        assert_eq!(report.runtime, "python3.12".parse().ok());
        assert_eq!(report.architecture, Some(Architecture::X86_64));
        assert_eq!(staged.code, dir.path().join("build/staged.zip"));
        assert!(
            staged.handlers.is_empty(),
            "a ${{...}} variable is not known offline"
        );
    }

    #[test]
    fn a_configuration_over_the_cap_is_refused_and_bad_yaml_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serverless.yml");
        std::fs::File::create(&path)
            .unwrap()
            .set_len(MAX_CONFIG_BYTES + 1)
            .unwrap();
        let error = format!("{:#}", functions(dir.path()).unwrap_err());
        assert!(error.contains("is over"), "{error}");
        std::fs::write(&path, "functions: [\n").unwrap();
        let error = format!("{:#}", functions(dir.path()).unwrap_err());
        assert!(error.contains("not valid YAML"), "{error}");
    }

    #[test]
    fn layer_logical_ids_are_spelled_as_the_framework_does() {
        assert_eq!(logical("node-deps"), "NodeDashdeps");
        assert_eq!(logical("my_layer"), "MyUnderscorelayer");
        assert_eq!(logical("Tools"), "Tools");
    }

    #[test]
    fn packages_not_built_are_left_out_and_no_config_is_none() {
        let dir = project(&[".serverless/report.zip"]);
        let got = functions(dir.path()).unwrap().unwrap();
        let ids: Vec<&str> = got
            .functions
            .iter()
            .map(|f| f.logical_id.as_str())
            .collect();
        assert_eq!(ids, ["report"]);
        assert!(got.layers.is_empty());
        assert_eq!(
            functions(tempfile::tempdir().unwrap().path()).unwrap(),
            None
        );
    }
}
