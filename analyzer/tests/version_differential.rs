//! Differential check of our version rules against each ecosystem's reference
//! implementation: Maven's own `ComparableVersion` (Java), Python's `packaging`
//! (PEP 440), node-semver (SemVer 2.0, also used as the reference for crates.io),
//! Go's `golang.org/x/mod/semver` (Debian's golang-go and
//! golang-golang-x-mod-dev, built in GOPATH mode) and Ruby's `Gem::Version`
//! (Debian's ruby). NuGet has no reference here: Debian ships no .NET SDK.
//!
//! Versions: every distinct version named in `<shared>/advisories/<Eco>/all.zip`
//! (`affected[].versions` and range events) plus synthetic edge cases. First each
//! version is checked alone (does the reference accept what we accept?), then the
//! versions both sides accept are compared in pairs: every pair of neighbours after
//! sorting by our order (where the reference order is a total preorder, as PEP 440
//! and SemVer are, agreement on all neighbours means the two orders coincide on the
//! whole set), random pairs, and every pair of hand-written versions. Each pair also
//! checks `equivalence_key` against the reference's equality. Any disagreement
//! fails the test, unless it is one of the documented, intended differences listed
//! in `documented_difference`.
//!
//! Not exercised on purpose: `Version::parse` trims surrounding whitespace first
//! (versions come from files), which packaging and node-semver also do but Maven
//! does not, so no Maven case here has surrounding whitespace.
//!
//! Opt-in: set `LAMBDA_AUDIT_DIFFERENTIAL=1` and run `tools/differential/setup.sh`
//! once (`scripts/test.sh` does both). Otherwise each test skips (`testkit::skip`:
//! said on the terminal, and a failure under `LAMBDA_AUDIT_REQUIRE_SHARED=1`).

use lambda_audit_analyzer::version::maven::{MavenVersion, MAX_NESTING};
use lambda_audit_analyzer::version::{equivalence_key, sort_by_version, Version};
use lambda_audit_analyzer::Ecosystem;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

#[test]
fn maven_matches_comparable_version() {
    run(Ecosystem::Maven);
}

#[test]
fn pypi_matches_packaging() {
    run(Ecosystem::PyPI);
}

#[test]
fn npm_matches_node_semver() {
    run(Ecosystem::Npm);
}

#[test]
fn crates_io_matches_semver_precedence() {
    run(Ecosystem::CratesIo);
}

#[test]
fn go_matches_x_mod_semver() {
    run(Ecosystem::Go);
}

#[test]
fn rubygems_matches_gem_version() {
    run(Ecosystem::RubyGems);
}

/// The reference's verdict on one pair.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    Order(Ordering),
    Invalid(String),
}

/// Runs the whole check for one ecosystem.
fn run(eco: Ecosystem) {
    if std::env::var("LAMBDA_AUDIT_DIFFERENTIAL").as_deref() != Ok("1") {
        testkit::skip(format_args!(
            "set LAMBDA_AUDIT_DIFFERENTIAL=1 (after tools/differential/setup.sh) \
             to check {eco} version ordering against its reference implementation"
        ));
        return;
    }
    let reference = match Reference::find(eco) {
        Ok(r) => r,
        Err(why) => {
            testkit::skip(format_args!(
                "{eco} reference implementation not available: {why}"
            ));
            return;
        }
    };

    let synthetic: Vec<String> = synthetic(eco).iter().map(|s| s.to_string()).collect();
    let advisory = advisory_versions(eco);
    let mut generated = generated(eco);
    generated.extend(random_versions(eco));
    let mut all: BTreeSet<String> = advisory.iter().cloned().collect();
    all.extend(synthetic.iter().cloned());
    all.extend(generated.iter().cloned());
    let all: Vec<String> = all.into_iter().collect();

    // Pass 1: acceptance, one version at a time (a pair of the version with itself).
    let self_pairs: Vec<(String, String)> = all.iter().map(|v| (v.clone(), v.clone())).collect();
    let verdicts = reference.compare(&self_pairs);
    let mut accepted = Vec::new();
    let mut report = String::new();
    let (mut accept_failures, mut accept_documented) = (0usize, 0usize);
    for (v, verdict) in all.iter().zip(&verdicts) {
        let ours = Version::parse(eco, v);
        match (&ours, verdict) {
            (Ok(_), Verdict::Order(Ordering::Equal)) => accepted.push(v.clone()),
            (Err(_), Verdict::Invalid(_)) => {}
            _ => {
                let line = format!(
                    "  acceptance {v:?}: ours {}, reference {verdict:?}",
                    match &ours {
                        Ok(_) => "accepts".to_string(),
                        Err(e) => format!("rejects ({})", e.reason),
                    }
                );
                match documented_difference(eco, v, v) {
                    Some(why) => {
                        accept_documented += 1;
                        if accept_documented <= 10 {
                            let _ = writeln!(report, "{line}  [documented: {why}]");
                        }
                    }
                    None => {
                        accept_failures += 1;
                        let _ = writeln!(report, "{line}");
                    }
                }
            }
        }
    }

    // Pass 2: ordering of the versions both sides accept.
    let pairs = ordering_pairs(eco, &accepted, &synthetic);
    let verdicts = reference.compare(&pairs);
    let (mut order_failures, mut order_documented) = (0usize, 0usize);
    let mut key_failures = 0usize;
    for ((a, b), verdict) in pairs.iter().zip(&verdicts) {
        let same_key = equivalence_key(eco, a) == equivalence_key(eco, b);
        let equal = *verdict == Verdict::Order(Ordering::Equal);
        // PyPI, npm and RubyGems keys are exact for equality; crates.io and
        // Maven keys are the published spelling and Go's keep `+incompatible`,
        // so they only promise "same key => equal".
        let exact_keys = matches!(eco, Ecosystem::PyPI | Ecosystem::Npm | Ecosystem::RubyGems);
        if ((same_key && !equal) || (exact_keys && equal && !same_key))
            && documented_difference(eco, a, b).is_none()
        {
            key_failures += 1;
            if key_failures <= 50 {
                let _ = writeln!(
                    report,
                    "  equivalence_key {a:?} -> {:?}, {b:?} -> {:?}, reference {verdict:?}",
                    equivalence_key(eco, a),
                    equivalence_key(eco, b)
                );
            }
        }
        let ours = ours(eco, a, b);
        if Verdict::Order(ours) == *verdict {
            continue;
        }
        let line = format!("  order {a:?} vs {b:?}: ours {ours:?}, reference {verdict:?}");
        match documented_difference(eco, a, b) {
            Some(why) => {
                order_documented += 1;
                if order_documented <= 10 {
                    let _ = writeln!(report, "{line}  [documented: {why}]");
                }
            }
            None => {
                order_failures += 1;
                if order_failures <= 200 {
                    let _ = writeln!(report, "{line}");
                }
            }
        }
    }

    loud(&format!(
        "differential {eco} vs {}: {} distinct versions ({} from advisories, {} hand-written, \
         {} generated), \
         {} accepted by both; acceptance mismatches {accept_failures} (+{accept_documented} documented); \
         {} pairs compared, order mismatches {order_failures} (+{order_documented} documented), \
         equivalence_key mismatches {key_failures}",
        reference.name,
        all.len(),
        advisory.len(),
        synthetic.len(),
        generated.len(),
        accepted.len(),
        pairs.len(),
    ));
    if !report.is_empty() {
        loud(&report);
    }
    assert_eq!(
        (accept_failures, order_failures, key_failures),
        (0, 0, 0),
        "{eco}: our version rules disagree with {} (listed above)",
        reference.name
    );
}

