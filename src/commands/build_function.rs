//! A function as a build tool's template declares it (SAM, CDK, Serverless
//! Framework): its built code, handler, runtime, architecture and layers; and
//! how it is opened and inventoried the way Lambda will run it: code at
//! /var/task, the built layers merged into /opt in order, the handler's
//! imports followed.
//!
//! Layers the build does not contain (an ARN, a parameter, another stack's
//! export) cannot be read offline: they are listed, so the report says what it
//! did not see.

use analyzer::extract::Extractor;
use analyzer::inventory::Inventory;
use analyzer::platform::Architecture;
use analyzer::{Limits, Skipped, Warning};
use anyhow::Context;
use layers::{Artifact, ArtifactRole, Deployment, Runtime};
use std::path::{Path, PathBuf};

/// A function of a build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildFunction {
    /// The tool that built it (`SAM`, `CDK`, `Serverless`), for messages.
    pub tool: &'static str,
    /// The template's logical id, or the Serverless function's name (several,
    /// joined with `, `, when they share one package).
    pub logical_id: String,
    /// The built code: a folder or a zip.
    pub code: PathBuf,
    /// `Runtime` (the function's, else the template's default), when set.
    pub runtime: Option<Runtime>,
    /// `Handler` of each function whose code this is (one, except for a
    /// Serverless service package shared by several functions).
    pub handlers: Vec<String>,
    /// `Layers` in order.
    pub layers: Vec<BuildLayer>,
    /// The function's architecture, when set (x86_64 is Lambda's default).
    pub architecture: Option<Architecture>,
}

/// One entry of a function's layers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildLayer {
    /// A layer of the same build, built into this folder or zip.
    Built(PathBuf),
    /// A layer outside the build (an ARN, a parameter...): not readable here.
    External(String),
}

/// What the command line says over the template: `--runtime` and
/// `--handler` win when given (`--architecture` chooses the extractors, see
/// `DeploymentArgs::inventory_of`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Overrides<'a> {
    pub runtime: Option<Runtime>,
    pub handler: Option<&'a str>,
}

impl BuildFunction {
    /// Opens the function as Lambda lays it out: its code at /var/task and
    /// its built layers in order. `name` gives each artifact its name in the
    /// report.
    pub fn open(
        &self,
        overrides: Overrides<'_>,
        limits: &Limits,
        name: impl Fn(&Path) -> String,
    ) -> anyhow::Result<Deployment> {
        let open = |path: &Path, role| -> anyhow::Result<Artifact> {
            let mut artifact = Artifact::open_mounted(path, role, limits).with_context(|| {
                format!(
                    "cannot read {} of {} function {}",
                    path.display(),
                    self.tool,
                    self.logical_id
                )
            })?;
            artifact.tree.name = name(path);
            Ok(artifact)
        };
        let code = open(&self.code, ArtifactRole::Function)?;
        let built = self.layers.iter().filter_map(|l| match l {
            BuildLayer::Built(path) => Some(path),
            BuildLayer::External(_) => None,
        });
        let layers = built
            .enumerate()
            .map(|(i, path)| open(path, ArtifactRole::Layer(i + 1)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Deployment {
            function: Some(code),
            layers,
            runtime: overrides.runtime.or(self.runtime),
            handler: overrides
                .handler
                .map(str::to_string)
                .or_else(|| self.handlers.first().cloned()),
        })
    }

    /// Opens and inventories the function (see [`BuildFunction::open`]):
    /// with the reachability of each of its handlers (unless `--handler`
    /// names one) and a note for each layer the build does not contain.
    pub fn inventory(
        &self,
        overrides: Overrides<'_>,
        limits: &Limits,
        extractors: &[Box<dyn Extractor>],
        name: impl Fn(&Path) -> String,
    ) -> anyhow::Result<Inventory> {
        let deployment = self.open(overrides, limits, name)?;
        let mut inventory = deployment.inventory(extractors);
        if overrides.handler.is_none() {
            for handler in self.handlers.iter().skip(1) {
                let report = deployment.reachability(handler, &inventory.packages);
                inventory.reachability.push(report);
            }
        }
        self.note_external_layers(&mut inventory);
        Ok(inventory)
    }

    /// Records in `inventory` the layers the build does not contain: a
    /// warning each, and a coverage note on the function's code.
    pub fn note_external_layers(&self, inventory: &mut Inventory) {
        let Some(code) = inventory.main_artifact().map(|a| a.name.clone()) else {
            return;
        };
        for layer in &self.layers {
            let BuildLayer::External(what) = layer else {
                continue;
            };
            let reason = format!(
                "layer {what} of {} function {} is not in the build: not scanned \
                 (scan the deployed function with `lambda-audit function`, or pass the layer with --layer)",
                self.tool, self.logical_id
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
}
