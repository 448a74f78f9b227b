//! The findings store on DynamoDB, for the deployed trigger: one table
//! (`deploy/template.yaml` creates it), located as `dynamodb://TABLE`, its
//! region and endpoint from the standard AWS chain (`AWS_REGION`,
//! `AWS_ENDPOINT_URL`, ...).
//!
//! - [`layout`]: the items (subjects, scans, findings, events, inventory
//!   blobs), their keys and the two indexes.
//! - [`write`]: a commit as conditional transactions (`TransactWriteItems`),
//!   and the exact atomicity guarantee when a commit exceeds one transaction.
//! - [`read`]: queries and scans, paginated.
//! - [`upkeep`]: marking events sent, pruning closed findings.
//! - [`bridge`]: the store's own Tokio runtime, so that the synchronous
//!   [`FindingStore`] can be called from any thread, async ones included.
//!
//! The CLI never links this crate (the architecture test checks it): it is
//! for the trigger, which lists it beside `store::backends::BACKENDS`.

pub mod blob;
pub mod bridge;
pub mod item;
pub mod layout;
pub mod read;
pub mod upkeep;
pub mod write;

use aws_sdk_dynamodb::Client;
use bridge::Bridge;
use jiff::Timestamp;
use layers::aws::AwsOptions;
use std::sync::Arc;
use store::backends::Backend;
use store::{
    Commit, CommitOutcome, FindingFilter, FindingStore, HistoryEntry, LayerUse, OutboxEvent,
    ScanRecord, StoreError, StoredFinding, SubjectRecord,
};

/// How a location names a DynamoDB table: `dynamodb://TABLE`.
pub const SCHEME: &str = "dynamodb://";

/// The DynamoDB backend: takes `dynamodb://TABLE`.
pub const BACKEND: Backend = Backend {
    name: "dynamodb",
    takes,
    open: open_boxed,
};

fn takes(location: &str) -> bool {
    location.starts_with(SCHEME)
}

fn open_boxed(location: &str) -> Result<Box<dyn FindingStore>, StoreError> {
    Ok(Box::new(DynamoStore::open(location)?))
}

/// What every request needs: the client and the table name.
#[derive(Clone, Debug)]
pub struct Table {
    pub client: Client,
    pub name: String,
}

impl Table {
    /// A backend error about this table.
    pub fn fail(&self, message: impl Into<String>) -> StoreError {
        StoreError::Backend {
            location: format!("{SCHEME}{}", self.name),
            message: message.into(),
        }
    }

    /// A stored value that does not read back.
    pub fn corrupt(&self, what: impl Into<String>, message: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            location: format!("{SCHEME}{}", self.name),
            what: what.into(),
            message: message.into(),
        }
    }
}

/// A findings store in one DynamoDB table.
pub struct DynamoStore {
    table: Arc<Table>,
    bridge: Bridge,
}

impl DynamoStore {
    /// Opens `dynamodb://TABLE` with the standard AWS configuration chain.
    pub fn open(location: &str) -> Result<DynamoStore, StoreError> {
        DynamoStore::open_with(location, &AwsOptions::default())
    }

    /// Opens `dynamodb://TABLE` with `options` (region, endpoint) over the
    /// standard chain.
    pub fn open_with(location: &str, options: &AwsOptions) -> Result<DynamoStore, StoreError> {
        let name = location
            .strip_prefix(SCHEME)
            .filter(|t| !t.is_empty() && !t.contains('/'))
            .ok_or_else(|| StoreError::UnknownBackend(location.to_string()))?
            .to_string();
        let bridge = Bridge::new().map_err(|e| StoreError::Backend {
            location: location.to_string(),
            message: e,
        })?;
        let options = options.clone();
        let config = bridge.run(async move { layers::aws::config::load(&options, None).await });
        let config = config.map_err(|e| StoreError::Backend {
            location: location.to_string(),
            message: e,
        })?;
        Ok(DynamoStore::with_client(Client::new(&config), name, bridge))
    }

    /// A store on `table` through `client` (tests point it at an emulator).
    pub fn with_client(client: Client, table: String, bridge: Bridge) -> DynamoStore {
        DynamoStore {
            table: Arc::new(Table {
                client,
                name: table,
            }),
            bridge,
        }
    }

