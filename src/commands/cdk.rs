//! CDK build outputs: `cdk synth` writes a cloud assembly, `cdk.out/`, with
//! one `<Stack>.template.json` per stack. Each `AWS::Lambda::Function` there
//! names its `Handler`, `Runtime`, `Architectures` and `Layers`; its code is
//! an asset the CDK staged as `cdk.out/asset.<hash>` (a folder, or a zip for a
//! prebuilt archive), named by the resource's `Metadata` `aws:asset:path`.
//! Nested assemblies (`assembly-<Stage>/`, for CDK Pipelines stages) are
//! read the same way.

use super::build_function::BuildFunction;
use super::sam;
use std::path::Path;

/// Suffix of a stack's template in a cloud assembly.
const TEMPLATE_SUFFIX: &str = ".template.json";

/// The functions of the cloud assembly `cdk_out` (and its nested stage
/// assemblies) whose code asset is staged there, in template order.
pub fn functions(cdk_out: &Path) -> anyhow::Result<Vec<BuildFunction>> {
    let mut list = Vec::new();
    for assembly in assemblies(cdk_out) {
        for template in super::listing::children(&assembly, |p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(TEMPLATE_SUFFIX))
        }) {
            let parsed = sam::read_template(&template)?;
            list.extend(
                sam::parse(&parsed, &assembly, "CDK")
                    .into_iter()
                    .filter(|f| f.code.exists()),
            );
        }
    }
    Ok(list)
}

/// `cdk_out` and its nested stage assemblies (`assembly-*` folders).
fn assemblies(cdk_out: &Path) -> Vec<std::path::PathBuf> {
    let mut all = vec![cdk_out.to_path_buf()];
    all.extend(super::listing::children(cdk_out, |p| {
        p.is_dir()
            && p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("assembly-"))
    }));
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::build_function::BuildLayer;
    use analyzer::platform::Architecture;

    /// A stack as `cdk synth` writes it (trimmed to what is read): a Node.js
    /// function on arm64 with a layer, both staged assets, and a function
    /// whose code is inline (not an asset).
    const STACK: &str = r#"{
      "Resources": {
        "DepsLayer1A2B": {
          "Type": "AWS::Lambda::LayerVersion",
          "Properties": {
            "Content": { "S3Bucket": { "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}" }, "S3Key": "bbb.zip" }
          },
          "Metadata": { "aws:asset:path": "asset.bbb", "aws:asset:is-bundled": false, "aws:asset:property": "Content" }
        },
        "OrdersFn3C4D": {
          "Type": "AWS::Lambda::Function",
          "Properties": {
            "Code": { "S3Bucket": { "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}" }, "S3Key": "aaa.zip" },
            "Handler": "src/orders.handler",
            "Runtime": "nodejs20.x",
            "Architectures": ["arm64"],
            "Layers": [ { "Ref": "DepsLayer1A2B" }, "arn:aws:lambda:eu-west-1:123456789012:layer:x:1" ]
          },
          "Metadata": { "aws:cdk:path": "Shop/Orders/Resource", "aws:asset:path": "asset.aaa", "aws:asset:is-bundled": false, "aws:asset:property": "Code" }
        },
        "Inline": {
          "Type": "AWS::Lambda::Function",
          "Properties": { "Code": { "ZipFile": "exports.handler = 1" }, "Handler": "index.handler", "Runtime": "nodejs20.x" }
        }
      }
    }"#;

    #[test]
    fn functions_are_read_from_the_stacks_with_their_assets() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("cdk.out");
        std::fs::create_dir_all(out.join("asset.aaa/src")).unwrap();
        std::fs::create_dir_all(out.join("asset.bbb/nodejs")).unwrap();
        std::fs::write(out.join("Shop.template.json"), STACK).unwrap();
        std::fs::write(out.join("manifest.json"), "{}").unwrap();
        let list = functions(&out).unwrap();
        assert_eq!(list.len(), 1, "the inline function has no asset: {list:?}");
        let f = &list[0];
        assert_eq!(f.tool, "CDK");
        assert_eq!(f.logical_id, "OrdersFn3C4D");
        assert_eq!(f.code, out.join("asset.aaa"));
        assert_eq!(f.handlers, ["src/orders.handler"]);
        assert_eq!(f.runtime, "nodejs20.x".parse().ok());
        assert_eq!(f.architecture, Some(Architecture::Arm64));
        assert_eq!(
            f.layers,
            [
                BuildLayer::Built(out.join("asset.bbb")),
                BuildLayer::External("arn:aws:lambda:eu-west-1:123456789012:layer:x:1".into()),
            ]
        );
    }

    #[test]
    fn nested_stage_assemblies_are_read_and_climbing_assets_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("cdk.out");
        let stage = out.join("assembly-Prod");
        std::fs::create_dir_all(stage.join("asset.aaa")).unwrap();
        std::fs::create_dir_all(stage.join("asset.bbb")).unwrap();
        std::fs::write(stage.join("ProdShop.template.json"), STACK).unwrap();
        let list = functions(&out).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].code, stage.join("asset.aaa"));

        let climbing = STACK.replace("\"asset.aaa\"", "\"../../etc\"");
        std::fs::write(stage.join("ProdShop.template.json"), climbing).unwrap();
        assert!(functions(&out).unwrap().is_empty());
    }
}