/// Writes straight to the process's stderr, which the test harness does not
/// capture, so the counts show without `--nocapture`.
fn loud(text: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", text.trim_end());
}

/// Our order of two versions we accept.
fn ours(eco: Ecosystem, a: &str, b: &str) -> Ordering {
    let (a, b) = (
        Version::parse(eco, a).expect("accepted"),
        Version::parse(eco, b).expect("accepted"),
    );
    a.partial_cmp(&b).expect("same ecosystem")
}

/// Differences we keep on purpose, with the reason; `a == b` for acceptance.
fn documented_difference(eco: Ecosystem, a: &str, b: &str) -> Option<&'static str> {
    let both = [a, b];
    match eco {
        Ecosystem::Npm | Ecosystem::CratesIo => {
            if both.iter().any(|v| has_unsafe_integer(v)) {
                return Some(
                    "node-semver refuses or rounds numbers above 2^53-1 (JavaScript doubles); \
                     SemVer sets no limit and the semver crate compares them exactly",
                );
            }
            if eco == Ecosystem::Npm && both.iter().any(|v| v.trim().starts_with(['=', 'v'])) {
                return Some(
                    "npm lockfiles and CLIs write `v1.2.3` / `=1.2.3`; we read them as node-semver's \
                     loose mode does",
                );
            }
            if eco == Ecosystem::CratesIo && both.iter().any(|v| v.trim().starts_with('v')) {
                return Some(
                    "Cargo (the semver crate) rejects a `v` prefix; node-semver allows one",
                );
            }
            None
        }
        Ecosystem::PyPI => {
            if both.iter().any(|v| has_digit_run_over_u64(v)) {
                return Some(
                    "pep440_rs stores each number in a u64; `packaging` has unbounded integers \
                     (no real release uses such numbers)",
                );
            }
            None
        }
        Ecosystem::Go => {
            if both.iter().any(|v| {
                let v = v.trim();
                v.starts_with("go") || v == "(devel)" || v.starts_with("devel ")
            }) {
                return Some(
                    "Go toolchain tags (`go1.21rc2`, the stdlib version in build info) and \
                     `(devel)` are not module versions: read as the Go vulnerability database \
                     converts them, and `(devel)` as x/mod orders any invalid version (lowest)",
                );
            }
            None
        }
        Ecosystem::RubyGems => None,
        Ecosystem::NuGet => Some("no NuGet reference implementation on this platform"),
        Ecosystem::Maven => {
            // Excused only when the string is long enough to nest that deep, so a
            // short version our parser rejects is never excused by its rejection.
            if both
                .iter()
                .any(|v| can_nest_too_deep(v) && MavenVersion::parse(v.trim()).is_none())
            {
                return Some(
                    "nested deeper than MAX_NESTING lists: refused so comparing cannot \
                     exhaust the stack; Maven accepts it",
                );
            }
            None
        }
    }
}

