//! Matching many stored inventories at once: each distinct package (ecosystem,
//! name, version) is matched against the database once, however many
//! subjects have it, and every subject's report is assembled from those
//! results, exactly as [`analyzer::matching::match_inventory`] would build it.

use analyzer::advisories::Database;
use analyzer::findings::{DatabaseInfo, Finding, ScanReport, Summary, Unmatched};
use analyzer::inventory::Inventory;
use analyzer::{Ecosystem, Package};
use std::collections::HashMap;

type Key = (Ecosystem, String, String);

/// What the database says about one package, locations left out.
#[derive(Default)]
struct Matched {
    findings: Vec<Finding>,
    unmatched: Vec<Unmatched>,
}

/// Per-package match results, kept for a whole rescan.
pub struct Matcher<'a> {
    db: &'a Database,
    info: DatabaseInfo,
    memo: HashMap<Key, Matched>,
}

fn key(p: &Package) -> Key {
    (p.ecosystem, p.name.clone(), p.version.clone())
}

impl<'a> Matcher<'a> {
    pub fn new(db: &'a Database) -> Matcher<'a> {
        Matcher {
            db,
            info: db.info(),
            memo: HashMap::new(),
        }
    }

    /// The database's description, as reports carry it.
    pub fn info(&self) -> &DatabaseInfo {
        &self.info
    }

    /// Matches the packages of `inventories` not matched yet, in one pass of
    /// the engine (parallel inside).
    pub fn prepare<'i>(&mut self, inventories: impl IntoIterator<Item = &'i Inventory>) {
        let mut fresh: HashMap<Key, Package> = HashMap::new();
        for p in inventories.into_iter().flat_map(|i| &i.packages) {
            let k = key(p);
            if !self.memo.contains_key(&k) && !fresh.contains_key(&k) {
                let bare = Package {
                    locations: Vec::new(),
                    ..p.clone()
                };
                fresh.insert(k, bare);
            }
        }
        if fresh.is_empty() {
            return;
        }
        let keys: Vec<Key> = fresh.keys().cloned().collect();
        for k in keys {
            self.memo.entry(k).or_default();
        }
        let probe = Inventory {
            packages: fresh.into_values().collect(),
            ..Inventory::default()
        };
        let report = analyzer::matching::match_inventory(probe, self.db);
        for f in report.findings {
            let k = (
                f.package.ecosystem,
                f.package.name.clone(),
                f.package.version.clone(),
            );
            if let Some(m) = self.memo.get_mut(&k) {
                m.findings.push(f);
            }
        }
        for u in report.unmatched {
            let k = (
                u.package.ecosystem,
                u.package.name.clone(),
                u.package.version.clone(),
            );
            if let Some(m) = self.memo.get_mut(&k) {
                m.unmatched.push(u);
            }
        }
    }

    /// The report of `inventory` (every package [`Matcher::prepare`]d):
    /// findings carry the inventory's locations; sorted and summarised as
    /// the engine does.
    pub fn report(&self, inventory: Inventory) -> ScanReport {
        let mut findings = Vec::new();
        let mut unmatched = Vec::new();
        for p in &inventory.packages {
            let Some(m) = self.memo.get(&key(p)) else {
                continue;
            };
            for f in &m.findings {
                findings.push(Finding {
                    locations: p.locations.clone(),
                    loaded: p.is_loaded(),
                    ..f.clone()
                });
            }
            unmatched.extend(m.unmatched.iter().cloned());
        }
        findings.sort_by(|a, b| {
            (&a.package, &a.id, &a.locations).cmp(&(&b.package, &b.id, &b.locations))
        });
        unmatched.sort();
        unmatched.dedup();
        let mut summary = Summary {
            packages: inventory.packages.len(),
            unmatched: unmatched.len(),
            ..Summary::default()
        };
        summary.count_findings(&findings);
        ScanReport {
            inventory,
            database: self.info.clone(),
            findings,
            unmatched,
            summary,
        }
    }
}
