//! Scanning what is deployed: a function's code from its presigned location,
//! each of its layer versions, all verified against Lambda's SHA-256, then
//! inventoried with the same engine as local files. npm packages for another
//! platform are judged against the function's `Architectures`, as
//! `scan --architecture` judges them (a layer's own architecture when it is
//! scanned alone).

use super::arn::LayerVersionArn;
use super::download::{DownloadError, Downloader};
use super::lambda_api::{self, CodeRef, FunctionLookup};
use super::layer_cache::{JudgedFor, LayerBlob, LayerCache, LayerFailure, LayerResult};
use super::outcome::{FetchError, ScanOutcome, Scanned, SubjectKind};
use crate::layout::{Artifact, ArtifactRole};
use crate::runtime::Runtime;
use crate::Deployment;
use analyzer::archive::ArchiveTree;
use analyzer::diagnostics::Gap;
use analyzer::extract::{self, Extractor};
use analyzer::inventory::{Coverage, Inventory};
use analyzer::platform::Architecture;
use analyzer::reachability::SourceFacts;
use analyzer::Limits;
use std::sync::Arc;

/// Fetches and scans deployed functions and layers in one region.
#[derive(Clone)]
pub struct Scanner {
    lambda: aws_sdk_lambda::Client,
    downloader: Downloader,
    limits: Limits,
    layers: Arc<LayerCache>,
}

impl Scanner {
    /// A scanner using `lambda`, downloading with `downloader` and sharing `layers`
    /// with other scanners of the same batch.
    pub fn new(
        lambda: aws_sdk_lambda::Client,
        downloader: Downloader,
        limits: Limits,
        layers: Arc<LayerCache>,
    ) -> Scanner {
        Scanner {
            lambda,
            downloader,
            limits,
            layers,
        }
    }

    /// The layer cache this scanner fills.
    pub fn layer_cache(&self) -> &Arc<LayerCache> {
        &self.layers
    }

