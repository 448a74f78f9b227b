//! What scanning a deployed function or layer version gives: the subject and
//! its inventory, the reason it was not scanned, or why the scan failed.

use super::download::DownloadError;
use analyzer::inventory::Inventory;
use analyzer::platform::Architecture;
use serde::{Deserialize, Serialize};

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
    /// The architecture npm platform packages were judged for: the
    /// function's `Architectures`, or a layer's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<Architecture>,
    /// Lambda's `CodeSha256` of the code scanned (base64), when Lambda gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_sha256: Option<String>,
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
