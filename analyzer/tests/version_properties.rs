//! Laws of the version schemes over generated versions (proptest): nothing
//! panics on any string; every order is antisymmetric; the orders that are total
//! (SemVer, PEP 440) are transitive; a version written back parses to an equal
//! version; where the equivalence key follows the order (npm, PyPI), two valid
//! versions share a key exactly when they compare equal; sorting by version keeps
//! every item, even under Maven's non-transitive order.

use lambda_audit_analyzer::version::{compare, equivalence_key, sort_by_version, Version};
use lambda_audit_analyzer::Ecosystem;
use proptest::prelude::*;
use std::cmp::Ordering;

/// Any string, with the characters versions are made of over-represented.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9a-zA-Z.+=_!*~ -]{0,24}",
        "[0-9.\\-]{0,12}[a-z]{0,6}[0-9.\\-]{0,12}",
    ]
}

/// SemVer-shaped strings, npm prefixes and a few invalid ones (leading zeros) included.
fn semver_text() -> impl Strategy<Value = String> {
    "[v=]?(0|[1-9]|1[0-9]|0[0-9])\\.(0|[1-9]|10)\\.(0|[1-9]|10)(-(alpha|beta|rc|0|1|2|x-y|0a)(\\.(0|1|11|a|b)){0,2})?(\\+[0-9a-z]{1,4})?"
}

/// PEP 440-shaped strings: epochs, release lengths, pre, post, dev and local parts,
/// in the spellings PEP 440 normalises (`-rc-1`, `.post`, `V`).
fn pep440_text() -> impl Strategy<Value = String> {
    "[vV]?([0-2]!)?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}([.-]?(a|b|rc|c|alpha|beta|pre|preview)[.-]?[0-9]{0,2})?([.-]?(post|rev|r)[0-9]{0,2}|-[0-9]{1,2})?([.-]?dev[0-9]{0,2})?(\\+[a-z0-9]{1,4}([._-][a-z0-9]{1,3}){0,2})?"
}

/// Maven-shaped strings: numbers (of each of Java's width classes), known and
/// unknown qualifiers, in any case, joined by `.`, `-` or nothing.
fn maven_text() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "0",
        "00",
        "1",
        "2",
        "10",
        "1234567890",
        "12345678901234567890",
        "alpha",
        "Beta",
        "milestone",
        "RC",
        "cr",
        "SNAPSHOT",
        "ga",
        "Final",
        "release",
        "sp",
        "a",
        "b",
        "m",
        "abc",
        "xyz",
        "",
    ]);
    let separator = prop::sample::select(vec![".", "-", ""]);
    prop::collection::vec((separator, token), 1..7)
        .prop_map(|parts| parts.into_iter().map(|(s, t)| format!("{s}{t}")).collect())
}

/// Go-shaped strings: module versions with or without `v`, shorthand, pseudo-
/// versions, `+incompatible`, toolchain tags and `(devel)`.
fn go_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "v?(0|1|2|10|01)(\\.(0|1|9|10)(\\.(0|1|10)(-(0|1|rc|alpha|0\\.2024010100000[0-9]-abcdef12345[0-9])(\\.(0|1|a)){0,2})?(\\+(incompatible|b1))?)?)?",
        "go1\\.(19|20|21)(\\.[0-9])?((rc|beta)[1-3])?",
        Just("(devel)".to_string()),
    ]
}

/// RubyGems-shaped strings: numbers, letter segments, `-` parts.
fn gem_text() -> impl Strategy<Value = String> {
    "(0|1|2|01|10)(\\.(0|1|2|00|10|a|b|rc|pre|rc1|A)){0,4}(-(rc|1|a-b)(\\.(0|1|x)){0,2})?"
}

/// NuGet-shaped strings: one to four numbers, labels in any case, metadata.
fn nuget_text() -> impl Strategy<Value = String> {
    "(0|1|2|01|10)(\\.(0|1|2|10)){0,3}(-(alpha|Alpha|beta|rc|0|1|2|x-y)(\\.(0|1|11|a|B)){0,2})?(\\+[0-9a-z]{1,4})?"
}

/// A version string shaped for `eco`.
fn text_for(eco: Ecosystem) -> BoxedStrategy<String> {
    match eco {
        Ecosystem::Npm | Ecosystem::CratesIo => semver_text().boxed(),
        Ecosystem::PyPI => pep440_text().boxed(),
        Ecosystem::Maven => maven_text().boxed(),
        Ecosystem::Go => go_text().boxed(),
        Ecosystem::RubyGems => gem_text().boxed(),
        Ecosystem::NuGet => nuget_text().boxed(),
    }
}