    /// Scans a function by name or ARN, at `qualifier` (version or alias) when given.
    pub async fn scan_function(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<ScanOutcome, FetchError> {
        let mut expired_once = false;
        let (info, code, bytes) = loop {
            let (info, code) =
                match lambda_api::get_function(&self.lambda, function, qualifier).await? {
                    FunctionLookup::Found { info, code } => (info, code),
                    FunctionLookup::Ends(outcome) => return Ok(outcome),
                };
            match self.download(&code).await {
                Ok(bytes) => break (info, code, bytes),
                Err(DownloadError::Expired) if !expired_once => expired_once = true,
                Err(source) => {
                    return Err(FetchError::Download {
                        subject: info.subject,
                        source,
                    })
                }
            }
        };
        // A deleted layer version keeps working for the functions that already
        // use it, but Lambda no longer serves its content: the function is
        // scanned without it, and the layer reported as not scanned (a gap).
        let mut blobs = Vec::with_capacity(info.layers.len());
        let mut unreadable = Vec::new();
        let judged = JudgedFor::Function(info.architecture);
        for arn in &info.layers {
            match self.layer(arn, judged).await {
                Ok(blob) => blobs.push(blob),
                Err(LayerFailure::Gone) => unreadable.push(deleted_layer_gap(arn)),
                Err(LayerFailure::Error(e)) => return Err(e),
            }
        }
        let limits = self.limits.clone();
        let extractors = extractors_for(info.architecture);
        let subject = info.subject.clone();
        let runtime = info.runtime.clone();
        let handler = info.handler.clone();
        let code_sha256 = Some(code.sha256.clone());
        let inventory = tokio::task::spawn_blocking(move || {
            inventory_function(
                &subject,
                bytes,
                &blobs,
                runtime.as_deref(),
                handler,
                &limits,
                &extractors,
            )
        })
        .await
        .map_err(|e| FetchError::Archive(format!("inventory task failed: {e}")))??;
        let mut inventory = inventory;
        inventory.coverage.extend(unreadable);
        Ok(ScanOutcome::Scanned(Box::new(Scanned {
            kind: SubjectKind::Function,
            subject: info.subject,
            runtime: info.runtime,
            layers: info.layers,
            architecture: Some(info.architecture),
            code_sha256,
            inventory,
        })))
    }

    /// Scans one layer version alone (its files as mounted in /opt), judged
    /// for its own architecture ([`JudgedFor::Itself`]).
    pub async fn scan_layer(&self, arn: &str) -> Result<ScanOutcome, FetchError> {
        let blob = match self.layer(arn, JudgedFor::Itself).await {
            Ok(blob) => blob,
            Err(LayerFailure::Gone) => {
                return Ok(ScanOutcome::Gone {
                    subject: arn.to_string(),
                    detail: "the layer version no longer exists".into(),
                })
            }
            Err(LayerFailure::Error(e)) => return Err(e),
        };
        let architecture = blob.architecture;
        let inventory = tokio::task::spawn_blocking(move || {
            let extractors = extractors_for(blob.architecture);
            let tree = blob.tree();
            let deployment = Deployment {
                function: None,
                layers: vec![Artifact {
                    role: ArtifactRole::Layer(1),
                    tree,
                }],
                runtime: None,
                handler: None,
            };
            Ok::<_, FetchError>(deployment.inventory_with(&extractors, &|_| Some(blob.scan_copy())))
        })
        .await
        .map_err(|e| FetchError::Archive(format!("inventory task failed: {e}")))??;
        Ok(ScanOutcome::Scanned(Box::new(Scanned {
            kind: SubjectKind::Layer,
            subject: arn.to_string(),
            runtime: None,
            layers: vec![arn.to_string()],
            architecture: Some(architecture),
            code_sha256: None,
            inventory,
        })))
    }

    /// The code at `code`'s location, verified against its SHA-256.
    async fn download(&self, code: &CodeRef) -> Result<Vec<u8>, DownloadError> {
        self.downloader
            .fetch_verified(&code.location, &code.sha256)
            .await
    }

    /// A layer version judged for `judged`, from the cache, downloading and
    /// scanning it the first time.
    async fn layer(&self, arn: &str, judged: JudgedFor) -> LayerResult {
        self.layers
            .get_or_fetch(arn, judged, self.fetch_layer(arn, judged))
            .await
    }

    async fn fetch_layer(&self, arn: &str, judged: JudgedFor) -> LayerResult {
        let parsed = LayerVersionArn::parse(arn).map_err(|e| {
            LayerFailure::Error(FetchError::Invalid {
                subject: arn.to_string(),
                message: e.to_string(),
            })
        })?;
        let mut expired_once = false;
        let (bytes, architecture) = loop {
            let layer = match lambda_api::locate_layer(&self.lambda, &parsed).await {
                Ok(Some(layer)) => layer,
                Ok(None) => return Err(LayerFailure::Gone),
                Err(e) => return Err(LayerFailure::Error(e)),
            };
            let architecture = match judged {
                JudgedFor::Function(architecture) => architecture,
                JudgedFor::Itself => layer.own_architecture.unwrap_or_default(),
            };
            match self.download(&layer.code).await {
                Ok(bytes) => break (bytes, architecture),
                Err(DownloadError::Expired) if !expired_once => expired_once = true,
                Err(source) => {
                    return Err(LayerFailure::Error(FetchError::Download {
                        subject: arn.to_string(),
                        source,
                    }))
                }
            }
        };
        self.layers.count_download();
        let limits = self.limits.clone();
        let name = arn.to_string();
        let blob = tokio::task::spawn_blocking(move || {
            let tree = open(&name, bytes, &limits)?;
            let mut scan = extract::scan_tree(&tree, &extractors_for(architecture));
            // What a function's import graph needs of /opt, kept past the bytes.
            scan.sources = Some(Arc::new(SourceFacts::collect(&tree)));
            Ok::<_, FetchError>(LayerBlob {
                listing: tree.listing(),
                scan,
                architecture,
            })
        })
        .await
        .map_err(|e| FetchError::Archive(format!("layer scan task failed: {e}")))
        .and_then(|r| r)
        .map_err(LayerFailure::Error)?;
        Ok(Arc::new(blob))
    }
}

/// The extractors of a deployed function on `architecture` (the engine's
/// defaults otherwise: deployed code has no build environment to expand
/// `${NAME}` in requirements files from).
fn extractors_for(architecture: Architecture) -> Vec<Box<dyn Extractor>> {
    extract::all_with(extract::Options {
        architecture,
        ..extract::Options::default()
    })
}

/// The coverage of a layer version the function uses but Lambda no longer
/// serves (deleted): nothing read, and why.
fn deleted_layer_gap(arn: &str) -> Coverage {
    Coverage {
        artifact: arn.to_string(),
        incomplete: vec![Gap {
            path: String::new(),
            reason: DELETED_LAYER_REASON.to_string(),
        }],
        ..Coverage::default()
    }
}

/// Why a deleted layer version attached to a function is not scanned.
pub const DELETED_LAYER_REASON: &str =
    "layer version not scanned: it was deleted, and Lambda (GetLayerVersionByArn, GetLayerVersion) no longer serves its content";

fn open(name: &str, bytes: Vec<u8>, limits: &Limits) -> Result<ArchiveTree, FetchError> {
    ArchiveTree::open_bytes(name, bytes, limits).map_err(|e| FetchError::Archive(e.to_string()))
}

/// Builds the deployment (function code + layers in order) and inventories it,
/// reusing each layer's cached scan.
fn inventory_function(
    subject: &str,
    code: Vec<u8>,
    blobs: &[Arc<LayerBlob>],
    runtime: Option<&str>,
    handler: Option<String>,
    limits: &Limits,
    extractors: &[Box<dyn Extractor>],
) -> Result<Inventory, FetchError> {
    let function = Artifact {
        role: ArtifactRole::Function,
        tree: open(subject, code, limits)?,
    };
    let mut layers = Vec::with_capacity(blobs.len());
    for (i, blob) in blobs.iter().enumerate() {
        layers.push(Artifact {
            role: ArtifactRole::Layer(i + 1),
            tree: blob.tree(),
        });
    }
    let deployment = Deployment {
        function: Some(function),
        layers,
        runtime: runtime.and_then(|r| r.parse::<Runtime>().ok()),
        handler,
    };
    let cached = |a: &Artifact| match a.role {
        ArtifactRole::Layer(n) => blobs.get(n - 1).map(|b| b.scan_copy()),
        _ => None,
    };
    Ok(deployment.inventory_with(extractors, &cached))
}