/// Whether a Maven version is long enough to nest more than `MAX_NESTING` lists
/// deep: each character opens at most two lists (a letter-to-digit boundary opens
/// two), plus the outermost list and one for a trailing qualifier.
fn can_nest_too_deep(v: &str) -> bool {
    2 * v.trim().chars().count() + 2 > MAX_NESTING
}

/// Whether a SemVer string holds a number above JavaScript's `Number.MAX_SAFE_INTEGER`.
fn has_unsafe_integer(v: &str) -> bool {
    const MAX_SAFE: u128 = (1 << 53) - 1;
    v.split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .any(|run| run.len() > 16 || run.parse::<u128>().map_or(true, |n| n > MAX_SAFE))
}

/// Whether a string holds a run of digits whose value does not fit a u64.
fn has_digit_run_over_u64(v: &str) -> bool {
    v.split(|c: char| !c.is_ascii_digit())
        .map(|run| run.trim_start_matches('0'))
        .any(|run| run.len() > 20 || (!run.is_empty() && run.parse::<u64>().is_err()))
}

/// The pairs to compare: neighbours in our order, random pairs, all synthetic pairs.
fn ordering_pairs(
    eco: Ecosystem,
    accepted: &[String],
    synthetic: &[String],
) -> Vec<(String, String)> {
    // Maven's order has a few cycles, which `slice::sort_by` may panic on.
    let mut sorted: Vec<&String> = accepted.iter().collect();
    sort_by_version(eco, &mut sorted, |s| s.as_str());
    let mut pairs: Vec<(String, String)> = sorted
        .windows(2)
        .map(|w| (w[0].clone(), w[1].clone()))
        .collect();

    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ eco.as_str().len() as u64);
    let random = (accepted.len() * 3).min(30_000);
    for _ in 0..random {
        let a = &accepted[rng.below(accepted.len())];
        let b = &accepted[rng.below(accepted.len())];
        pairs.push((a.clone(), b.clone()));
    }

    let accepted_set: BTreeSet<&String> = accepted.iter().collect();
    let synthetic: Vec<&String> = synthetic
        .iter()
        .filter(|s| accepted_set.contains(s))
        .collect();
    for a in &synthetic {
        for b in &synthetic {
            pairs.push(((*a).clone(), (*b).clone()));
        }
    }
    pairs
}

/// A small deterministic pseudo-random generator (xorshift64).
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A reference implementation: a command that reads a pairs file.
struct Reference {
    name: &'static str,
    program: String,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    scratch: PathBuf,
}

impl Reference {
    fn find(eco: Ecosystem) -> Result<Reference, String> {
        let tools = testkit::workspace_root().join("tools/differential");
        let scratch = std::env::temp_dir().join(format!(
            "lambda-audit-differential-{}-{}",
            std::process::id(),
            eco.purl_type()
        ));
        std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
        let path = |p: PathBuf| p.to_string_lossy().into_owned();
        match eco {
            Ecosystem::PyPI => {
                check(Command::new("python3").args(["-c", "import packaging.version"]))
                    .map_err(|e| format!("python3 with `packaging`: {e}"))?;
                Ok(Reference {
                    name: "python packaging",
                    program: "python3".into(),
                    args: vec![path(tools.join("pep440_compare.py"))],
                    envs: Vec::new(),
                    scratch,
                })
            }
            Ecosystem::Npm | Ecosystem::CratesIo => {
                let dir = testkit::configured_path("LAMBDA_AUDIT_DIFFERENTIAL_DIR")
                    .unwrap_or_else(|| "/tmp/lambda-audit-differential".into());
                let module = dir.join("node_modules/semver");
                check(
                    Command::new("node")
                        .args(["-e", "require(process.env.SEMVER_MODULE)"])
                        .env("SEMVER_MODULE", &module),
                )
                .map_err(|e| format!("node with semver at {}: {e}", module.display()))?;
                Ok(Reference {
                    name: "node-semver",
                    program: "node".into(),
                    args: vec![path(tools.join("semver_compare.js"))],
                    envs: vec![("SEMVER_MODULE".into(), path(module))],
                    scratch,
                })
            }
            Ecosystem::Go => {
                let binary = scratch.join("go_compare");
                check(
                    Command::new("go")
                        .arg("build")
                        .arg("-o")
                        .arg(&binary)
                        .arg(tools.join("go_compare.go"))
                        .env("GO111MODULE", "off")
                        .env("GOPATH", go_path())
                        .env("GOFLAGS", "")
                        .env("GOCACHE", scratch.join("gocache")),
                )
                .map_err(|e| format!("go build with golang.org/x/mod in GOPATH: {e}"))?;
                Ok(Reference {
                    name: "golang.org/x/mod/semver",
                    program: path(binary),
                    args: Vec::new(),
                    envs: Vec::new(),
                    scratch,
                })
            }
            Ecosystem::RubyGems => {
                check(
                    Command::new("ruby").args(["-e", "require 'rubygems'; Gem::Version.new('1')"]),
                )
                .map_err(|e| format!("ruby: {e}"))?;
                Ok(Reference {
                    name: "Gem::Version",
                    program: "ruby".into(),
                    args: vec![path(tools.join("gem_version_compare.rb"))],
                    envs: Vec::new(),
                    scratch,
                })
            }
            Ecosystem::NuGet => Err("Debian ships no .NET SDK (NuGet.Versioning)".into()),
            Ecosystem::Maven => {
                let jar = maven_artifact_jar()?;
                let classes = scratch.join("classes");
                check(
                    Command::new("javac")
                        .arg("-cp")
                        .arg(&jar)
                        .arg("-d")
                        .arg(&classes)
                        .arg(tools.join("MavenCompare.java")),
                )
                .map_err(|e| format!("javac: {e}"))?;
                let classpath = format!("{}:{}", jar.display(), classes.display());
                Ok(Reference {
                    name: "Maven ComparableVersion",
                    program: "java".into(),
                    args: vec!["-cp".into(), classpath, "MavenCompare".into()],
                    envs: Vec::new(),
                    scratch,
                })
            }
        }
    }

