//! Opening the artifacts named on the command line as a Lambda deployment.

use super::sam;
use analyzer::extract::Extractor;
use analyzer::inventory::Inventory;
use analyzer::Limits;
use anyhow::Context;
use layers::{Artifact, ArtifactRole, Deployment, Runtime};
use std::path::PathBuf;

/// Arguments shared by every command that reads a function and its layers.
#[derive(clap::Args, Debug, Clone)]
pub struct DeploymentArgs {
    /// The function's deployment package (.zip or .jar) or a project/build folder.
    pub function: Option<PathBuf>,
    /// A layer archive; repeat in the order the function lists its layers.
    #[arg(long = "layer", value_name = "ZIP")]
    pub layers: Vec<PathBuf>,
    /// The function's runtime (nodejs20.x, python3.12, java21, provided.al2023...);
    /// inferred from the layout when absent.
    #[arg(long)]
    pub runtime: Option<Runtime>,
}

impl DeploymentArgs {
    /// The inventory of what the arguments name. A SAM build folder given
    /// alone (`.aws-sam/build/<Function>`) is read as the function its
    /// template declares: mounted at /var/task, with the template's layers.
    pub fn inventory(
        &self,
        limits: &Limits,
        extractors: &[Box<dyn Extractor>],
    ) -> anyhow::Result<Inventory> {
        if let (Some(path), true) = (&self.function, self.layers.is_empty()) {
            if path.is_dir() {
                if let Some(function) = sam::function_at(path)? {
                    let deployment =
                        sam::open(&function, self.runtime, limits, |p| p.display().to_string())?;
                    let mut inventory = deployment.inventory(extractors);
                    sam::note_external_layers(&function, &mut inventory);
                    return Ok(inventory);
                }
            }
        }
        Ok(self.open(limits)?.inventory(extractors))
    }

    /// Opens every artifact; an unreadable one is an error naming it.
    pub fn open(&self, limits: &Limits) -> anyhow::Result<Deployment> {
        let function = self
            .function
            .as_deref()
            .map(|p| Artifact::open(p, ArtifactRole::Function, limits))
            .transpose()?;
        let layers = self
            .layers
            .iter()
            .enumerate()
            .map(|(i, p)| Artifact::open(p, ArtifactRole::Layer(i + 1), limits))
            .collect::<Result<Vec<_>, _>>()
            .context("cannot read layer")?;
        Ok(Deployment {
            function,
            layers,
            runtime: self.runtime,
        })
    }
}
