//! SAM and CDK build outputs, both CloudFormation templates. `sam build`
//! writes `.aws-sam/build/template.yaml`, whose resources name each
//! function's built code folder (`CodeUri`, or `Code` as a path), its
//! handler, runtime and layers (`Layers`, built into their own folders through
//! `ContentUri`). The CDK synthesizes `cdk.out/<Stack>.template.json`, where a
//! function's or layer's code is an asset staged in `cdk.out/asset.<hash>`,
//! named by the resource's `Metadata` (`aws:asset:path`). Read that way, a
//! build folder is scanned as the function Lambda will run (see
//! [`BuildFunction`]).

use super::build_function::{BuildFunction, BuildLayer};
use anyhow::Context;
use serde_norway::Value;
use std::io::Read;
use std::path::Path;

/// Largest template read (a built template is a few KB; this only stops a
/// device or a runaway file from being read whole).
pub const MAX_TEMPLATE_BYTES: u64 = 16 << 20;

/// The template `sam build` writes into its build folder.
const TEMPLATE: &str = "template.yaml";

/// The functions of the SAM build in `build_dir`; `None` when it has no
/// template or the template declares no function with local code.
pub fn functions(build_dir: &Path) -> anyhow::Result<Option<Vec<BuildFunction>>> {
    let path = build_dir.join(TEMPLATE);
    if !path.is_file() {
        return Ok(None);
    }
    let template = read_template(&path)?;
    let list = parse(&template, build_dir, "SAM");
    Ok((!list.is_empty()).then_some(list))
}

/// The SAM function whose built code is `code_dir` (a folder of
/// `.aws-sam/build` that the template names as a function's `CodeUri`).
pub fn function_at(code_dir: &Path) -> anyhow::Result<Option<BuildFunction>> {
    let Some(build_dir) = code_dir.parent() else {
        return Ok(None);
    };
    let Ok(wanted) = std::fs::canonicalize(code_dir) else {
        return Ok(None);
    };
    Ok(functions(build_dir)?.and_then(|list| {
        list.into_iter()
            .find(|f| std::fs::canonicalize(&f.code).is_ok_and(|c| c == wanted))
    }))
}

/// Reads a CloudFormation template (YAML, or JSON: a subset of YAML).
pub fn read_template(path: &Path) -> anyhow::Result<Value> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read the template {}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_TEMPLATE_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read the template {}", path.display()))?;
    if text.len() as u64 > MAX_TEMPLATE_BYTES {
        anyhow::bail!(
            "the template {} is over {MAX_TEMPLATE_BYTES} bytes",
            path.display()
        );
    }
    serde_norway::from_str(&text)
        .with_context(|| format!("the template {} is not valid YAML", path.display()))
}

/// The functions of `template` whose code is local (a path under
/// `build_dir`), built by `tool`.
pub fn parse(template: &Value, build_dir: &Path, tool: &'static str) -> Vec<BuildFunction> {
    let resources = template.get("Resources").and_then(Value::as_mapping);
    let globals = template.get("Globals").and_then(|g| g.get("Function"));
    let mut list = Vec::new();
    for (id, resource) in resources.into_iter().flatten() {
        let (Some(id), Some(kind)) = (id.as_str(), resource.get("Type").and_then(Value::as_str))
        else {
            continue;
        };
        let props = resource.get("Properties");
        let code = match kind {
            "AWS::Serverless::Function" => props.and_then(|p| p.get("CodeUri")),
            "AWS::Lambda::Function" => props.and_then(|p| p.get("Code")),
            _ => continue,
        };
        // Local code only: an S3 location or an image is not in the build,
        // unless it is a CDK asset staged next to the template.
        let Some(code) = code
            .and_then(Value::as_str)
            .or_else(|| asset_path(resource))
        else {
            continue;
        };
        let runtime = props
            .and_then(|p| p.get("Runtime"))
            .or_else(|| globals.and_then(|g| g.get("Runtime")))
            .and_then(Value::as_str)
            .and_then(|r| r.parse().ok());
        let handler = props
            .and_then(|p| p.get("Handler"))
            .or_else(|| globals.and_then(|g| g.get("Handler")))
            .and_then(Value::as_str)
            .map(str::to_string);
        let architecture = props
            .and_then(|p| p.get("Architectures"))
            .or_else(|| globals.and_then(|g| g.get("Architectures")))
            .and_then(Value::as_sequence)
            .and_then(|list| list.first())
            .and_then(Value::as_str)
            .and_then(|a| a.parse().ok());
        let layer_list = |v: Option<&Value>| {
            v.and_then(|l| l.get("Layers"))
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default()
        };
        let layers = layer_list(globals)
            .iter()
            .chain(layer_list(props).iter())
            .map(|l| layer(l, resources, build_dir))
            .collect();
        list.push(BuildFunction {
            tool,
            logical_id: id.to_string(),
            code: build_dir.join(code),
            runtime,
            handlers: handler.into_iter().collect(),
            layers,
            architecture,
        });
    }
    list.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
    list
}