    /// The reference's verdict on every pair, in order.
    fn compare(&self, pairs: &[(String, String)]) -> Vec<Verdict> {
        let file = self.scratch.join("pairs.tsv");
        let mut text = String::new();
        for (a, b) in pairs {
            let _ = writeln!(text, "{a}\t{b}");
        }
        std::fs::write(&file, text).expect("write pairs file");
        let output = Command::new(&self.program)
            .args(&self.args)
            .arg(&file)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run reference");
        assert!(
            output.status.success(),
            "{} failed: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).expect("reference prints UTF-8");
        let verdicts: Vec<Verdict> = stdout
            .lines()
            .map(|line| match line {
                "-1" => Verdict::Order(Ordering::Less),
                "0" => Verdict::Order(Ordering::Equal),
                "1" => Verdict::Order(Ordering::Greater),
                other => Verdict::Invalid(other.trim_start_matches("ERR ").to_string()),
            })
            .collect();
        assert_eq!(
            verdicts.len(),
            pairs.len(),
            "{}: one line per pair",
            self.name
        );
        verdicts
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// Runs a probe command; Ok when it exits successfully.
fn check(cmd: &mut Command) -> Result<(), String> {
    match cmd.output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => {
            // The line that names the error, not a stack trace's first line.
            let stderr = String::from_utf8_lossy(&out.stderr);
            let line = stderr
                .lines()
                .find(|l| l.contains("rror"))
                .or_else(|| stderr.lines().next())
                .unwrap_or("failed");
            Err(line.trim().to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// `LAMBDA_AUDIT_GOPATH` (a GOPATH holding `src/golang.org/x/mod`), else
/// Debian's `/usr/share/gocode` (golang-golang-x-mod-dev).
fn go_path() -> PathBuf {
    testkit::configured_path("LAMBDA_AUDIT_GOPATH").unwrap_or_else(|| "/usr/share/gocode".into())
}

/// `LAMBDA_AUDIT_MAVEN_ARTIFACT_JAR`, else maven-artifact*.jar in the Maven install.
fn maven_artifact_jar() -> Result<PathBuf, String> {
    if let Some(jar) = testkit::configured_path("LAMBDA_AUDIT_MAVEN_ARTIFACT_JAR") {
        return Ok(jar);
    }
    let mut homes: Vec<PathBuf> = std::env::var_os("MAVEN_HOME")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    homes.push("/usr/share/maven".into());
    for home in homes {
        let Ok(entries) = std::fs::read_dir(home.join("lib")) else {
            continue;
        };
        let mut jars: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("maven-artifact") && n.ends_with(".jar"))
            })
            .collect();
        jars.sort();
        if let Some(jar) = jars.pop() {
            check(Command::new("java").arg("-version")).map_err(|e| format!("java: {e}"))?;
            return Ok(jar);
        }
    }
    Err("no maven-artifact*.jar (set LAMBDA_AUDIT_MAVEN_ARTIFACT_JAR)".into())
}

/// Every distinct version named for `eco` in the advisory snapshot (listed versions
/// and range events other than GIT commits), without tabs or line breaks. Without
/// `../shared` this part skips and the check runs on synthetic versions only.
fn advisory_versions(eco: Ecosystem) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(path) = testkit::shared_path(&format!("advisories/{}/all.zip", eco.as_str())) else {
        return out;
    };
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut zip = zip::ZipArchive::new(file).expect("advisory zip opens");
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("zip entry");
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("UTF-8 record");
        let record: serde_json::Value = serde_json::from_str(&text).expect("JSON record");
        let affected = record["affected"].as_array().cloned().unwrap_or_default();
        for a in affected {
            if a["package"]["ecosystem"].as_str() != Some(eco.as_str()) {
                continue;
            }
            for v in a["versions"].as_array().into_iter().flatten() {
                out.extend(v.as_str().map(str::to_string));
            }
            for range in a["ranges"].as_array().into_iter().flatten() {
                if range["type"].as_str() == Some("GIT") {
                    continue;
                }
                for event in range["events"].as_array().into_iter().flatten() {
                    for key in ["introduced", "fixed", "last_affected", "limit"] {
                        out.extend(event[key].as_str().map(str::to_string));
                    }
                }
            }
        }
    }
    out.retain(|v| !v.contains(['\t', '\r', '\n']));
    out
}

/// Combinations of release numbers, separators, qualifiers and suffixes: every
/// version built from the parts below (these take part in the neighbour and random
/// pairs, not in the all-pairs set).
fn generated(eco: Ecosystem) -> BTreeSet<String> {
    let parts: &[&[&str]] = match eco {
        Ecosystem::Maven => &[
            &["1", "1.0", "1.1", "2", "1.0.0"],
            &["-", ".", ""],
            &[
                "alpha",
                "a",
                "beta",
                "b",
                "milestone",
                "m",
                "rc",
                "cr",
                "snapshot",
                "ga",
                "final",
                "release",
                "sp",
                "abc",
                "jre",
                "",
                "0",
            ],
            &["", "1", "-1", ".1", "2", "-2", ".0", "-sp", ".rc"],
        ],
        Ecosystem::PyPI => &[
            &["", "1!"],
            &["0", "1", "1.0", "1.0.0", "1.1", "2"],
            &["", "a1", "b1", "rc1", "c2", "-alpha", ".beta.3"],
            &["", ".post1", "-2", ".post0"],
            &["", ".dev1", ".dev0"],
            &["", "+abc", "+1", "+abc.1", "+1.abc"],
        ],
        Ecosystem::Npm | Ecosystem::CratesIo => &[
            &[
                "0.0.0", "0.0.1", "0.1.0", "1.0.0", "1.2.3", "1.10.0", "10.0.0",
            ],
            &[
                "",
                "-0",
                "-1",
                "-10",
                "-2",
                "-alpha",
                "-alpha.1",
                "-alpha.beta",
                "-beta",
                "-beta.2",
                "-beta.11",
                "-rc.1",
                "-rc1",
                "-RC1",
                "-a.b.c",
                "-0a",
                "-x-y",
                "-1.2.3",
                "-alpha.1.0",
            ],
            &["", "+b", "+001", "+b.2"],
        ],
        Ecosystem::Go => &[
            &["", "v"],
            &[
                "0", "1", "1.2", "0.0.0", "1.2.3", "1.10.0", "2.0.0", "01.0.0",
            ],
            &[
                "",
                "-0",
                "-1",
                "-rc.1",
                "-rc1",
                "-alpha.beta",
                "-20220906165146-f3363e06e74c",
                "-0.20230101000000-abcdef123456",
                "-pre.0.20230101000000-abcdef123456",
                "-01",
            ],
            &["", "+incompatible", "+b.1"],
        ],
        Ecosystem::RubyGems => &[
            &["0", "1", "1.0", "1.2", "1.10", "01", "1.0.0"],
            &[
                "", ".a", ".b", ".rc1", ".pre", ".0", ".1", "a", ".A", ".pre.1",
            ],
            &["", "-rc1", "-1", "-a-b", "-rc.1", ".0", "-"],
        ],
        Ecosystem::NuGet => &[],
    };
    let mut out = BTreeSet::from([String::new()]);
    for options in parts {
        out = out
            .iter()
            .flat_map(|prefix| options.iter().map(move |o| format!("{prefix}{o}")))
            .collect();
    }
    out.remove("");
    if eco == Ecosystem::Maven {
        // The deepest nesting we accept, and one level more (refused, documented).
        out.insert("1-".repeat(MAX_NESTING - 1));
        out.insert("1-".repeat(MAX_NESTING - 2) + "2");
        out.insert("1-".repeat(MAX_NESTING) + "1");
    }
    out
}

/// Pseudo-random strings built from each grammar's pieces, in shapes the
/// combinations above do not reach (fixed seed, so every run checks the same ones).
fn random_versions(eco: Ecosystem) -> BTreeSet<String> {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut pick = |options: &[&str]| options[rng.below(options.len())].to_string();
    let mut out = BTreeSet::new();
    for _ in 0..4000 {
        let mut v = String::new();
        match eco {
            Ecosystem::Maven => {
                const PIECES: &[&str] = &[
                    "0",
                    "1",
                    "2",
                    "9",
                    "00",
                    "10",
                    ".",
                    ".",
                    ".",
                    "-",
                    "-",
                    "-",
                    "a",
                    "b",
                    "m",
                    "c",
                    "r",
                    "s",
                    "p",
                    "x",
                    "A",
                    "B",
                    "M",
                    "alpha",
                    "beta",
                    "milestone",
                    "rc",
                    "cr",
                    "snapshot",
                    "SNAPSHOT",
                    "ga",
                    "final",
                    "Final",
                    "release",
                    "sp",
                    "jre",
                    "\u{0661}",
                    "\u{00E9}",
                    "\u{00C9}",
                    "1234567890",
                    "0000000000",
                ];
                let len = 1 + pick(&["0", "1", "2", "3", "4", "5", "6", "7"])
                    .parse::<usize>()
                    .unwrap_or(0);
                for _ in 0..len {
                    v.push_str(&pick(PIECES));
                }
            }
            Ecosystem::PyPI => {
                v.push_str(&pick(&["", "", "", "1!", "0!", "v"]));
                v.push_str(&pick(&["0", "1", "2", "10", "01"]));
                for _ in 0..pick(&["0", "1", "2", "3"]).parse::<usize>().unwrap_or(0) {
                    v.push('.');
                    v.push_str(&pick(&["0", "1", "2", "10", "01"]));
                }
                for part in [
                    &[
                        "", "", "a", "b", "rc", "c", "alpha", "beta", "pre", "preview",
                    ][..],
                    &["", "", "", "post", "rev", "r"][..],
                    &["", "", "", "dev"][..],
                ] {
                    let label = pick(part);
                    if !label.is_empty() {
                        v.push_str(&pick(&["", ".", "-", "_"]));
                        v.push_str(&label);
                        v.push_str(&pick(&["", "0", "1", "2", "10"]));
                    }
                }
                if pick(&["", "", "+"]) == "+" {
                    v.push('+');
                    v.push_str(&pick(&[
                        "abc", "1", "01", "ABC", "cu118", "a.1", "1.a", "a-b_c",
                    ]));
                }
            }
            Ecosystem::Go => {
                v.push_str(&pick(&["v", "v", ""]));
                let number = ["0", "1", "2", "10", "01", "9999999999999999999999"];
                v.push_str(&pick(&number));
                for _ in 0..pick(&["2", "2", "1", "0", "3"])
                    .parse::<usize>()
                    .unwrap_or(0)
                {
                    v.push('.');
                    v.push_str(&pick(&number));
                }
                const IDS: &[&str] = &["0", "1", "10", "01", "rc", "a1", "-", "x-y", "RC", ""];
                for sep in ["-", "+"] {
                    if pick(&["", sep]) == sep {
                        v.push_str(sep);
                        let n = 1 + pick(&["0", "1", "2"]).parse::<usize>().unwrap_or(0);
                        let ids: Vec<String> = (0..n).map(|_| pick(IDS)).collect();
                        v.push_str(&ids.join("."));
                    }
                }
            }
            Ecosystem::RubyGems => {
                v.push_str(&pick(&[
                    "0",
                    "1",
                    "2",
                    "10",
                    "01",
                    "99999999999999999999999",
                    "",
                ]));
                const PIECES: &[&str] = &[
                    ".", ".", "-", "0", "1", "00", "a", "b", "rc", "pre", "A", "Z", "z", "-",
                ];
                let len = pick(&["0", "1", "2", "3", "4", "5"])
                    .parse::<usize>()
                    .unwrap_or(0);
                for _ in 0..len {
                    v.push_str(&pick(PIECES));
                }
            }
            Ecosystem::NuGet => {}
            Ecosystem::Npm | Ecosystem::CratesIo => {
                let number = ["0", "1", "2", "10", "01"];
                v = format!("{}.{}.{}", pick(&number), pick(&number), pick(&number));
                const IDS: &[&str] = &[
                    "0", "1", "2", "10", "01", "alpha", "beta", "rc", "a1", "1a", "-", "x-y", "RC",
                    "Alpha",
                ];
                for sep in ["-", "+"] {
                    if pick(&["", sep]) == sep {
                        v.push_str(sep);
                        let n = 1 + pick(&["0", "1", "2"]).parse::<usize>().unwrap_or(0);
                        let ids: Vec<String> = (0..n).map(|_| pick(IDS)).collect();
                        v.push_str(&ids.join("."));
                    }
                }
            }
        }
        out.insert(v);
    }
    out
}

/// Hand-written edge cases per ecosystem.
fn synthetic(eco: Ecosystem) -> &'static [&'static str] {
    match eco {
        Ecosystem::Maven => MAVEN_SYNTHETIC,
        Ecosystem::PyPI => PEP440_SYNTHETIC,
        Ecosystem::Npm | Ecosystem::CratesIo => SEMVER_SYNTHETIC,
        Ecosystem::Go => GO_SYNTHETIC,
        Ecosystem::RubyGems => GEM_SYNTHETIC,
        Ecosystem::NuGet => &[],
    }
}