/// An ecosystem and three versions of it that parse.
fn parsed_triple(
    ecosystems: &'static [Ecosystem],
) -> impl Strategy<Value = (Ecosystem, [(String, Version); 3])> {
    prop::sample::select(ecosystems).prop_flat_map(|eco| {
        let parsed = text_for(eco).prop_filter_map("does not parse", move |text| {
            Version::parse(eco, &text).ok().map(|v| (text, v))
        });
        (Just(eco), [parsed.clone(), parsed.clone(), parsed])
    })
}

const ALL: &[Ecosystem] = &Ecosystem::ALL;
const TOTAL: &[Ecosystem] = &[
    Ecosystem::Npm,
    Ecosystem::CratesIo,
    Ecosystem::PyPI,
    Ecosystem::Go,
    Ecosystem::RubyGems,
    Ecosystem::NuGet,
];
const KEYED_BY_ORDER: &[Ecosystem] = &[
    Ecosystem::Npm,
    Ecosystem::PyPI,
    Ecosystem::RubyGems,
    Ecosystem::NuGet,
];

fn order(a: &Version, b: &Version) -> Ordering {
    a.partial_cmp(b).expect("one scheme always compares")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn nothing_panics_on_any_string(
        eco in prop::sample::select(ALL),
        a in any_text(),
        b in any_text(),
    ) {
        let _ = compare(eco, &a, &b);
        let _ = equivalence_key(eco, &a);
        if let Ok(v) = Version::parse(eco, &a) {
            let _ = v.to_string();
            let _ = v.without_local();
        }
    }

    #[test]
    fn every_order_is_antisymmetric((_, [(_, a), (_, b), _]) in parsed_triple(ALL)) {
        prop_assert_eq!(order(&a, &b), order(&b, &a).reverse());
        prop_assert_eq!(order(&a, &a), Ordering::Equal);
    }

    #[test]
    fn total_orders_are_transitive((eco, [(ta, a), (tb, b), (tc, c)]) in parsed_triple(TOTAL)) {
        let all = [(&ta, &a), (&tb, &b), (&tc, &c)];
        for (tx, x) in all {
            for (ty, y) in all {
                for (tz, z) in all {
                    let le = |p: &Version, q: &Version| order(p, q) != Ordering::Greater;
                    prop_assert!(
                        !(le(x, y) && le(y, z)) || le(x, z),
                        "{eco}: {tx:?} <= {ty:?} <= {tz:?} but not {tx:?} <= {tz:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn written_versions_parse_back((eco, [(text, v), _, _]) in parsed_triple(ALL)) {
        let written = v.to_string();
        let again = Version::parse(eco, &written);
        prop_assert!(again.is_ok(), "{eco}: {text:?} is written {written:?}, which does not parse");
        let again = again.unwrap();
        prop_assert_eq!(order(&v, &again), Ordering::Equal, "{}: {:?} -> {:?}", eco, text, written);
        prop_assert_eq!(again.to_string(), written);
    }

    #[test]
    fn keys_agree_with_the_order((eco, [(ta, a), (tb, b), _]) in parsed_triple(KEYED_BY_ORDER)) {
        let same_key = equivalence_key(eco, &ta) == equivalence_key(eco, &tb);
        prop_assert_eq!(same_key, a == b, "{}: {:?} vs {:?}", eco, ta, tb);
    }

    #[test]
    fn sorting_keeps_every_item(
        eco in prop::sample::select(ALL),
        texts in prop::collection::vec(prop_oneof![maven_text(), pep440_text(), any_text()], 0..40),
    ) {
        let mut sorted = texts.clone();
        sort_by_version(eco, &mut sorted, |s| s.as_str());
        let mut before = texts;
        before.sort();
        sorted.sort();
        prop_assert_eq!(before, sorted);
    }

    #[test]
    fn sorting_a_total_order_sorts(
        (eco, [(ta, _), (tb, _), (tc, _)]) in parsed_triple(TOTAL),
    ) {
        let mut sorted = vec![ta, tb, tc];
        sort_by_version(eco, &mut sorted, |s| s.as_str());
        for pair in sorted.windows(2) {
            prop_assert_ne!(compare(eco, &pair[0], &pair[1]), Ok(Ordering::Greater));
        }
    }
}
