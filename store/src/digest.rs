//! The digest of what decides a subject's findings, so that a rescan can
//! tell, without decoding the inventory or reading the findings, that
//! nothing about a subject can have changed since it was last written.
//!
//! A subject's findings are a function of its inventory and exposure
//! (unchanged between scans: a scan rewrites the digest), of what the
//! database says about each of its packages, of the KEV and EPSS signals
//! about their vulnerabilities, and of the suppression rules in force. The
//! digest hashes the tool's version, the rules in force, and one digest per
//! package line of the database's answer for that package (findings without
//! locations, with their KEV and EPSS, and could-not-compare entries). Equal
//! digests mean equal observations; a digest computed differently (another
//! version, or a subject written before KEV and EPSS were part of it) only
//! costs a full rescan.

use crate::package_list;
use analyzer::date::Date;
use analyzer::findings::{Finding, ScanReport, Status, Unmatched};
use analyzer::risk::Priority;
use analyzer::suppress::Config;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// A SHA-256.
pub type Hash = [u8; 32];

/// What the database says about one package, as the digest sees it: its
/// findings with no locations, open, sorted by id and deduplicated, with
/// the KEV and EPSS of each (they depend on the vulnerability alone).
pub fn package_answer(findings: &[&Finding], unmatched: &[&Unmatched]) -> Hash {
    let mut bare: Vec<Finding> = findings
        .iter()
        .map(|f| Finding {
            locations: Vec::new(),
            loaded: true,
            status: Status::Open,
            suppressed_reason: None,
            // KEV and EPSS are the caller's signals about the vulnerability:
            // a rescan with a catalog that now lists it must rewrite the
            // finding. Reachability and exposure are the subject's (its
            // inventory and its stored exposure, unchanged between scans),
            // and the risk score follows from the rest.
            priority: Priority {
                kev: f.priority.kev.clone(),
                epss: f.priority.epss,
                ..Priority::default()
            },
            ..(*f).clone()
        })
        .collect();
    bare.sort_by(|a, b| a.id.cmp(&b.id));
    bare.dedup_by(|a, b| a.id == b.id);
    let mut unmatched: Vec<&Unmatched> = unmatched.to_vec();
    unmatched.sort();
    unmatched.dedup();
    let mut hasher = Sha256::new();
    let _ = serde_json::to_writer(&mut HashWriter(&mut hasher), &(bare, unmatched));
    hasher.finalize().into()
}

/// The rules in force on `today` and the tool's version.
pub fn policy(config: Option<&Config>, today: Date) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    if let Some(config) = config {
        for rule in config.rules.iter().filter(|r| r.active(today)) {
            hasher.update(format!("{rule:?}\n").as_bytes());
        }
    }
    hasher.finalize().into()
}

/// The digest of a subject: the policy, then each package's answer in order.
pub fn subject<'a>(policy: &Hash, answers: impl IntoIterator<Item = &'a Hash>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(policy);
    for answer in answers {
        hasher.update(answer);
    }
    hex::encode(hasher.finalize())
}

/// The digest of a matched report (what [`crate::record()`] stores), equal
/// to the one a rescan computes for the same inventory, database and rules.
pub fn of_report(report: &ScanReport, policy: &Hash) -> String {
    let key =
        |p: &analyzer::findings::PackageRef| package_list::line(p.ecosystem, &p.name, &p.version);
    let mut findings: HashMap<String, Vec<&Finding>> = HashMap::new();
    for f in &report.findings {
        findings.entry(key(&f.package)).or_default().push(f);
    }
    let mut unmatched: HashMap<String, Vec<&Unmatched>> = HashMap::new();
    for u in &report.unmatched {
        unmatched.entry(key(&u.package)).or_default().push(u);
    }
    let answers: Vec<Hash> = report
        .inventory
        .packages
        .iter()
        .map(|p| {
            let line = package_list::line(p.ecosystem, &p.name, &p.version);
            package_answer(
                findings.get(&line).map_or(&[][..], Vec::as_slice),
                unmatched.get(&line).map_or(&[][..], Vec::as_slice),
            )
        })
        .collect();
    subject(policy, &answers)
}

/// Feeds serialised bytes to a hasher.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