#[rustfmt::skip]
const GO_SYNTHETIC: &[&str] = &[
    "v0", "v1", "v1.2", "v1.2.3", "1.2.3", "v1.2.3-pre", "v1.2.3-pre+meta", "v1.2.3+meta",
    "v1.2.3+incompatible", "3.2.0+incompatible", "v3.2.0", "v0.0.0-20220906165146-f3363e06e74c",
    "v0.0.0-20230101000000-abcdef123456", "v1.2.4-0.20240101000000-abcdef123456", "v1.2.4",
    "v1.2.3-0.20240101000000-abcdef123456", "v2.0.0-rc.1", "v2.0.0-rc.10", "v2.0.0-rc.2",
    "v2.0.0-RC.1", "v2.0.0-alpha", "v2.0.0-alpha.1", "v2.0.0-alpha.beta", "v2.0.0-1", "v2.0.0-01",
    "v01.0.0", "v1.02.0", "v1.0.0.0", "v1.0-pre", "v1.0+meta", "vv1.0.0", "v", "", "latest",
    "v1.0.0-", "v1.0.0+", "v1.0.0-a..b", "v1.0.0-a_b", "v1.0.0+a_b", "v99999999999999999999.0.0",
    "v1.0.0-99999999999999999999", "1.19.8", "1.21.0-0", "1.21.0-rc.2", "0",
];

