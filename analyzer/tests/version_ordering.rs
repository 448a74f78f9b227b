//! Ordering tables: for each ecosystem, groups of versions in strictly increasing
//! order, the versions inside a group being equal. Every pair across the whole
//! table is checked, so each table also pins antisymmetry and transitivity.
//! Every version in these tables is also in the hand-written set of
//! `version_differential.rs`, so each comparison here is confirmed against the
//! reference implementation (Maven 3.8.7's `ComparableVersion`, Python `packaging`,
//! node-semver 7) whenever that test runs.

use lambda_audit_analyzer::version::{compare, equivalence_key, Version, VersionError};
use lambda_audit_analyzer::Ecosystem;
use std::cmp::Ordering;

/// Asserts that `groups` is strictly increasing and each group is one version.
fn assert_table(eco: Ecosystem, groups: &[&[&str]]) {
    let flat: Vec<(usize, &str)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| group.iter().map(move |v| (g, *v)))
        .collect();
    let mut failures = Vec::new();
    for &(ga, a) in &flat {
        for &(gb, b) in &flat {
            let expected = ga.cmp(&gb);
            match compare(eco, a, b) {
                Ok(got) if got == expected => {}
                got => failures.push(format!(
                    "{a:?} vs {b:?}: expected {expected:?}, got {got:?}"
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{eco}: {} wrong comparisons:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Asserts that every string is rejected, with the string and ecosystem kept.
fn assert_invalid(eco: Ecosystem, versions: &[&str]) {
    for v in versions {
        match Version::parse(eco, v) {
            Err(VersionError {
                ecosystem, version, ..
            }) => {
                assert_eq!(ecosystem, eco);
                assert_eq!(version, *v);
            }
            Ok(parsed) => panic!("{eco}: {v:?} should be invalid, parsed as {parsed}"),
        }
    }
}

#[test]
fn maven_qualifiers_and_separators() {
    assert_table(
        Ecosystem::Maven,
        &[
            &["1-alpha", "1.0-ALPHA", "1-alpha-0", "1.alpha"],
            &[
                "1-alpha-1",
                "1a1",
                "1-a1",
                "1.alpha1",
                "1alpha1",
                "1.0.0-alpha1",
            ],
            &["1-alpha-2", "1-a2"],
            &["1-beta", "1.0-Beta"],
            &["1-beta-1", "1b1", "1-b1"],
            &["1-milestone", "1.0-milestone"],
            &["1-milestone-1", "1m1", "1-M1"],
            &["1-rc", "1-cr", "1.RC", "1-CR"],
            &[
                "1-rc1",
                "1-cr1",
                "1-RC-1",
                "1.0.0.RC1",
                "1.0.0-RC1",
                "1.0.0-cr-1",
            ],
            &["1-rc2"],
            &["1-snapshot", "1-SNAPSHOT", "1.0-SNAPSHOT", "1.0.0-snapshot"],
            &[
                "1",
                "1.0",
                "1.0.0",
                "1-0",
                "1-ga",
                "1-GA",
                "1-final",
                "1.Final",
                "1.0.0.Final",
                "1.RELEASE",
                "1-release",
                "1.0.0.GA",
                "1..",
                "1-",
            ],
            &["1-sp", "1.sp", "1-SP"],
            &["1-sp-1", "1-sp1", "1.sp1"],
            &["1-abc", "1.abc", "1-ABC"],
            &["1-jre", "1.0-jre"],
            &["1-xyz"],
            &["1-0.1", "1-0.1.0"],
            &["1-1", "1.0-1", "1-1.0"],
            &["1-1.1"],
            &["1-2"],
            &["1.0.1", "1..1", "1.0.1.0"],
            &["1.1", "1.1.0"],
            &["2"],
        ],
    );
}

#[test]
fn maven_real_world_spellings() {
    assert_table(
        Ecosystem::Maven,
        &[
            &["2.13.4", "2.13.4.Final"],
            // `.redhat-1` keeps the string in the outer list; `.redhat1` reads as `-redhat-1`.
            &["2.13.4.redhat-1"],
            &["2.13.4-redhat-00001", "2.13.4.redhat1"],
            &["2.13.4-redhat-00002"],
            &["2.13.4.1"],
            &["2.13.5"],
        ],
    );
    assert_table(
        Ecosystem::Maven,
        &[
            &["4.1.48.Final", "4.1.48"],
            &["4.1.68.Final"],
            &["4.1.100.Final"],
            &["5.3.20.RELEASE", "5.3.20"],
            &["5.3.21-SNAPSHOT"],
            &["5.3.21", "5.3.21.RELEASE"],
        ],
    );
    // Guava: the flavour is an unknown qualifier, so it sorts after the bare number.
    assert_table(
        Ecosystem::Maven,
        &[
            &["31.1"],
            &["31.1-android"],
            &["31.1-jre"],
            &["32.0.0-android"],
            &["32.0.0-jre"],
        ],
    );
    assert_table(
        Ecosystem::Maven,
        &[&["1-SNAPSHOT"], &["1"], &["1.0.1-SNAPSHOT"], &["1.0.1"]],
    );
}

#[test]
fn maven_numbers() {
    assert_table(
        Ecosystem::Maven,
        &[
            &["1.9"],
            &["1.10", "1.010"],
            &["1.999999999"],
            // 10 digits: Maven's LongItem, above every 9-digit IntItem.
            &["1.1000000000"],
            &["1.999999999999999999"],
            // 19 and more digits: BigIntegerItem, compared exactly.
            &["1.1000000000000000000"],
            &["1.99999999999999999998"],
            &["1.99999999999999999999", "1.099999999999999999999"],
            &["1.100000000000000000000"],
        ],
    );
    // Java quirk kept: an all-zero token keeps its width, so a 10-zero token is a
    // LongItem zero, above every IntItem (but still null when trailing).
    assert_eq!(
        compare(Ecosystem::Maven, "1.0000000000.1", "1.1"),
        Ok(Ordering::Greater)
    );
    assert_eq!(
        compare(Ecosystem::Maven, "1.0000000000", "1"),
        Ok(Ordering::Equal)
    );
}

#[test]
fn maven_empty_is_an_error() {
    assert_invalid(Ecosystem::Maven, &["", "   "]);
}

#[test]
fn pep440_pre_post_dev() {
    assert_table(
        Ecosystem::PyPI,
        &[
            &["1.0.dev0", "1.0.dev", "1.0-dev0", "1.0_dev"],
            &["1.0.dev1", "1.0-dev1", "1.0.DEV1"],
            &["1.0a1.dev1"],
            &[
                "1.0a1",
                "1.0alpha1",
                "1.0-a1",
                "1.0A1",
                "1.0.a.1",
                "1.0-alpha-1",
                "1.0.0a1",
            ],
            &["1.0a1.post1.dev1"],
            &["1.0a1.post1", "1.0a1-1"],
            &["1.0a2"],
            &["1.0b1", "1.0beta1", "1.0-b1"],
            &["1.0rc1.dev1"],
            &[
                "1.0rc1",
                "1.0c1",
                "1.0-RC1",
                "1.0.rc.1",
                "1.0RC1",
                "1.0pre1",
                "1.0preview1",
                "1.0-rc-1",
            ],
            &["1.0rc1.post1"],
            &[
                "1.0", "1.0.0", "1", "v1.0", "V1.0", "0!1.0", " 1.0 ", "1.0.0.0",
            ],
            &["1.0+abc", "1.0+ABC", "1.0.0+abc"],
            &["1.0+abc.0"],
            &["1.0+abc.5"],
            &["1.0+abc.10"],
            &["1.0+5", "1.0+05"],
            &["1.0.post1.dev1"],
            &[
                "1.0.post1",
                "1.0-1",
                "1.0post1",
                "1.0-post1",
                "1.0.rev1",
                "1.0r1",
                "1.0_post_1",
            ],
            &["1.0.post2"],
            &["1.0.1.dev1"],
            &["1.0.1"],
            &["1.1"],
            &["2"],
            &["1!0.1", "1!0.1.0"],
            &["1!1.0"],
        ],
    );
}

#[test]
fn pep440_real_world() {
    assert_table(
        Ecosystem::PyPI,
        &[
            &["2.0.1"],
            &["2.0.1+cpu"],
            &["2.0.1+cu117"],
            &["2.0.1+cu118"],
            &["2.0.2"],
        ],
    );
    assert_table(
        Ecosystem::PyPI,
        &[
            &["2022.12.7", "2022.12.07", "2022.12.007"],
            &["2022.12.70"],
            &["2023.5.7"],
        ],
    );
    assert_table(Ecosystem::PyPI, &[&["22.10.0rc1"], &["22.10.0", "22.10"]]);
    assert_table(
        Ecosystem::PyPI,
        &[&["1.9"], &["1.10"], &["1.10.1"], &["1.11"], &["20230101"]],
    );
}

#[test]
fn pep440_rejects_what_packaging_rejects() {
    assert_invalid(
        Ecosystem::PyPI,
        &[
            "",
            "foo",
            "1.0-foo",
            "1..0",
            "1.0.",
            ".1",
            "1.0+",
            "1.0+-a",
            "1.0+a..b",
            "1.0a1b1",
            "1.0-",
            "1.0.dev1.dev2",
            "1.0.post1.post2",
            "1.0ab",
            "1,0",
            "1.0 1",
            "1.*",
            "1.0.x",
            "1.0.0-SNAPSHOT",
            "1.0-final",
            "1!",
        ],
    );
}

#[test]
fn semver_precedence() {
    for eco in [Ecosystem::Npm, Ecosystem::CratesIo] {
        assert_table(
            eco,
            &[
                &["1.0.0-0"],
                &["1.0.0-1"],
                &["1.0.0-2"],
                &["1.0.0-10"],
                &["1.0.0-A"],
                &["1.0.0-RC1"],
                &[
                    "1.0.0-alpha",
                    "1.0.0-alpha+001",
                    "1.0.0-alpha+exp.sha.5114f85",
                ],
                &["1.0.0-alpha.1"],
                &["1.0.0-alpha.1.0"],
                &["1.0.0-alpha.beta"],
                &["1.0.0-alpha-1"],
                &["1.0.0-beta"],
                &["1.0.0-beta.2"],
                &["1.0.0-beta.11"],
                &["1.0.0-rc.1"],
                &["1.0.0-rc.1.1"],
                &["1.0.0-rc1"],
                &[
                    "1.0.0",
                    "1.0.0+20130313144700",
                    "1.0.0+build.1",
                    "1.0.0+21AF26D3----117B344092BD",
                ],
                &["1.0.1-0"],
                &["1.0.1"],
                &["1.1.0"],
                &["1.4.4-lts.1"],
                &["1.4.4"],
                &["1.10.0"],
                &["2.0.0-rc.1"],
                &["2.0.0"],
                &["10.0.0"],
                &["99.999.99999"],
                &["18446744073709551615.0.0"],
            ],
        );
    }
}

#[test]
fn npm_accepts_lockfile_prefixes() {
    assert_table(
        Ecosystem::Npm,
        &[
            &["1.2.3", "v1.2.3", "=1.2.3", "=v1.2.3", " 1.2.3 "],
            &["1.4.4-lts.1", "v1.4.4-lts.1"],
            &["2.0.0", "v2.0.0"],
        ],
    );
    assert_invalid(
        Ecosystem::Npm,
        &[
            "", "1", "1.0", "1.2.x", "*", "latest", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+",
            "V1.2.3",
        ],
    );
}

#[test]
fn crates_io_is_strict_semver() {
    assert_invalid(
        Ecosystem::CratesIo,
        &[
            "",
            "1",
            "1.0",
            "v1.2.3",
            "=1.2.3",
            "01.0.0",
            "1.01.0",
            "1.0.0-01",
            "1.0.0-alpha..1",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-a_b",
            "18446744073709551616.0.0",
        ],
    );
}

#[test]
fn ecosystems_do_not_mix() {
    let maven = Version::parse(Ecosystem::Maven, "1.0").unwrap();
    let pypi = Version::parse(Ecosystem::PyPI, "1.0").unwrap();
    assert_eq!(maven.partial_cmp(&pypi), None);
    assert_ne!(maven, pypi);
}

#[test]
fn equivalence_keys() {
    let key = equivalence_key;
    use Ecosystem::*;
    for (eco, input, expected) in [
        (PyPI, "3.2.0", "3.2"),
        (PyPI, "3.2", "3.2"),
        (PyPI, "1.0.0", "1"),
        (PyPI, "0", "0"),
        (PyPI, "0.0.0", "0"),
        (PyPI, "1.0RC1", "1rc1"),
        (PyPI, "1.0-rc-1", "1rc1"),
        (PyPI, "2022.12.07", "2022.12.7"),
        (PyPI, "1.0-1", "1.post1"),
        (PyPI, "1.0.post0", "1.post0"),
        (PyPI, "0!1.0", "1"),
        (PyPI, "1!1.0", "1!1"),
        (PyPI, "V1.0.DEV2", "1.dev2"),
        (PyPI, "1.0+ABC-1", "1+abc.1"),
        (PyPI, "2.0.1+cu118", "2.0.1+cu118"),
        (PyPI, " 1.0 ", "1"),
        (PyPI, "not a version", "not a version"),
        (Npm, "v1.2.3", "1.2.3"),
        (Npm, "=1.2.3", "1.2.3"),
        (Npm, "1.2.3+build.5", "1.2.3"),
        (Npm, "1.0.0-Beta.1", "1.0.0-Beta.1"),
        (Npm, " 1.2.3 ", "1.2.3"),
        (Npm, "1.2", "1.2"),
        (CratesIo, "1.0.0+build", "1.0.0+build"),
        (CratesIo, " 1.0.0 ", "1.0.0"),
        (Maven, "1.0", "1.0"),
        (Maven, "1.0.0", "1.0.0"),
        (Maven, "4.3.2.Final", "4.3.2.Final"),
    ] {
        assert_eq!(key(eco, input), expected, "{eco} key of {input:?}");
    }
    assert_ne!(key(PyPI, "1.0+abc"), key(PyPI, "1.0"));
    assert_ne!(key(PyPI, "2022.12.7"), key(PyPI, "2022.12.70"));
    assert_ne!(key(Npm, "1.0.0-beta"), key(Npm, "1.0.0-Beta"));
}
