//! Turning an inventory into findings: which advisories affect which package,
//! decided with each ecosystem's version rules; one finding per vulnerability
//! and package, and an explicit "could not compare" entry where no decision
//! is possible.

pub mod aliases;
pub mod ranges;
pub mod severity;

use crate::advisories::osv::{Affected, Osv};
use crate::advisories::Database;
use crate::ecosystem::Ecosystem;
use crate::findings::{Finding, PackageRef, ScanReport, Status, Summary, Unmatched};
use crate::inventory::Inventory;
use crate::package::Package;
use crate::version::Version;
use ranges::Outcome;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// What matching includes beyond the deployed dependencies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatchOptions {
    /// Also match packages only development needs ([`Package::is_dev_only`]):
    /// off by default, since they are not deployed.
    pub include_dev: bool,
}

/// Matches every deployed dependency of `inventory` (roots are never
/// matched; dev-only packages are counted, not matched) against `db`.
/// Findings and unmatched entries are sorted; the summary is filled.
pub fn match_inventory(inventory: Inventory, db: &Database) -> ScanReport {
    match_inventory_with(inventory, db, MatchOptions::default())
}

/// [`match_inventory`] with `options`.
pub fn match_inventory_with(
    inventory: Inventory,
    db: &Database,
    options: MatchOptions,
) -> ScanReport {
    // One lookup per (ecosystem, name); the groups are matched in parallel.
    let mut groups: BTreeMap<(Ecosystem, String), Vec<&Package>> = BTreeMap::new();
    let mut dev_only = 0;
    for package in &inventory.packages {
        if !options.include_dev && package.is_dev_only() {
            dev_only += 1;
            continue;
        }
        groups
            .entry((package.ecosystem, package.normalized_name()))
            .or_default()
            .push(package);
    }
    let groups: Vec<((Ecosystem, String), Vec<&Package>)> = groups.into_iter().collect();
    let results: Vec<(Vec<Finding>, Vec<Unmatched>)> = groups
        .par_iter()
        .map(|((eco, name), packages)| match_group(db, *eco, name, packages))
        .collect();
    let mut findings = Vec::new();
    let mut unmatched = Vec::new();
    for (f, u) in results {
        findings.extend(f);
        unmatched.extend(u);
    }
    for finding in &mut findings {
        finding.priority.reachability =
            crate::reachability::strongest(&inventory.reachability, &finding.package.purl).cloned();
    }
    findings
        .sort_by(|a, b| (&a.package, &a.id, &a.locations).cmp(&(&b.package, &b.id, &b.locations)));
    unmatched.sort();
    unmatched.dedup();
    let mut summary = summarize(inventory.packages.len(), &findings, &unmatched);
    summary.dev_only = dev_only;
    let mut report = ScanReport {
        inventory,
        database: db.info(),
        findings,
        unmatched,
        summary,
        exposure: None,
    };
    crate::prioritize::assess(&mut report);
    report
}

/// Matches the packages sharing one (ecosystem, normalised name).
fn match_group(
    db: &Database,
    eco: Ecosystem,
    name: &str,
    packages: &[&Package],
) -> (Vec<Finding>, Vec<Unmatched>) {
    let mut findings = Vec::new();
    let mut unmatched = Vec::new();
    let records = db.lookup_each(eco, name);
    if records.is_empty() {
        return (findings, unmatched);
    }
    for package in packages {
        let mut usable = Vec::with_capacity(records.len());
        for record in &records {
            match record {
                Ok(osv) => usable.push(osv),
                Err((id, reason)) => unmatched.push(Unmatched {
                    advisory: id.clone(),
                    package: PackageRef::from(*package),
                    reason: format!("the advisory could not be read: {reason}"),
                }),
            }
        }
        let (f, u) = match_package(package, &usable);
        findings.extend(f);
        unmatched.extend(u);
    }
    (findings, unmatched)
}

/// Matches one package against the records that name it.
pub fn match_package(package: &Package, records: &[&Osv]) -> (Vec<Finding>, Vec<Unmatched>) {
    let mut hits: Vec<(&Osv, Vec<&Affected>)> = Vec::new();
    let mut undecided: Vec<(&Osv, String)> = Vec::new();
    for &record in records {
        if record.is_withdrawn() {
            continue;
        }
        match evaluate_record(package, record) {
            (Outcome::Affected, matched) => hits.push((record, matched)),
            (Outcome::Undecided(reason), _) => undecided.push((record, reason)),
            (Outcome::NotAffected, _) => {}
        }
    }
    // Group hits and undecided records together, so that an undecided record
    // aliasing a hit does not repeat the finding as "could not compare".
    let all: Vec<&Osv> = hits
        .iter()
        .map(|(r, _)| *r)
        .chain(undecided.iter().map(|(r, _)| *r))
        .collect();
    let mut findings = Vec::new();
    let mut unmatched = Vec::new();
    for group in aliases::group(&all) {
        let hit_members: Vec<&(&Osv, Vec<&Affected>)> = group
            .iter()
            .filter(|&&i| i < hits.len())
            .map(|&i| &hits[i])
            .collect();
        if hit_members.is_empty() {
            for &i in &group {
                let (record, reason) = &undecided[i - hits.len()];
                unmatched.push(Unmatched {
                    advisory: record.id.clone(),
                    package: PackageRef::from(package),
                    reason: reason.clone(),
                });
            }
        } else {
            let members: Vec<&Osv> = group.iter().map(|&i| all[i]).collect();
            findings.push(finding(package, &members, &hit_members));
        }
    }
    (findings, unmatched)
}