#[rustfmt::skip]
const GEM_SYNTHETIC: &[&str] = &[
    "0", "1", "1.0", "1.0.0", "01", "1.01", "1.1", "1.10", "1.9", "1.0.a", "1.0.b", "1.0.A",
    "1.0.rc1", "1.0.rc10", "1.0.rc9", "1.0.0.rc1", "1.0.0-rc1", "1.0.0.pre.rc1", "1.0.0.pre",
    "1.0-rc-1", "2.0.0-alpha", "2.0.0.alpha", "1.a.0", "1.a", "1.0.0.1", "5.2.8", "5.2.8.1",
    "5.3", "5.3.0.rc1", "5.3.0", "2.2.22", "2.2.3", "3.2.5", "0.21.0", "1a", "a", "1..0", "1.0.",
    ".1", "1.0-", "1.0-rc..1", "1_0", "v1.0", "1 0", "", "1.0.0.0.0.0.0.1",
    "99999999999999999999999", "1.0.0.a1b2", "1.0.0-a-b", "1.0.0.z", "1.0.0.Z",
];

#[rustfmt::skip]
const MAVEN_SYNTHETIC: &[&str] = &[
    "1", "1.0", "1.0.0", "1.0.0.0", "1-0", "1.0-0", "1-0.0", "1-", "1.", "1..", "-1", ".1", "..1",
    "1..2", "1.-2", "1-.2", "1--2", "1-0.1", "1-0.0.1", "1-0-1", "1.0-1", "1-1", "1.1", "1.1.1",
    "1-alpha", "1-alpha1", "1-alpha-1", "1.alpha1", "1alpha1", "1a1", "1-a1", "1.a1", "1a", "1-a",
    "1-a-1", "1-beta", "1b1", "1-b2", "1-milestone", "1m1", "1-m-1", "1-rc", "1-rc1", "1.rc1",
    "1.0.0.RC1", "1.0.0-RC1", "1-cr", "1-CR1", "1-cr-1", "1-snapshot", "1-SNAPSHOT",
    "1.0-SNAPSHOT", "1-0-SNAPSHOT", "1-ga", "1-GA", "1.ga", "1-final", "1.Final", "1.0.Final",
    "1-release", "1.RELEASE", "1.0.0.RELEASE", "1-sp", "1-sp1", "1.sp", "1-SP2", "1-abc", "1-abc1",
    "1.abc", "1-xyz", "1-X2", "1.X2", "1.0.X2", "1.0-X3", "1-jre", "1.0-jre", "31.1-jre",
    "31.1-android", "32.0.0-jre", "1-redhat-00001", "2.13.4", "2.13.4-redhat-00001",
    "2.13.4.redhat-00001", "2.13.4.1", "2.13.5", "4.3.2.Final", "4.3.2", "4.1.48.Final",
    "4.1.68.Final", "5.3.20.RELEASE", "5.3.21", "1-0.sp", "1-0.alpha", "1.0-ga-1", "1-ga.1",
    "1-final-final", "1-sp-sp", "1-alpha-alpha", "1.0.0-alpha.beta", "1-alpha.1", "1-alpha.0",
    "1-alpha-0", "1-1-alpha", "1-1.alpha", "999999999", "1000000000", "999999999999999999",
    "1000000000000000000", "99999999999999999999", "100000000000000000000", "1.999999999",
    "1.1000000000", "1.0000000000", "1.0000000000.1", "1.00000000000000000000",
    "1.00000000000000000000.1", "1.000000001", "1.0000000001", "1.0123", "1.123", "1.01", "0",
    "0.0", "00", "0-0", "1.\u{0661}\u{0662}", "1.12", "1.\u{0660}\u{0662}", "1.2",
    "1.\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}1", "1.\u{FF11}",
    "1-\u{00E9}t\u{00E9}", "1-\u{00C9}T\u{00C9}", "1-\u{00DF}", "1-\u{0130}", "1-\u{1F600}",
    "1-\u{FFFD}", "1-\u{E000}", "1-\u{10000}", "1-\u{03A3}", "1-\u{0391}\u{03A3}",
    "1-\u{0391}\u{03A3}.\u{0392}", "1-\u{0391}\u{03A3}1", "a", "b", "alpha", "sp", "release",
    "1_0", "1+0", "1.0+build", "1.0-1+1", "1 0", "v1", "v1.0", "r1", "1.0.0-M1", "1.0.0.M1",
    "1.0.0-m1", "2.1.0-M2", "1.0.0-beta-2", "1.0.0.beta2", "1.0b", "1.0.b", "1.0-b", "1.0c1",
    "1-ALPHA-\u{00E9}1", "1.0.RELEASE-\u{00E9}", "1-FINAL-\u{00E4}", "1-\u{023A}1", "1-\u{01C4}",
    "1.\u{0130}1", "1-SP\u{00DF}2",
    // The entries of tests/version_ordering.rs not listed above.
    "1-0.1.0", "1-1.0", "1-1.1", "1-2", "1-ABC", "1-CR", "1-M1", "1-RC-1", "1-SP", "1-a2",
    "1-alpha-2", "1-b1", "1-beta-1", "1-cr1", "1-milestone-1", "1-rc2", "1-sp-1", "1..1",
    "1.0-ALPHA", "1.0-Beta", "1.0-milestone", "1.0.0-alpha1", "1.0.0-cr-1", "1.0.0-snapshot",
    "1.0.0.Final", "1.0.0.GA", "1.0.1", "1.0.1-SNAPSHOT", "1.0.1.0", "1.010",
    "1.099999999999999999999", "1.1.0", "1.10", "1.1000000000000000000", "1.100000000000000000000",
    "1.9", "1.999999999999999999", "1.99999999999999999998", "1.99999999999999999999", "1.RC",
    "1.alpha", "1.sp1", "2", "2.13.4-redhat-00002", "2.13.4.Final", "2.13.4.redhat-1",
    "2.13.4.redhat1", "31.1", "32.0.0-android", "4.1.100.Final", "4.1.48", "5.3.20",
    "5.3.21-SNAPSHOT", "5.3.21.RELEASE",
];

