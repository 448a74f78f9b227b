//! Layer versions by ARN, each downloaded and inventoried once however many
//! functions of a batch use it (a failure is remembered too, for the same
//! batch).

use super::outcome::FetchError;
use analyzer::archive::ArchiveTree;
use analyzer::extract::ArtifactScan;
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

/// A layer version that could not be had.
#[derive(Clone, Debug)]
pub(super) enum LayerFailure {
    Gone,
    Error(FetchError),
}

/// A layer version as the cache keeps it.
pub(super) type LayerResult = Result<Arc<LayerBlob>, LayerFailure>;

type LayerCell = Arc<OnceCell<LayerResult>>;

/// Layer versions by ARN, shared by the scanners of one batch.
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

    /// The layer version `arn`: `fetch`'s result the first time it is asked
    /// for, the same result from then on (concurrent askers wait for it).
    pub(super) async fn get_or_fetch(
        &self,
        arn: &str,
        fetch: impl Future<Output = LayerResult>,
    ) -> LayerResult {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry(arn.to_string()).or_default().clone()
        };
        cell.get_or_init(|| fetch).await.clone()
    }

    /// Counts one layer version download.
    pub(super) fn count_download(&self) {
        self.downloads.fetch_add(1, Ordering::Relaxed);
    }
}
