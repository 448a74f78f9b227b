//! Layer versions by ARN and the platform they are judged for, each
//! downloaded and inventoried once however many functions of a batch use it
//! (a failure is remembered too, for the same batch).
//!
//! The platform is part of the key because npm lockfile entries for another
//! platform (`@img/sharp-linux-arm64` in an x86_64 function) are not
//! deployed: one layer shared by an x86_64 and an arm64 function holds
//! different packages for each. Such a layer is downloaded once per
//! architecture (the cache keeps no bytes to judge it again from).

use super::outcome::FetchError;
use analyzer::archive::ArchiveTree;
use analyzer::extract::ArtifactScan;
use analyzer::platform::Architecture;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// A layer version downloaded, verified and scanned once. Its bytes are
/// freed after the scan: the listing and the scan (with its source files'
/// imports for the reachability walk, `ArtifactScan::sources`) are all a
/// deployment that uses it needs, so a batch holds no layer's bytes longer
/// than one scan.
#[derive(Debug)]
pub(super) struct LayerBlob {
    /// The layer's files, without their bytes ([`ArchiveTree::listing`]).
    pub listing: ArchiveTree,
    pub scan: ArtifactScan,
    /// The architecture its npm platform packages were judged for.
    pub architecture: Architecture,
}

impl LayerBlob {
    /// A copy of the layer's scan, for one more deployment that uses it.
    pub fn scan_copy(&self) -> ArtifactScan {
        self.scan.clone()
    }

    /// A copy of the layer's listing, for one more deployment that uses it.
    pub fn tree(&self) -> ArchiveTree {
        self.listing.listing()
    }
}

/// Which platform a layer version's npm packages are judged for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum JudgedFor {
    /// The architecture of a function that uses the layer.
    Function(Architecture),
    /// The layer alone: the one architecture its `CompatibleArchitectures`
    /// name, else x86_64 (Lambda's default).
    Itself,
}

/// A layer version that could not be had.
#[derive(Clone, Debug)]
pub(super) enum LayerFailure {
    Gone,
    Error(FetchError),
}

/// A layer version as the cache keeps it.
pub(super) type LayerResult = Result<Arc<LayerBlob>, LayerFailure>;

type LayerCell = Arc<OnceCell<LayerResult>>;

/// Layer versions by ARN and [`JudgedFor`], shared by the scanners of one batch.
#[derive(Debug, Default)]
pub struct LayerCache {
    cells: Mutex<HashMap<(String, JudgedFor), LayerCell>>,
    downloads: AtomicUsize,
}

impl LayerCache {
    /// How many layer versions were downloaded.
    pub fn downloads(&self) -> usize {
        self.downloads.load(Ordering::Relaxed)
    }

    /// The layer version `arn` judged for `judged`: `fetch`'s result the
    /// first time it is asked for, the same result from then on (concurrent
    /// askers wait for it).
    pub(super) async fn get_or_fetch(
        &self,
        arn: &str,
        judged: JudgedFor,
        fetch: impl Future<Output = LayerResult>,
    ) -> LayerResult {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry((arn.to_string(), judged)).or_default().clone()
        };
        cell.get_or_init(|| fetch).await.clone()
    }

    /// Counts one layer version download.
    pub(super) fn count_download(&self) {
        self.downloads.fetch_add(1, Ordering::Relaxed);
    }
}