#[rustfmt::skip]
const PEP440_SYNTHETIC: &[&str] = &[
    "0", "0.0", "1", "1.0", "1.0.0", "1.0.0.0", "1.0.1", "1.1", "1.10", "1.9", "01", "1.01",
    "2022.12.7", "2022.12.07", "2022.12.70", "22.10.0rc1", "22.10.0", "1!1.0", "1!0.1", "0!1.0",
    "2!0", "1.0.dev0", "1.0.dev1", "1.0.dev", "1.0-dev1", "1.0_dev_1", "1.0a1", "1.0a1.dev1",
    "1.0a1.post1", "1.0a1.post1.dev1", "1.0a", "1.0alpha1", "1.0-alpha-1", "1.0.a.1", "1.0A1",
    "1.0b1", "1.0beta1", "1.0b2", "1.0rc1", "1.0c1", "1.0pre1", "1.0preview1", "1.0-RC1",
    "1.0.RC.1", "1.0RC1", "1.0rc1.dev1", "1.0rc1.post1", "1.0.post1", "1.0.post1.dev1", "1.0post1",
    "1.0-1", "1.0-post1", "1.0.post", "1.0.rev1", "1.0r1", "1.0.post0", "1.0.post2", "1.0+local",
    "1.0+abc", "1.0+ABC", "1.0+abc.5", "1.0+abc.10", "1.0+abc.0", "1.0+5", "1.0+05", "1.0+a-b_c",
    "1.0+a.b.c", "1.0+1.a", "1.0+a.1", "1.0.0+abc", "2.0.1+cu118", "2.0.1", "2.0.1+cpu",
    "2.0.1+cu117", "1.0.post1+local", "1.0.dev1+local", "v1.0", "V1.0", " 1.0 ", "\u{2003}1.0",
    "1.0.0.0.0.0.1", "20230101", "1.99999999999999999", "18446744073709551615",
    "18446744073709551616", "1.0.post18446744073709551616", "1!", "foo", "1.0-foo", "1..0", "1.0.",
    ".1", "1.0+", "1.0+-a", "1.0+a..b", "1.0a1b1", "1.0-", "1.0.dev1.dev2", "1.0.post1.post2",
    "1.0-r", "1.0ab", "1,0", "1.0 1", "1.*", "1.0.x", "0.1-alpha", "1.0.0-SNAPSHOT", "1.0-final",
    "1.0.final",
    // The entries of tests/version_ordering.rs not listed above.
    "1!0.1.0", "1.0-a1", "1.0-b1", "1.0-dev0", "1.0-rc-1", "1.0.0a1", "1.0.1.dev1", "1.0.DEV1",
    "1.0.rc.1", "1.0_dev", "1.0_post_1", "1.0a1-1", "1.0a2", "1.10.1", "1.11", "2", "2.0.2",
    "2022.12.007", "2023.5.7", "22.10",
];

