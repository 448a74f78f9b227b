//! Deciding whether one `affected[]` entry covers an installed version: the
//! enumerated `versions` list, then `SEMVER`/`ECOSYSTEM` ranges evaluated in the
//! ecosystem's order. `GIT` ranges name commits, not releases, and are ignored.

use crate::advisories::osv::{Affected, Event, Range};
use crate::ecosystem::Ecosystem;
use crate::version::{self, robust_sort_by, Rules, SchemeVisitor, Version, VersionScheme};
use std::cmp::Ordering;

/// What one entry (or one record) says about an installed version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Affected,
    NotAffected,
    /// Could not compare: the reason names the version or event that does not parse.
    Undecided(String),
}

/// A range event with its version parsed; `None` is the `introduced: "0"` start.
struct Parsed<V> {
    version: Option<V>,
    kind: EventKind,
}

/// Event kinds, in the order they apply at one version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum EventKind {
    Fixed,
    Limit,
    LastAffected,
    Introduced,
}

/// Evaluates one `affected[]` entry for `installed` under `ecosystem`'s rules.
/// A listed version or any decidable range that covers it wins; otherwise a
/// part that could not be compared makes the outcome undecided.
pub fn evaluate(ecosystem: Ecosystem, affected: &Affected, installed: &str) -> Outcome {
    let mut undecided = None;
    let mut decidable = false;
    for range in &affected.ranges {
        match range_affects(ecosystem, range, installed) {
            RangeResult::Affected => return Outcome::Affected,
            RangeResult::NotAffected => decidable = true,
            RangeResult::Ignored => {}
            RangeResult::Undecided(reason) => {
                undecided.get_or_insert(reason);
            }
        }
    }
    // Checked after the ranges: parsing a long list costs more than a few events.
    if listed(ecosystem, &affected.versions, installed) {
        return Outcome::Affected;
    }
    match undecided {
        Some(reason) => Outcome::Undecided(reason),
        None if decidable => Outcome::NotAffected,
        // Only the list speaks: a version that does not parse is not "absent".
        None if !affected.versions.is_empty() => match Version::parse(ecosystem, installed) {
            Ok(_) => Outcome::NotAffected,
            Err(e) => Outcome::Undecided(format!("installed version {e}")),
        },
        None if affected.ranges.is_empty() => Outcome::Undecided(
            "the advisory lists no affected versions or ranges for this package".into(),
        ),
        // Only GIT ranges: nothing to say about release versions.
        None => Outcome::NotAffected,
    }
}

/// True when `installed` is in the enumerated list: the same string, or a
/// version equal to it under the ecosystem's rules (`2022.12.07` == `2022.12.7`).
/// As in PEP 440 version matching, a listed public version also covers its
/// local builds (`2.0.1` lists `2.0.1+cu118`).
pub fn listed(ecosystem: Ecosystem, versions: &[String], installed: &str) -> bool {
    versions.iter().any(|v| v == installed)
        || version::visit_scheme(
            ecosystem,
            Listed {
                versions,
                installed,
            },
        )
}

/// [`listed`] beyond the same string, in the scheme's own type.
struct Listed<'a> {
    versions: &'a [String],
    installed: &'a str,
}

impl SchemeVisitor for Listed<'_> {
    type Output = bool;

    fn visit<S: VersionScheme>(self, rules: Rules<S>) -> bool {
        let Ok(mine) = rules.parse(self.installed) else {
            return false;
        };
        let public = rules.without_local(&mine);
        self.versions.iter().any(|v| {
            rules.parse(v).is_ok_and(|v| {
                // A listed local version names that one build only.
                let candidate = match &public {
                    Some(p) if !rules.is_local(&v) => p,
                    _ => &mine,
                };
                rules.compare(&v, candidate) == Ordering::Equal
            })
        })
    }
}

/// The outcome of one range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RangeResult {
    Affected,
    NotAffected,
    /// A `GIT` range, which says nothing about release versions.
    Ignored,
    Undecided(String),
}

/// The ordering rules for a range: ECOSYSTEM ranges by the package's
/// ecosystem, SEMVER ranges always as SemVer ([`version::semver_range_rules`]).
fn rules_for(ecosystem: Ecosystem, range: &Range) -> Option<Ecosystem> {
    match range.kind.as_str() {
        "ECOSYSTEM" => Some(ecosystem),
        "SEMVER" => Some(version::semver_range_rules(ecosystem)),
        _ => None,
    }
}

/// Evaluates one range: its `introduced`/closing pairs as intervals, or the
/// OSV schema's sorted walk when the events do not pair up; `limit` caps it.
pub fn range_affects(ecosystem: Ecosystem, range: &Range, installed: &str) -> RangeResult {
    if range.kind == "GIT" {
        return RangeResult::Ignored;
    }
    let Some(rules) = rules_for(ecosystem, range) else {
        return RangeResult::Undecided(format!("unknown range type `{}`", range.kind));
    };
    version::visit_scheme(rules, RangeAffects { range, installed })
}

/// [`range_affects`] once its rules are known, in the scheme's own type.
struct RangeAffects<'a> {
    range: &'a Range,
    installed: &'a str,
}

