//! Scanning what is deployed: GetFunction, the code from its presigned
//! location, each layer version (GetLayerVersionByArn, or GetLayerVersion when
//! that call fails), all verified against Lambda's SHA-256, then inventoried
//! with the same engine as local files.

use super::arn::{FunctionArn, LayerVersionArn};
use super::download::{DownloadError, Downloader};
use crate::deployment::{Artifact, ArtifactRole, Deployment};
use crate::runtime::Runtime;
use analyzer::archive::ArchiveTree;
use analyzer::extract::{self, ArtifactScan, Extractor};
use analyzer::inventory::Inventory;
use analyzer::Limits;
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::types::PackageType;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// What a scan was about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    Function,
    Layer,
}

/// A deployed function (or a layer version alone) and its inventory.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scanned {
    pub kind: SubjectKind,
    /// `…:function:NAME:VERSION`, or the layer version ARN.
    pub subject: String,
    /// The configured runtime (`nodejs20.x`...), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Layer version ARNs in merge order.
    #[serde(default)]
    pub layers: Vec<String>,
    pub inventory: Inventory,
}

/// The result of scanning one function or layer version.
#[derive(Clone, Debug)]
pub enum ScanOutcome {
    Scanned(Box<Scanned>),
    /// Deployed, but not something this tool reads (a container image).
    NotScanned {
        subject: String,
        reason: String,
    },
    /// Deleted between the event (or the listing) and the scan.
    Gone {
        subject: String,
        detail: String,
    },
}

impl ScanOutcome {
    /// The function ARN or layer version ARN the outcome is about.
    pub fn subject(&self) -> &str {
        match self {
            ScanOutcome::Scanned(s) => &s.subject,
            ScanOutcome::NotScanned { subject, .. } | ScanOutcome::Gone { subject, .. } => subject,
        }
    }
}

/// Why a scan failed (as opposed to finding the function gone or an image).
#[derive(Clone, Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{subject}: {call} failed: {message}")]
    Api {
        subject: String,
        call: &'static str,
        message: String,
    },
    #[error("{subject}: {source}")]
    Download {
        subject: String,
        source: DownloadError,
    },
    #[error("{subject}: {message}")]
    Invalid { subject: String, message: String },
    #[error("{0}")]
    Archive(String),
}

/// How one Lambda API call went, reduced to what a scan decides on.
enum CallError {
    NotFound,
    Other(String),
}

fn call_error<E, R>(err: SdkError<E, R>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let service = err.as_service_error();
    if service.and_then(|e| e.code()) == Some("ResourceNotFoundException") {
        return CallError::NotFound;
    }
    let message = match service {
        Some(e) => format!(
            "{}: {}",
            e.code().unwrap_or("error"),
            e.message().unwrap_or("no message")
        ),
        None => analyzer_error_chain(&err),
    };
    CallError::Other(message)
}

fn analyzer_error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A layer version downloaded, verified and scanned once.
#[derive(Debug)]
struct LayerBlob {
    bytes: Vec<u8>,
    scan: ArtifactScan,
}

/// A layer version that could not be had.
#[derive(Clone, Debug)]
enum LayerFailure {
    Gone,
    Error(FetchError),
}

type LayerCell = Arc<OnceCell<Result<Arc<LayerBlob>, LayerFailure>>>;

/// Layer versions by ARN: each downloaded and inventoried once, however many
/// functions use it (a failure is remembered too, for the same batch).
#[derive(Debug, Default)]
pub struct LayerCache {
    cells: Mutex<HashMap<String, LayerCell>>,
    downloads: AtomicUsize,
}

impl LayerCache {
    /// How many layer versions were downloaded.
    pub fn downloads(&self) -> usize {
        self.downloads.load(Ordering::Relaxed)
    }

    fn cell(&self, arn: &str) -> LayerCell {
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells.entry(arn.to_string()).or_default().clone()
    }
}