#[rustfmt::skip]
const SEMVER_SYNTHETIC: &[&str] = &[
    "0.0.0", "0.0.1", "0.1.0", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0", "1.10.0", "1.2.3",
    "v1.2.3", "=1.2.3", "=v1.2.3", "vv1.2.3", "V1.2.3", " 1.2.3 ", "1.0.0-alpha", "1.0.0-alpha.1",
    "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
    "1.0.0-rc.1.1", "1.0.0-rc1", "1.0.0-RC1", "1.0.0-0", "1.0.0-1", "1.0.0-10", "1.0.0-2",
    "1.0.0-a", "1.0.0-A", "1.0.0-0a", "1.0.0-a0", "1.0.0--", "1.0.0-x-y-z.--", "1.0.0-alpha-1",
    "1.0.0-alpha+001", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85",
    "1.0.0+21AF26D3----117B344092BD", "1.0.0+build.1", "1.0.0+build.2", "1.4.4-lts.1",
    "1.4.4-lts.2", "1.4.4", "2.0.1-0", "99.999.99999", "99.999.9999", "9007199254740991.0.0",
    "9007199254740992.0.0", "1.0.0-9007199254740991", "1.0.0-9007199254740992",
    "1.0.0-9007199254740993", "18446744073709551615.0.0", "18446744073709551616.0.0",
    "1.0.0-18446744073709551616", "1", "1.0", "1.0.0.0", "01.0.0", "1.01.0", "1.0.01", "1.0.0-01",
    "1.0.0-alpha..1", "1.0.0-", "1.0.0+", "1.0.0+a..b", "1.0.0-a_b", "1.0.0+a_b", "1.2.x", "*",
    "latest", "", "1.0.0-\u{00E9}", "1.0.0-beta.01", "1.0.0-beta.0", "1.0.0-beta.00a",
    // The entries of tests/version_ordering.rs not listed above.
    "1.0.0-alpha+exp.sha.5114f85", "1.0.0-alpha.1.0", "1.0.1-0", "2.0.0-rc.1", "v1.4.4-lts.1",
    "v2.0.0",
];
