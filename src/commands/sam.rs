//! SAM build outputs: `sam build` writes `.aws-sam/build/template.yaml`, whose
//! resources name each function's built code folder (`CodeUri`), its runtime
//! and its layers (`Layers`, built into their own folders through
//! `ContentUri`). Read that way, a build folder is scanned as the function
//! Lambda will run: code at /var/task, the template's layers merged into /opt
//! in order, the runtime's search paths applied.
//!
//! Layers the build does not contain (an ARN, a parameter, another stack's
//! export) cannot be read offline: they are listed, so the report says what it
//! did not see.

use analyzer::inventory::Inventory;
use analyzer::platform::Architecture;
use analyzer::{Limits, Skipped, Warning};
use anyhow::Context;
use layers::{Artifact, ArtifactRole, Deployment, Runtime};
use serde_norway::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest template read (a built template is a few KB; this only stops a
/// device or a runaway file from being read whole).
pub const MAX_TEMPLATE_BYTES: u64 = 16 << 20;

/// The template `sam build` writes into its build folder.
const TEMPLATE: &str = "template.yaml";

/// A function of a SAM build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SamFunction {
    /// The template's logical id.
    pub logical_id: String,
    /// The built code folder.
    pub code: PathBuf,
    /// `Runtime` (the resource's, else `Globals.Function`'s), when set.
    pub runtime: Option<Runtime>,
    /// `Handler` (the resource's, else `Globals.Function`'s), when set.
    pub handler: Option<String>,
    /// `Layers` in order (`Globals.Function` first, as SAM merges lists).
    pub layers: Vec<SamLayer>,
    /// The first of `Architectures` (the resource's, else `Globals.Function`'s).
    pub architecture: Option<Architecture>,
}

/// One entry of a function's `Layers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SamLayer {
    /// A layer of the same template, built into this folder.
    Built(PathBuf),
    /// A layer outside the build (an ARN, a parameter...): not readable here.
    External(String),
}

/// The functions of the SAM build in `build_dir`; `None` when it has no
/// template or the template declares no function with local code.
pub fn functions(build_dir: &Path) -> anyhow::Result<Option<Vec<SamFunction>>> {
    let path = build_dir.join(TEMPLATE);
    if !path.is_file() {
        return Ok(None);
    }
    let template = read_template(&path)?;
    let list = parse(&template, build_dir);
    Ok((!list.is_empty()).then_some(list))
}

/// The SAM function whose built code is `code_dir` (a folder of
/// `.aws-sam/build` that the template names as a function's `CodeUri`).
pub fn function_at(code_dir: &Path) -> anyhow::Result<Option<SamFunction>> {
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

/// Opens `function` as Lambda lays it out: its code at /var/task and its
/// built layers in order; `runtime` (the command line's) wins over the
/// template's. `name` gives each artifact its name in the report.
pub fn open(
    function: &SamFunction,
    runtime: Option<Runtime>,
    limits: &Limits,
    name: impl Fn(&Path) -> String,
) -> anyhow::Result<Deployment> {
    let open = |path: &Path, role| -> anyhow::Result<Artifact> {
        let mut artifact = Artifact::open_mounted(path, role, limits).with_context(|| {
            format!(
                "cannot read {} of SAM function {}",
                path.display(),
                function.logical_id
            )
        })?;
        artifact.tree.name = name(path);
        Ok(artifact)
    };
    let code = open(&function.code, ArtifactRole::Function)?;
    let built = function.layers.iter().filter_map(|l| match l {
        SamLayer::Built(path) => Some(path),
        SamLayer::External(_) => None,
    });
    let layers = built
        .enumerate()
        .map(|(i, path)| open(path, ArtifactRole::Layer(i + 1)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Deployment {
        function: Some(code),
        layers,
        runtime: runtime.or(function.runtime),
        handler: function.handler.clone(),
    })
}

/// Records in `inventory` the layers of `function` the build does not
/// contain: a warning each, and a coverage note on the function's code.
pub fn note_external_layers(function: &SamFunction, inventory: &mut Inventory) {
    let Some(code) = inventory.main_artifact().map(|a| a.name.clone()) else {
        return;
    };
    for layer in &function.layers {
        let SamLayer::External(what) = layer else {
            continue;
        };
        let reason = format!(
            "layer {what} of SAM function {} is not in the build: not scanned \
             (scan the deployed function with `lambda-audit function`, or pass the layer with --layer)",
            function.logical_id
        );
        if let Some(c) = inventory.coverage.iter_mut().find(|c| c.artifact == code) {
            c.skipped.push(Skipped {
                path: format!("layer {what}"),
                reason: reason.clone(),
            });
        }
        inventory.warnings.push(Warning {
            artifact: code.clone(),
            path: String::new(),
            message: reason,
        });
    }
}

fn read_template(path: &Path) -> anyhow::Result<Value> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read the SAM template {}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_TEMPLATE_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read the SAM template {}", path.display()))?;
    if text.len() as u64 > MAX_TEMPLATE_BYTES {
        anyhow::bail!(
            "the SAM template {} is over {MAX_TEMPLATE_BYTES} bytes",
            path.display()
        );
    }
    serde_norway::from_str(&text)
        .with_context(|| format!("the SAM template {} is not valid YAML", path.display()))
}

fn parse(template: &Value, build_dir: &Path) -> Vec<SamFunction> {
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
        // Local code only: an S3 location or an image is not in the build.
        let Some(code) = code.and_then(Value::as_str) else {
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
        list.push(SamFunction {
            logical_id: id.to_string(),
            code: build_dir.join(code),
            runtime,
            handler,
            layers,
            architecture,
        });
    }
    list.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
    list
}

/// Resolves one `Layers` entry: `!Ref` / `Ref:` to a layer of the template
/// gives its built folder; anything else is external.
fn layer(entry: &Value, resources: Option<&serde_norway::Mapping>, build_dir: &Path) -> SamLayer {
    let reference = match entry {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        Value::Mapping(m) if m.len() == 1 => m.get("Ref").and_then(Value::as_str),
        _ => None,
    };
    let built = reference.and_then(|id| {
        let resource = resources?.get(id)?;
        let content = match resource.get("Type")?.as_str()? {
            "AWS::Serverless::LayerVersion" => resource.get("Properties")?.get("ContentUri")?,
            "AWS::Lambda::LayerVersion" => resource.get("Properties")?.get("Content")?,
            _ => return None,
        };
        Some(build_dir.join(content.as_str()?))
    });
    match (built, reference) {
        (Some(folder), _) => SamLayer::Built(folder),
        (None, Some(id)) => SamLayer::External(format!("!Ref {id}")),
        (None, None) => SamLayer::External(describe(entry)),
    }
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
                SamLayer::External("arn:aws:lambda:eu-west-1:123456789012:layer:shared:3".into()),
                SamLayer::Built(dir.path().join("Deps")),
                SamLayer::Built(dir.path().join("Tools")),
                SamLayer::External("!Ref LayerArnParameter".into()),
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
