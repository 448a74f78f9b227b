//! Matching many stored inventories at once: each distinct package (one
//! [`package_list`] line) is matched against the database once, however many
//! subjects have it, and every subject's report is assembled from those
//! results, exactly as a fresh scan builds it: what
//! [`analyzer::matching::match_inventory`] gives, with the rescan's KEV
//! catalog and EPSS scores joined (once per package, [`Signals`]), each
//! subject's import reachability (from its stored inventory) and exposure
//! (stored with the subject), and every finding's risk scored from them.

use crate::digest::{self, Hash};
use crate::package_list;
use analyzer::advisories::Database;
use analyzer::findings::{DatabaseInfo, Finding, ScanReport, Summary, Unmatched};
use analyzer::inventory::Inventory;
use analyzer::prioritize::{prioritize, Context, Signals};
use analyzer::risk::Exposure;
use analyzer::Package;
use std::collections::HashMap;

/// What the database says about one package, locations left out, with the
/// KEV and EPSS of each finding joined.
struct Matched {
    findings: Vec<Finding>,
    unmatched: Vec<Unmatched>,
    /// See [`digest::package_answer`].
    answer: Hash,
}

/// Per-package match results, kept for a whole rescan.
pub struct Matcher<'a> {
    db: &'a Database,
    signals: &'a Signals,
    info: DatabaseInfo,
    memo: HashMap<String, Matched>,
}

fn key(p: &Package) -> String {
    package_list::line(p.ecosystem, &p.name, &p.version)
}

impl<'a> Matcher<'a> {
    /// A matcher against `db`, joining `signals` into every finding.
    pub fn new(db: &'a Database, signals: &'a Signals) -> Matcher<'a> {
        Matcher {
            db,
            signals,
            info: db.info(),
            memo: HashMap::new(),
        }
    }

    /// The database's description, as reports carry it.
    pub fn info(&self) -> &DatabaseInfo {
        &self.info
    }

    /// Matches the packages of `inventories` not matched yet.
    pub fn prepare<'i>(&mut self, inventories: impl IntoIterator<Item = &'i Inventory>) {
        let fresh: Vec<Package> = inventories
            .into_iter()
            .flat_map(|i| &i.packages)
            .map(|p| Package {
                locations: Vec::new(),
                ..p.clone()
            })
            .collect();
        self.match_fresh(fresh);
    }

    /// Matches the packages of these [`package_list`] lines not matched yet
    /// (a line that is not a package is left out, as it has no answer).
    pub fn prepare_lines<'l>(&mut self, lines: impl IntoIterator<Item = &'l str>) {
        let fresh: Vec<Package> = lines
            .into_iter()
            .filter(|l| !self.memo.contains_key(*l))
            .filter_map(package_list::package)
            .collect();
        self.match_fresh(fresh);
    }

    /// One pass of the engine (parallel inside) over the packages not in the memo.
    fn match_fresh(&mut self, packages: Vec<Package>) {
        let mut fresh: HashMap<String, Package> = HashMap::new();
        for p in packages {
            let k = key(&p);
            if !self.memo.contains_key(&k) {
                fresh.entry(k).or_insert(p);
            }
        }
        if fresh.is_empty() {
            return;
        }
        let keys: Vec<String> = fresh.keys().cloned().collect();
        let probe = Inventory {
            packages: fresh.into_values().collect(),
            ..Inventory::default()
        };
        let mut report = analyzer::matching::match_inventory(probe, self.db);
        // KEV and EPSS depend on the vulnerability alone: joined once per package.
        prioritize(&mut report, &self.signals.context(None));
        let mut findings: HashMap<String, Vec<Finding>> = HashMap::new();
        for f in report.findings {
            let k = package_list::line(f.package.ecosystem, &f.package.name, &f.package.version);
            findings.entry(k).or_default().push(f);
        }
        let mut unmatched: HashMap<String, Vec<Unmatched>> = HashMap::new();
        for u in report.unmatched {
            let k = package_list::line(u.package.ecosystem, &u.package.name, &u.package.version);
            unmatched.entry(k).or_default().push(u);
        }
        for k in keys {
            let findings = findings.remove(&k).unwrap_or_default();
            let unmatched = unmatched.remove(&k).unwrap_or_default();
            let answer = digest::package_answer(
                &findings.iter().collect::<Vec<_>>(),
                &unmatched.iter().collect::<Vec<_>>(),
            );
            self.memo.insert(
                k,
                Matched {
                    findings,
                    unmatched,
                    answer,
                },
            );
        }
    }

    /// The answer digest of a package line ([`Matcher::prepare_lines`] first).
    pub fn answer(&self, line: &str) -> Option<&Hash> {
        self.memo.get(line).map(|m| &m.answer)
    }

    /// The report of `inventory` (every package [`Matcher::prepare`]d) of a
    /// subject exposed as `exposure`: findings carry the inventory's
    /// locations and import reachability, KEV, EPSS, and a risk score from
    /// all of them; sorted and summarised as the engine does.
    pub fn report(&self, inventory: Inventory, exposure: Option<&Exposure>) -> ScanReport {
        let mut findings = Vec::new();
        let mut unmatched = Vec::new();
        for p in &inventory.packages {
            let Some(m) = self.memo.get(&key(p)) else {
                continue;
            };
            for f in &m.findings {
                let mut finding = Finding {
                    locations: p.locations.clone(),
                    loaded: p.is_loaded(),
                    ..f.clone()
                };
                finding.priority.reachability =
                    analyzer::reachability::strongest(&inventory.reachability, &f.package.purl)
                        .cloned();
                findings.push(finding);
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
        let mut report = ScanReport {
            inventory,
            database: self.info.clone(),
            findings,
            unmatched,
            summary,
            exposure: None,
        };
        // KEV and EPSS are joined already (see `match_fresh`): the exposure
        // is taken, and every finding scored.
        let context = Context {
            kev: None,
            epss: None,
            exposure,
        };
        prioritize(&mut report, &context);
        report
    }
}
