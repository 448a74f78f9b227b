//! Merging records that describe one vulnerability: records whose ids or
//! aliases overlap, directly or through other records, form one group.

use crate::advisories::osv::Osv;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Groups `records` (by index) so that records sharing any id, transitively,
/// are together. Groups come in order of their first record.
pub fn group(records: &[&Osv]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..records.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        for id in record.ids() {
            match owner.get(id) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
                None => {
                    owner.insert(id, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..records.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().collect()
}

/// Every id of a group, primary first: GHSA ids, then CVE ids, then the rest,
/// each alphabetically.
pub fn ordered_ids<'a>(records: impl IntoIterator<Item = &'a Osv>) -> Vec<String> {
    let ids: BTreeSet<&str> = records
        .into_iter()
        .flat_map(Osv::ids)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let mut ids: Vec<String> = ids.into_iter().map(str::to_string).collect();
    ids.sort_by(|a, b| id_rank(a).cmp(&id_rank(b)).then_with(|| a.cmp(b)));
    ids
}

fn id_rank(id: &str) -> u8 {
    if id.starts_with("GHSA-") {
        0
    } else if id.starts_with("CVE-") {
        1
    } else {
        2
    }
}

/// Orders records like their ids: GHSA first, then CVE, then the rest.
pub fn record_order(a: &Osv, b: &Osv) -> Ordering {
    id_rank(&a.id)
        .cmp(&id_rank(&b.id))
        .then_with(|| a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn osv(id: &str, aliases: &[&str]) -> Osv {
        Osv {
            id: id.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            ..Osv::default()
        }
    }

    #[test]
    fn transitive_aliases_merge() {
        let a = osv("PYSEC-1", &["CVE-1"]);
        let b = osv("GHSA-x", &["CVE-2"]);
        let c = osv("OSV-3", &["CVE-1", "GHSA-x"]);
        let d = osv("PYSEC-9", &["CVE-9"]);
        let groups = group(&[&a, &b, &d, &c]);
        assert_eq!(groups, vec![vec![0, 1, 3], vec![2]]);
        assert_eq!(
            ordered_ids([&a, &b, &c]),
            vec!["GHSA-x", "CVE-1", "CVE-2", "OSV-3", "PYSEC-1"]
        );
    }
}