/// Resolves one `Layers` entry: `!Ref` / `Ref:` to a layer of the template
/// gives its built folder; anything else is external.
fn layer(entry: &Value, resources: Option<&serde_norway::Mapping>, build_dir: &Path) -> BuildLayer {
    let reference = match entry {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        Value::Mapping(m) if m.len() == 1 => m.get("Ref").and_then(Value::as_str),
        _ => None,
    };
    let built = reference.and_then(|id| {
        let resource = resources?.get(id)?;
        let content = match resource.get("Type")?.as_str()? {
            "AWS::Serverless::LayerVersion" => resource.get("Properties")?.get("ContentUri"),
            "AWS::Lambda::LayerVersion" => resource.get("Properties")?.get("Content"),
            _ => return None,
        };
        let path = content
            .and_then(Value::as_str)
            .or_else(|| asset_path(resource))?;
        Some(build_dir.join(path))
    });
    match (built, reference) {
        (Some(folder), _) => BuildLayer::Built(folder),
        (None, Some(id)) => BuildLayer::External(format!("!Ref {id}")),
        (None, None) => BuildLayer::External(describe(entry)),
    }
}

/// The staged asset a CDK resource's code is (`Metadata.aws:asset:path`,
/// relative to the cloud assembly folder), when the asset is its code.
fn asset_path(resource: &Value) -> Option<&str> {
    let metadata = resource.get("Metadata")?;
    let property = metadata.get("aws:asset:property").and_then(Value::as_str);
    if !matches!(property, None | Some("Code") | Some("Content")) {
        return None;
    }
    let path = metadata.get("aws:asset:path")?.as_str()?;
    // Assets live inside the assembly; never a path that climbs out of it.
    (!path.starts_with('/') && !path.split(['/', '\\']).any(|p| p == "..")).then_some(path)
}

/// A short description of a layer entry the build cannot resolve.
fn describe(entry: &Value) -> String {
    match entry {
        Value::String(s) => s.clone(),
        Value::Tagged(t) => format!("!{} {}", t.tag, describe(&t.value)),
        other => serde_norway::to_string(other)
            .map(|s| s.trim().replace('\n', " "))
            .unwrap_or_else(|_| "an unresolvable layer".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analyzer::platform::Architecture;

    const TEMPLATE_TEXT: &str = r#"
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    Layers:
      - arn:aws:lambda:eu-west-1:123456789012:layer:shared:3
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: Orders
      Handler: index.handler
      Layers:
        - !Ref Deps
        - Ref: Tools
        - !Ref LayerArnParameter
  Reports:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: Reports
      Runtime: python3.12
      Architectures: [arm64]
  FromS3:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: { Bucket: b, Key: k }
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: Deps
  Tools:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: Tools
"#;

    #[test]
    fn functions_get_their_code_runtime_and_layers_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(TEMPLATE), TEMPLATE_TEXT).unwrap();
        let list = functions(dir.path()).unwrap().unwrap();
        let ids: Vec<&str> = list.iter().map(|f| f.logical_id.as_str()).collect();
        assert_eq!(
            ids,
            ["Orders", "Reports"],
            "the S3-code function is not local"
        );
        let orders = &list[0];
        assert_eq!(orders.code, dir.path().join("Orders"));
        assert_eq!(orders.runtime, "nodejs20.x".parse().ok());
        assert_eq!(
            orders.layers,
            [
                BuildLayer::External("arn:aws:lambda:eu-west-1:123456789012:layer:shared:3".into()),
                BuildLayer::Built(dir.path().join("Deps")),
                BuildLayer::Built(dir.path().join("Tools")),
                BuildLayer::External("!Ref LayerArnParameter".into()),
            ]
        );
        assert_eq!(list[1].runtime, "python3.12".parse().ok());
        assert_eq!(orders.architecture, None, "Lambda's default");
        assert_eq!(list[1].architecture, Some(Architecture::Arm64));
        std::fs::create_dir(dir.path().join("Reports")).unwrap();
        let at = function_at(&dir.path().join("Reports")).unwrap().unwrap();
        assert_eq!(at.logical_id, "Reports");
        std::fs::create_dir(dir.path().join("Deps")).unwrap();
        assert_eq!(
            function_at(&dir.path().join("Deps")).unwrap(),
            None,
            "a layer"
        );
    }

    #[test]
    fn no_template_or_no_function_is_none_and_bad_yaml_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(functions(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join(TEMPLATE), "Resources: {}\n").unwrap();
        assert_eq!(functions(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join(TEMPLATE), "Resources: [\n").unwrap();
        let err = functions(dir.path()).unwrap_err();
        assert!(format!("{err:#}").contains("not valid YAML"), "{err:#}");
    }
}