impl SchemeVisitor for RangeAffects<'_> {
    type Output = RangeResult;

    fn visit<S: VersionScheme>(self, rules: Rules<S>) -> RangeResult {
        let range = self.range;
        let version = match rules.parse(self.installed) {
            Ok(v) => v,
            Err(e) => return RangeResult::Undecided(format!("installed version {e}")),
        };
        let mut events = Vec::with_capacity(range.events.len());
        for event in &range.events {
            match parse_event(rules, &range.kind, event) {
                Ok(p) => events.push(p),
                Err(reason) => return RangeResult::Undecided(reason),
            }
        }
        // How the installed version compares with an event's version ("0" is below all).
        let relation = |e: &Parsed<S::Parsed>| {
            e.version
                .as_ref()
                .map_or(Ordering::Greater, |v| rules.compare(&version, v))
        };
        let capped = events
            .iter()
            .any(|e| e.kind == EventKind::Limit && relation(e).is_ge());
        events.retain(|e| e.kind != EventKind::Limit);
        let affected = match intervals(&events) {
            Some(pairs) => pairs.iter().any(|(start, end)| {
                relation(start).is_ge()
                    && end.is_none_or(|end| match end.kind {
                        EventKind::LastAffected => relation(end).is_le(),
                        _ => relation(end).is_lt(),
                    })
            }),
            None => sorted_walk(rules, &mut events, relation),
        };
        if affected && !capped {
            RangeResult::Affected
        } else {
            RangeResult::NotAffected
        }
    }
}

/// An `introduced` event and the event that closes it, if any.
type Interval<'a, V> = (&'a Parsed<V>, Option<&'a Parsed<V>>);

/// The events as written, when they read as `introduced`/closing pairs (the
/// last `introduced` may stay open). Advisories write one interval per pair;
/// reading the pairs keeps overlapping or unordered intervals (as some PyPI
/// records have them) meaning what their authors wrote.
fn intervals<V>(events: &[Parsed<V>]) -> Option<Vec<Interval<'_, V>>> {
    let mut pairs = Vec::new();
    let mut chunks = events.chunks(2);
    for chunk in &mut chunks {
        match chunk {
            [start, end]
                if start.kind == EventKind::Introduced && end.kind != EventKind::Introduced =>
            {
                pairs.push((start, Some(end)))
            }
            [start] if start.kind == EventKind::Introduced => pairs.push((start, None)),
            _ => return None,
        }
    }
    Some(pairs)
}

/// The OSV schema's evaluation for events that do not pair up: sorted by
/// version (`introduced: "0"` first; at one version, closing events before
/// `introduced`, so adjacent intervals join), `introduced` opens, `fixed`
/// closes at its version, `last_affected` closes after it. The sort never panics:
/// a record's versions may be ones Maven's non-transitive order cycles over.
fn sorted_walk<S: VersionScheme>(
    rules: Rules<S>,
    events: &mut Vec<Parsed<S::Parsed>>,
    relation: impl Fn(&Parsed<S::Parsed>) -> Ordering,
) -> bool {
    robust_sort_by(events, |a, b| {
        let by_version = match (&a.version, &b.version) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => rules.compare(x, y),
        };
        by_version.then(a.kind.cmp(&b.kind))
    });
    let mut affected = false;
    for event in events.iter() {
        let rel = relation(event);
        match event.kind {
            EventKind::Introduced if rel.is_ge() => affected = true,
            EventKind::Fixed if rel.is_ge() => affected = false,
            EventKind::LastAffected if rel.is_gt() => affected = false,
            _ => {}
        }
    }
    affected
}

fn parse_event<S: VersionScheme>(
    rules: Rules<S>,
    range_kind: &str,
    event: &Event,
) -> Result<Parsed<S::Parsed>, String> {
    let fields = [
        (EventKind::Introduced, "introduced", &event.introduced),
        (EventKind::Fixed, "fixed", &event.fixed),
        (
            EventKind::LastAffected,
            "last_affected",
            &event.last_affected,
        ),
        (EventKind::Limit, "limit", &event.limit),
    ];
    let mut set = fields
        .iter()
        .filter_map(|(k, n, v)| Some((*k, *n, v.as_ref()?)));
    let (kind, name, text) = match (set.next(), set.next()) {
        (Some(one), None) => one,
        (None, _) => return Err(format!("a {range_kind} range has an empty event")),
        (Some(_), Some(_)) => {
            return Err(format!(
                "a {range_kind} range has an event with more than one field"
            ))
        }
    };
    if kind == EventKind::Introduced && text.trim() == "0" {
        return Ok(Parsed {
            version: None,
            kind,
        });
    }
    rules
        .parse(text)
        .map(|v| Parsed {
            version: Some(v),
            kind,
        })
        .map_err(|e| format!("{range_kind} range event `{name}: {text}` does not parse: {e}"))
}

/// The lowest `fixed` version above `installed` among `entries`, as written.
pub fn lowest_fix_above<'a>(
    ecosystem: Ecosystem,
    entries: impl IntoIterator<Item = &'a Affected>,
    installed: &str,
) -> Option<String> {
    let mut best: Option<(Version, &str)> = None;
    for range in entries.into_iter().flat_map(|a| &a.ranges) {
        let Some(rules) = rules_for(ecosystem, range) else {
            continue;
        };
        let Ok(mine) = Version::parse(rules, installed) else {
            continue;
        };
        for text in range.events.iter().filter_map(|e| e.fixed.as_deref()) {
            let Ok(fix) = Version::parse(rules, text) else {
                continue;
            };
            let above = fix.partial_cmp(&mine) == Some(Ordering::Greater);
            let lower = best
                .as_ref()
                .is_none_or(|(b, _)| fix.partial_cmp(b) == Some(Ordering::Less));
            if above && lower {
                best = Some((fix, text));
            }
        }
    }
    best.map(|(_, text)| text.to_string())
}