/// Fetches and scans deployed functions and layers in one region.
#[derive(Clone)]
pub struct Scanner {
    lambda: aws_sdk_lambda::Client,
    downloader: Downloader,
    limits: Limits,
    extractors: Arc<Vec<Box<dyn Extractor>>>,
    layers: Arc<LayerCache>,
}

/// Code located by GetFunction / GetLayerVersion.
struct CodeRef {
    location: String,
    sha256: String,
}

/// What GetFunction found: the function and its code, or the outcome that
/// ends the scan.
type Located = Result<(FunctionInfo, CodeRef), ScanOutcome>;

/// A function's configuration as needed to scan it.
struct FunctionInfo {
    subject: String,
    runtime: Option<String>,
    layers: Vec<String>,
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
            extractors: Arc::new(extract::all()),
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
        let (info, bytes) = loop {
            let got = match self.get_function(function, qualifier).await? {
                Ok(got) => got,
                Err(outcome) => return Ok(outcome),
            };
            let (info, code) = got;
            match self
                .downloader
                .fetch_verified(&code.location, &code.sha256)
                .await
            {
                Ok(bytes) => break (info, bytes),
                Err(DownloadError::Expired) if !expired_once => expired_once = true,
                Err(source) => {
                    return Err(FetchError::Download {
                        subject: info.subject,
                        source,
                    })
                }
            }
        };
        let mut blobs = Vec::with_capacity(info.layers.len());
        for arn in &info.layers {
            match self.layer(arn).await {
                Ok(blob) => blobs.push(blob),
                Err(LayerFailure::Gone) => {
                    return Ok(ScanOutcome::Gone {
                        subject: info.subject,
                        detail: format!("its layer version {arn} no longer exists"),
                    })
                }
                Err(LayerFailure::Error(e)) => return Err(e),
            }
        }
        let limits = self.limits.clone();
        let extractors = self.extractors.clone();
        let layer_arns = info.layers.clone();
        let subject = info.subject.clone();
        let runtime = info.runtime.clone();
        let inventory = tokio::task::spawn_blocking(move || {
            inventory_function(
                &subject,
                bytes,
                &layer_arns,
                &blobs,
                runtime.as_deref(),
                &limits,
                &extractors,
            )
        })
        .await
        .map_err(|e| FetchError::Archive(format!("inventory task failed: {e}")))??;
        Ok(ScanOutcome::Scanned(Box::new(Scanned {
            kind: SubjectKind::Function,
            subject: info.subject,
            runtime: info.runtime,
            layers: info.layers,
            inventory,
        })))
    }

    /// Scans one layer version alone (its files as mounted in /opt).
    pub async fn scan_layer(&self, arn: &str) -> Result<ScanOutcome, FetchError> {
        let blob = match self.layer(arn).await {
            Ok(blob) => blob,
            Err(LayerFailure::Gone) => {
                return Ok(ScanOutcome::Gone {
                    subject: arn.to_string(),
                    detail: "the layer version no longer exists".into(),
                })
            }
            Err(LayerFailure::Error(e)) => return Err(e),
        };
        let limits = self.limits.clone();
        let extractors = self.extractors.clone();
        let name = arn.to_string();
        let inventory = tokio::task::spawn_blocking(move || {
            let tree = open(&name, blob.bytes.clone(), &limits)?;
            let deployment = Deployment {
                function: None,
                layers: vec![Artifact {
                    role: ArtifactRole::Layer(1),
                    tree,
                }],
                runtime: None,
            };
            Ok::<_, FetchError>(
                deployment.inventory_with(&extractors, &|_| Some(copy_scan(&blob.scan))),
            )
        })
        .await
        .map_err(|e| FetchError::Archive(format!("inventory task failed: {e}")))??;
        Ok(ScanOutcome::Scanned(Box::new(Scanned {
            kind: SubjectKind::Layer,
            subject: arn.to_string(),
            runtime: None,
            layers: vec![arn.to_string()],
            inventory,
        })))
    }

    /// GetFunction: the configuration and code location, or the outcome that
    /// ends the scan (gone, image package).
    async fn get_function(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<Located, FetchError> {
        let named = match qualifier {
            Some(q) => format!("{function}:{q}"),
            None => function.to_string(),
        };
        let out = match self
            .lambda
            .get_function()
            .function_name(function)
            .set_qualifier(qualifier.map(str::to_string))
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                return match call_error(e) {
                    CallError::NotFound => Ok(Err(ScanOutcome::Gone {
                        subject: named,
                        detail: "the function no longer exists".into(),
                    })),
                    CallError::Other(message) => Err(FetchError::Api {
                        subject: named,
                        call: "GetFunction",
                        message,
                    }),
                }
            }
        };
        let invalid = |message: &str| FetchError::Invalid {
            subject: named.clone(),
            message: message.to_string(),
        };
        let config = out
            .configuration()
            .ok_or_else(|| invalid("GetFunction returned no configuration"))?;
        let arn = config
            .function_arn()
            .ok_or_else(|| invalid("GetFunction returned no FunctionArn"))?;
        let parsed = FunctionArn::parse(arn).map_err(|e| invalid(&e.to_string()))?;
        let version = config.version().unwrap_or("$LATEST");
        let subject = parsed.with_version(version);
        if config.package_type() == Some(&PackageType::Image) {
            return Ok(Err(ScanOutcome::NotScanned {
                subject,
                reason: "image package".into(),
            }));
        }
        let location = out
            .code()
            .and_then(|c| c.location())
            .ok_or_else(|| invalid("GetFunction returned no Code.Location"))?;
        let sha256 = config
            .code_sha256()
            .ok_or_else(|| invalid("GetFunction returned no CodeSha256"))?;
        let info = FunctionInfo {
            subject,
            runtime: config.runtime().map(|r| r.as_str().to_string()),
            layers: config
                .layers()
                .iter()
                .filter_map(|l| l.arn().map(str::to_string))
                .collect(),
        };
        Ok(Ok((
            info,
            CodeRef {
                location: location.to_string(),
                sha256: sha256.to_string(),
            },
        )))
    }

    /// A layer version from the cache, downloading and scanning it the first time.
    async fn layer(&self, arn: &str) -> Result<Arc<LayerBlob>, LayerFailure> {
        let cell = self.layers.cell(arn);
        cell.get_or_init(|| self.fetch_layer(arn)).await.clone()
    }

    async fn fetch_layer(&self, arn: &str) -> Result<Arc<LayerBlob>, LayerFailure> {
        let parsed = LayerVersionArn::parse(arn).map_err(|e| {
            LayerFailure::Error(FetchError::Invalid {
                subject: arn.to_string(),
                message: e.to_string(),
            })
        })?;
        let mut expired_once = false;
        let bytes = loop {
            let code = self.locate_layer(&parsed).await?;
            match self
                .downloader
                .fetch_verified(&code.location, &code.sha256)
                .await
            {
                Ok(bytes) => break bytes,
                Err(DownloadError::Expired) if !expired_once => expired_once = true,
                Err(source) => {
                    return Err(LayerFailure::Error(FetchError::Download {
                        subject: arn.to_string(),
                        source,
                    }))
                }
            }
        };
        self.layers.downloads.fetch_add(1, Ordering::Relaxed);
        let limits = self.limits.clone();
        let extractors = self.extractors.clone();
        let name = arn.to_string();
        let blob = tokio::task::spawn_blocking(move || {
            let tree = open(&name, bytes.clone(), &limits)?;
            let scan = extract::scan_tree(&tree, &extractors);
            Ok::<_, FetchError>(LayerBlob { bytes, scan })
        })
        .await
        .map_err(|e| FetchError::Archive(format!("layer scan task failed: {e}")))
        .and_then(|r| r)
        .map_err(LayerFailure::Error)?;
        Ok(Arc::new(blob))
    }

    /// GetLayerVersionByArn; when that call fails other than "not found" (moto
    /// answers it with HTTP 500), GetLayerVersion with the layer ARN and number.
    async fn locate_layer(&self, arn: &LayerVersionArn) -> Result<CodeRef, LayerFailure> {
        let subject = arn.to_string();
        let by_arn = self
            .lambda
            .get_layer_version_by_arn()
            .arn(&subject)
            .customize()
            // No retries here: a failure of any kind falls back to GetLayerVersion,
            // which is retried (throttling included) like every other call.
            .config_override(
                aws_sdk_lambda::config::Builder::default().retry_config(RetryConfig::disabled()),
            )
            .send()
            .await;
        let content = match by_arn {
            Ok(out) => out.content().cloned(),
            Err(e) => match call_error(e) {
                CallError::NotFound => return Err(LayerFailure::Gone),
                CallError::Other(_) => None,
            },
        };
        let content = match content.filter(|c| c.location().is_some()) {
            Some(c) => c,
            None => {
                let out = self
                    .lambda
                    .get_layer_version()
                    .layer_name(arn.layer_arn())
                    .version_number(arn.version)
                    .send()
                    .await
                    .map_err(|e| match call_error(e) {
                        CallError::NotFound => LayerFailure::Gone,
                        CallError::Other(message) => LayerFailure::Error(FetchError::Api {
                            subject: subject.clone(),
                            call: "GetLayerVersion",
                            message,
                        }),
                    })?;
                out.content().cloned().ok_or_else(|| {
                    LayerFailure::Error(FetchError::Invalid {
                        subject: subject.clone(),
                        message: "GetLayerVersion returned no Content".into(),
                    })
                })?
            }
        };
        let missing = |what: &str| {
            LayerFailure::Error(FetchError::Invalid {
                subject: subject.clone(),
                message: format!("the layer version has no {what}"),
            })
        };
        Ok(CodeRef {
            location: content
                .location()
                .ok_or_else(|| missing("Content.Location"))?
                .to_string(),
            sha256: content
                .code_sha256()
                .ok_or_else(|| missing("Content.CodeSha256"))?
                .to_string(),
        })
    }
}

