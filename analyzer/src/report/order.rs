//! The order reports list findings in (`--sort`): packages stay together, and
//! open findings come before suppressed ones.

use crate::findings::{Finding, PackageRef, Rating, Status};
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// How findings are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// Packages by their riskiest open finding, and within a package the
    /// riskiest first (then the most severe): the default.
    #[default]
    Risk,
    /// Packages by their most severe open finding, and within a package the
    /// most severe first.
    Severity,
    /// Packages by ecosystem, name and version; within a package the most
    /// severe first.
    Package,
}

impl SortOrder {
    /// Every order, as `--sort` names them.
    pub const ALL: [SortOrder; 3] = [SortOrder::Risk, SortOrder::Severity, SortOrder::Package];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SortOrder::Risk => "risk",
            SortOrder::Severity => "severity",
            SortOrder::Package => "package",
        }
    }
}

impl fmt::Display for SortOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--sort` value that is not an order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown sort order `{0}` (expected risk, severity or package)")]
pub struct UnknownSortOrder(pub String);

impl FromStr for SortOrder {
    type Err = UnknownSortOrder;

    fn from_str(s: &str) -> Result<SortOrder, UnknownSortOrder> {
        let wanted = s.trim().to_ascii_lowercase();
        SortOrder::ALL
            .into_iter()
            .find(|o| o.name() == wanted)
            .ok_or_else(|| UnknownSortOrder(s.to_string()))
    }
}

/// What a finding ranks by under an order: open before suppressed, then the
/// order's measure (higher first).
fn rank(order: SortOrder, f: &Finding) -> (bool, u8, Rating) {
    let open = f.status == Status::Open;
    match order {
        SortOrder::Risk => (open, f.priority.risk.score, f.severity.rating),
        SortOrder::Severity | SortOrder::Package => (open, 0, f.severity.rating),
    }
}

/// `findings` in display order under `order`: whole packages, ranked by their
/// best finding (or by package for [`SortOrder::Package`]), and within a
/// package by rank, then id.
pub(crate) fn ordered(findings: &[Finding], order: SortOrder) -> Vec<&Finding> {
    let mut best: BTreeMap<&PackageRef, (bool, u8, Rating)> = BTreeMap::new();
    for f in findings {
        let key = rank(order, f);
        let entry = best.entry(&f.package).or_insert(key);
        *entry = (*entry).max(key);
    }
    let package_rank = |f: &Finding| match order {
        SortOrder::Package => None,
        _ => Some(Reverse(best.get(&f.package).copied())),
    };
    let mut list: Vec<&Finding> = findings.iter().collect();
    list.sort_by(|a, b| {
        (package_rank(a), &a.package, Reverse(rank(order, a)), &a.id).cmp(&(
            package_rank(b),
            &b.package,
            Reverse(rank(order, b)),
            &b.id,
        ))
    });
    list
}

/// Reorders `findings` in place into display order under `order` (see
/// [`ordered`]), for callers that serialise findings themselves.
pub fn sort_findings(findings: &mut Vec<Finding>, order: SortOrder) {
    let sorted: Vec<Finding> = ordered(findings, order).into_iter().cloned().collect();
    *findings = sorted;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Severity;
    use crate::Ecosystem;

    fn finding(name: &str, id: &str, rating: Rating, risk: u8) -> Finding {
        let mut f = Finding {
            id: id.into(),
            aliases: vec![],
            summary: String::new(),
            severity: Severity {
                rating,
                score: None,
                vector: None,
                source: "test".into(),
            },
            package: PackageRef {
                ecosystem: Ecosystem::Npm,
                name: name.into(),
                version: "1.0.0".into(),
                purl: format!("pkg:npm/{name}@1.0.0"),
            },
            locations: vec![],
            fixed_version: None,
            references: vec![],
            status: Status::Open,
            suppressed_reason: None,
            loaded: true,
            priority: Default::default(),
        };
        f.priority.risk.score = risk;
        f
    }

    fn ids(list: Vec<&Finding>) -> Vec<&str> {
        list.into_iter().map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn each_order_ranks_by_its_measure() {
        let findings = vec![
            finding("a", "A-critical", Rating::Critical, 40),
            finding("b", "B-medium", Rating::Medium, 90),
            finding("b", "B-high", Rating::High, 50),
            finding("c", "C-low", Rating::Low, 10),
        ];
        assert_eq!(
            ids(ordered(&findings, SortOrder::Risk)),
            ["B-medium", "B-high", "A-critical", "C-low"]
        );
        assert_eq!(
            ids(ordered(&findings, SortOrder::Severity)),
            ["A-critical", "B-high", "B-medium", "C-low"]
        );
        assert_eq!(
            ids(ordered(&findings, SortOrder::Package)),
            ["A-critical", "B-high", "B-medium", "C-low"]
        );
        let mut suppressed = findings.clone();
        suppressed[1].status = Status::Suppressed;
        suppressed[2].status = Status::Suppressed;
        assert_eq!(
            ids(ordered(&suppressed, SortOrder::Risk)),
            ["A-critical", "C-low", "B-medium", "B-high"],
            "open findings first"
        );
    }

    #[test]
    fn orders_parse_by_name() {
        for o in SortOrder::ALL {
            assert_eq!(o.name().parse::<SortOrder>(), Ok(o));
        }
        assert!("date".parse::<SortOrder>().is_err());
    }
}