    /// The table and its client.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Creates the table as `deploy/template.yaml` declares it ([`layout::create_table`]).
    pub fn create_table(&self) -> Result<(), StoreError> {
        let table = self.table.clone();
        self.call(async move { layout::create_table(&table).await })
    }

    /// Runs `work` on the store's runtime and waits for it.
    fn call<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.bridge.run(work).map_err(|e| self.table.fail(e))?
    }
}

impl FindingStore for DynamoStore {
    fn location(&self) -> String {
        format!("{SCHEME}{}", self.table.name)
    }

    fn subject(&self, key: &str) -> Result<Option<SubjectRecord>, StoreError> {
        let (table, key) = (self.table.clone(), key.to_string());
        self.call(async move { read::subject(&table, &key).await })
    }

    fn subjects(&self) -> Result<Vec<SubjectRecord>, StoreError> {
        let table = self.table.clone();
        self.call(async move { read::subjects(&table).await })
    }

    fn subject_findings(&self, keys: &[String]) -> Result<Vec<StoredFinding>, StoreError> {
        let (table, keys) = (self.table.clone(), keys.to_vec());
        self.call(async move { read::subject_findings(&table, &keys).await })
    }

    fn package_lists(&self, keys: &[String]) -> Result<Vec<(String, String)>, StoreError> {
        let (table, keys) = (self.table.clone(), keys.to_vec());
        self.call(async move {
            let lists = blob::of_subjects(&table, &keys, layout::attr::PACKAGES).await?;
            lists
                .into_iter()
                .map(|(key, bytes)| {
                    String::from_utf8(bytes)
                        .map(|text| (key.clone(), text))
                        .map_err(|e| table.corrupt(format!("package list of {key}"), e.to_string()))
                })
                .collect()
        })
    }

    fn inventories(&self, keys: &[String]) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let (table, keys) = (self.table.clone(), keys.to_vec());
        self.call(async move { blob::of_subjects(&table, &keys, layout::attr::INVENTORY).await })
    }

    fn commit(&self, batch: &[Commit]) -> Result<Vec<CommitOutcome>, StoreError> {
        let (table, batch) = (self.table.clone(), batch.to_vec());
        self.call(async move { write::commit(&table, &batch).await })
    }

    fn findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>, StoreError> {
        let (table, filter) = (self.table.clone(), filter.clone());
        self.call(async move {
            let mut found = read::findings(&table, filter.status).await?;
            found.retain(|f| filter.matches(f));
            Ok(found)
        })
    }

    fn history(&self, finding: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let (table, finding) = (self.table.clone(), finding.to_string());
        self.call(async move { read::history(&table, &finding).await })
    }

    fn scans(&self, subject: &str) -> Result<Vec<ScanRecord>, StoreError> {
        let (table, subject) = (self.table.clone(), subject.to_string());
        self.call(async move { read::scans(&table, &subject).await })
    }

    fn layer_uses(&self) -> Result<Vec<LayerUse>, StoreError> {
        let mut uses: Vec<LayerUse> = self
            .subjects()?
            .into_iter()
            .filter(|s| s.deleted_at.is_none() && s.subject.kind != store::SubjectKind::Layer)
            .flat_map(|s| {
                let function = s.subject.key;
                s.subject.layers.into_iter().map(move |layer| LayerUse {
                    layer,
                    function: function.clone(),
                })
            })
            .collect();
        uses.sort();
        uses.dedup();
        Ok(uses)
    }

    fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEvent>, StoreError> {
        let table = self.table.clone();
        self.call(async move { read::pending_events(&table, limit).await })
    }

    fn mark_sent(&self, event_ids: &[String], at: Timestamp) -> Result<(), StoreError> {
        let (table, ids) = (self.table.clone(), event_ids.to_vec());
        self.call(async move { upkeep::mark_sent(&table, &ids, at).await })
    }

    fn prune(&self, closed_before: Timestamp) -> Result<usize, StoreError> {
        let table = self.table.clone();
        self.call(async move { upkeep::prune(&table, closed_before).await })
    }
}
