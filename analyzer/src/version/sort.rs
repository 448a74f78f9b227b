//! Sorting by version orders that may not be total.
//!
//! `slice::sort_by` may panic ("does not correctly implement a total order") when
//! its comparator is not transitive, and Maven's `ComparableVersion` is not for a
//! few odd strings (`-alpha < 0 < abc < -alpha`). Versions come from untrusted
//! records and lockfiles, so every sort by version goes through [`robust_sort_by`]:
//! a merge sort that only ever moves elements, so any comparator, even an
//! inconsistent one, yields a deterministic permutation of the input.

use super::Version;
use crate::ecosystem::Ecosystem;
use std::cmp::Ordering;

/// Sorts `items` stably by `order`. Where `order` is a total order this is
/// `sort_by`; where it is not, this still never panics and keeps every item.
pub fn robust_sort_by<T>(items: &mut Vec<T>, order: impl Fn(&T, &T) -> Ordering) {
    let mut indices: Vec<usize> = (0..items.len()).collect();
    merge_sort(&mut indices, &|a: &usize, b: &usize| {
        order(&items[*a], &items[*b])
    });
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(indices.into_iter().filter_map(|i| slots[i].take()));
}

/// Sorts `items` by the version `version_of` gives for each, in `ecosystem`'s order,
/// stably: versions that do not parse come last, in text order. Each version is
/// parsed once; like [`robust_sort_by`], this never panics.
pub fn sort_by_version<T>(
    ecosystem: Ecosystem,
    items: &mut Vec<T>,
    version_of: impl Fn(&T) -> &str,
) {
    let mut keyed: Vec<(Option<Version>, T)> = items
        .drain(..)
        .map(|item| (Version::parse(ecosystem, version_of(&item)).ok(), item))
        .collect();
    robust_sort_by(&mut keyed, |(x, a), (y, b)| match (x, y) {
        (Some(x), Some(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => version_of(a).cmp(version_of(b)),
    });
    items.extend(keyed.into_iter().map(|(_, item)| item));
}

/// A stable top-down merge sort of indices.
fn merge_sort(items: &mut [usize], order: &impl Fn(&usize, &usize) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let mid = items.len() / 2;
    merge_sort(&mut items[..mid], order);
    merge_sort(&mut items[mid..], order);
    let mut merged = Vec::with_capacity(items.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < items.len() {
        if order(&items[j], &items[i]) == Ordering::Less {
            merged.push(items[j]);
            j += 1;
        } else {
            merged.push(items[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&items[i..mid]);
    merged.extend_from_slice(&items[j..]);
    items.copy_from_slice(&merged);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting_survives_maven_cycles() {
        let maven = |s| Version::parse(Ecosystem::Maven, s).unwrap();
        // Maven's own order has this cycle; sorting must still terminate sanely.
        assert!(maven("-alpha") < maven("0"));
        assert!(maven("0") < maven("abc"));
        assert!(maven("abc") < maven("-alpha"));
        let mut cyclic: Vec<&str> = ["abc", "0", "-alpha", "abc", "0", "-alpha"].repeat(20);
        sort_by_version(Ecosystem::Maven, &mut cyclic, |s| s);
        assert_eq!(cyclic.len(), 120);
        assert_eq!(cyclic.iter().filter(|s| **s == "0").count(), 40);

        let mut mixed = vec!["1.10", "junk!", "1.9", "1.0-SNAPSHOT", "1.0", "1"];
        sort_by_version(Ecosystem::PyPI, &mut mixed, |s| s);
        assert_eq!(mixed, ["1.0", "1", "1.9", "1.10", "1.0-SNAPSHOT", "junk!"]);
    }

    #[test]
    fn robust_sort_is_stable_and_keeps_everything() {
        let mut pairs = vec![(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd')];
        robust_sort_by(&mut pairs, |a, b| a.0.cmp(&b.0));
        assert_eq!(pairs, [(1, 'b'), (1, 'd'), (2, 'a'), (2, 'c')]);
        // A comparator that is no order at all.
        let mut items: Vec<u32> = (0..500).collect();
        robust_sort_by(&mut items, |a, b| (a * 7 % 13).cmp(&(b * 11 % 17)));
        items.sort_unstable();
        assert!(items.iter().copied().eq(0..500));
    }
}