/// Evaluates every `affected[]` entry of `record` that names `package`.
fn evaluate_record<'r>(package: &Package, record: &'r Osv) -> (Outcome, Vec<&'r Affected>) {
    let eco = package.ecosystem;
    let name = package.normalized_name();
    let entries = record.affected.iter().filter(|a| {
        a.package
            .as_ref()
            .is_some_and(|p| p.ecosystem == eco.as_str() && eco.normalize_name(&p.name) == name)
    });
    let mut matched = Vec::new();
    let mut undecided = None;
    for entry in entries {
        match ranges::evaluate(eco, entry, &package.version) {
            Outcome::Affected => matched.push(entry),
            Outcome::Undecided(reason) => {
                undecided.get_or_insert(reason);
            }
            Outcome::NotAffected => {}
        }
    }
    let outcome = match (matched.is_empty(), undecided) {
        (false, _) => Outcome::Affected,
        (true, Some(reason)) => Outcome::Undecided(reason),
        (true, None) => Outcome::NotAffected,
    };
    (outcome, matched)
}

/// Builds one finding from a group of records, some of which (`hits`) matched.
fn finding(package: &Package, members: &[&Osv], hits: &[&(&Osv, Vec<&Affected>)]) -> Finding {
    let mut ids = aliases::ordered_ids(members.iter().copied());
    // A parsed record always has an id (`Osv::id`); one built in code may not.
    let id = if ids.is_empty() {
        String::new()
    } else {
        ids.remove(0)
    };
    let mut ordered: Vec<&(&Osv, Vec<&Affected>)> = hits.to_vec();
    ordered.sort_by(|a, b| aliases::record_order(a.0, b.0));
    let summary = ordered
        .iter()
        .find_map(|(r, _)| r.summary.as_deref().filter(|s| !s.trim().is_empty()))
        .or_else(|| {
            ordered
                .iter()
                .find_map(|(r, _)| r.details.as_deref()?.lines().find(|l| !l.trim().is_empty()))
        })
        .unwrap_or("")
        .trim()
        .to_string();
    let severity = ordered
        .iter()
        .map(|(r, matched)| severity::of_record(r, matched))
        .reduce(|best, s| if better(&s, &best) { s } else { best })
        .unwrap_or_else(|| severity::of_record(&Osv::default(), &[]));
    let fixed_version = lowest_fix(package, &ordered);
    let mut references: Vec<String> = Vec::new();
    for url in ordered
        .iter()
        .flat_map(|(r, _)| &r.references)
        .map(|r| &r.url)
    {
        if !references.contains(url) {
            references.push(url.clone());
        }
    }
    Finding {
        id,
        aliases: ids,
        summary,
        severity,
        package: PackageRef::from(package),
        locations: package.locations.clone(),
        fixed_version,
        references,
        status: Status::Open,
        suppressed_reason: None,
        loaded: package.is_loaded(),
        priority: Default::default(),
    }
}

/// True when `a` should be reported over `b`: a higher rating, then a computed
/// score over a label, then the higher score.
fn better(a: &crate::findings::Severity, b: &crate::findings::Severity) -> bool {
    let key = |s: &crate::findings::Severity| (s.rating, s.score.is_some());
    match key(a).cmp(&key(b)) {
        Ordering::Equal => a.score.unwrap_or(0.0) > b.score.unwrap_or(0.0),
        o => o == Ordering::Greater,
    }
}

/// The lowest fixed version above the installed one across the matching records.
fn lowest_fix(package: &Package, hits: &[&(&Osv, Vec<&Affected>)]) -> Option<String> {
    let eco = package.ecosystem;
    let fixes: Vec<String> = hits
        .iter()
        .filter_map(|(_, matched)| {
            ranges::lowest_fix_above(eco, matched.iter().copied(), &package.version)
        })
        .collect();
    fixes.into_iter().reduce(
        |a, b| match (Version::parse(eco, &a), Version::parse(eco, &b)) {
            (Ok(x), Ok(y)) if y.partial_cmp(&x) == Some(Ordering::Less) => b,
            _ => a,
        },
    )
}

fn summarize(packages: usize, findings: &[Finding], unmatched: &[Unmatched]) -> Summary {
    let mut summary = Summary {
        packages,
        unmatched: unmatched.len(),
        ..Summary::default()
    };
    summary.count_findings(findings);
    summary
}
