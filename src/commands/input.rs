//! Opening the artifacts named on the command line as a Lambda deployment.

use super::build_function::{BuildFunction, Overrides};
use super::discover;
use analyzer::extract::Extractor;
use analyzer::inventory::Inventory;
use analyzer::platform::Architecture;
use analyzer::suppress::{Config, CONFIG_FILE};
use analyzer::Limits;
use anyhow::Context;
use layers::{Artifact, ArtifactRole, Deployment, Runtime};
use std::path::{Path, PathBuf};

pub use analyzer::named_file::{open_named_file, read_named_file};

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
    /// The function's Handler setting (`index.handler`, `app.lambda_handler`):
    /// each Node.js or Python finding then says whether the handler imports
    /// its package. A SAM, CDK or Serverless build takes it from its template
    /// or configuration; this wins when given.
    #[arg(long, value_name = "HANDLER")]
    pub handler: Option<String>,
    /// The function's architecture: x86_64 (the default, or a SAM function's
    /// `Architectures`) or arm64. npm packages built for another platform
    /// (their os/cpu/libc exclude Linux on it) are listed but not matched, as
    /// Lambda never installs them.
    #[arg(long, value_name = "ARCH")]
    pub architecture: Option<Architecture>,
}

impl DeploymentArgs {
    /// The inventory of what the arguments name. A build output given alone
    /// (`.aws-sam/build/<Function>`, `cdk.out/asset.<hash>`,
    /// `.serverless/<package>.zip`) is read as the function its template or
    /// configuration declares: mounted at /var/task, with its handler and
    /// its built layers.
    pub fn inventory(
        &self,
        limits: &Limits,
        extractors: &[Box<dyn Extractor>],
    ) -> anyhow::Result<Inventory> {
        if let (Some(path), true) = (&self.function, self.layers.is_empty()) {
            if let Some(function) = discover::function_at(path)? {
                let name = |p: &Path| p.display().to_string();
                return self.inventory_of(&function, limits, extractors, name);
            }
        }
        Ok(self.open(limits)?.inventory(extractors))
    }

    /// The inventory of a build's function, the command line's `--runtime`,
    /// `--handler` and `--architecture` over its template's.
    pub fn inventory_of(
        &self,
        function: &BuildFunction,
        limits: &Limits,
        extractors: &[Box<dyn Extractor>],
        name: impl Fn(&Path) -> String,
    ) -> anyhow::Result<Inventory> {
        let overrides = Overrides {
            runtime: self.runtime,
            handler: self.handler.as_deref(),
        };
        let own = match (self.architecture, function.architecture) {
            (None, Some(template)) => Some(self.extractors_for(template)),
            _ => None,
        };
        function.inventory(
            overrides,
            limits,
            own.as_deref().unwrap_or(extractors),
            name,
        )
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
            handler: self.handler.clone(),
        })
    }
}

/// Largest `--sbom` read: CycloneDX JSON of a Lambda deployment is a few MB
/// even with thousands of components.
pub const MAX_SBOM_BYTES: u64 = 64 << 20;
/// Largest JSON `--baseline` (an earlier report or inventory) read.
pub const MAX_BASELINE_JSON_BYTES: u64 = 64 << 20;
/// Largest `--config` / `lambda-audit.toml` read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

impl DeploymentArgs {
    /// The extractors of a local scan: npm platform packages are judged by
    /// `--architecture`, and `${NAME}` in requirements files expands from this
    /// process's environment, as pip would expand it in the same build
    /// (variables whose name or value is not Unicode are left out).
    pub fn extractors(&self) -> Vec<Box<dyn Extractor>> {
        self.extractors_for(self.architecture.unwrap_or_default())
    }

    /// [`DeploymentArgs::extractors`] for a function whose architecture is
    /// `architecture`.
    pub fn extractors_for(&self, architecture: Architecture) -> Vec<Box<dyn Extractor>> {
        let vars = std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        });
        analyzer::extract::all_with(analyzer::extract::Options {
            env: analyzer::extract::python::requirements::EnvVars::new(vars),
            architecture,
        })
    }
}

/// The suppression rules: `--config`, else ./lambda-audit.toml when it
/// exists; read as a named file (regular, capped). Every command that
/// applies suppressions loads them here.
pub fn load_config(flag: Option<&Path>) -> anyhow::Result<Option<Config>> {
    let path = match flag {
        Some(path) => path.to_path_buf(),
        None => {
            let path = std::env::current_dir()
                .context("cannot read the current directory")?
                .join(CONFIG_FILE);
            if !path.exists() {
                return Ok(None);
            }
            path
        }
    };
    let bytes = read_named_file(&path, "config", MAX_CONFIG_BYTES)?;
    let name = path.display().to_string();
    let text =
        String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("config {name} is not UTF-8 text"))?;
    Ok(Some(Config::parse(&name, &text)?))
}