fn open(name: &str, bytes: Vec<u8>, limits: &Limits) -> Result<ArchiveTree, FetchError> {
    ArchiveTree::open_bytes(name, bytes, limits).map_err(|e| FetchError::Archive(e.to_string()))
}

/// A copy of a cached scan, for one more deployment that uses the layer.
fn copy_scan(scan: &ArtifactScan) -> ArtifactScan {
    ArtifactScan {
        packages: scan.packages.clone(),
        read: scan.read.clone(),
        skipped: scan.skipped.clone(),
        warnings: scan.warnings.clone(),
    }
}

/// Builds the deployment (function code + layers in order) and inventories it,
/// reusing each layer's cached scan.
fn inventory_function(
    subject: &str,
    code: Vec<u8>,
    layer_arns: &[String],
    blobs: &[Arc<LayerBlob>],
    runtime: Option<&str>,
    limits: &Limits,
    extractors: &[Box<dyn Extractor>],
) -> Result<Inventory, FetchError> {
    let function = Artifact {
        role: ArtifactRole::Function,
        tree: open(subject, code, limits)?,
    };
    let mut layers = Vec::with_capacity(blobs.len());
    for (i, (arn, blob)) in layer_arns.iter().zip(blobs).enumerate() {
        layers.push(Artifact {
            role: ArtifactRole::Layer(i + 1),
            tree: open(arn, blob.bytes.clone(), limits)?,
        });
    }
    let deployment = Deployment {
        function: Some(function),
        layers,
        runtime: runtime.and_then(|r| r.parse::<Runtime>().ok()),
    };
    let cached = |a: &Artifact| match a.role {
        ArtifactRole::Layer(n) => blobs.get(n - 1).map(|b| copy_scan(&b.scan)),
        _ => None,
    };
    Ok(deployment.inventory_with(extractors, &cached))
}
