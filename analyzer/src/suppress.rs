//! Suppressions: the team's `lambda-audit.toml`, whose `[[ignore]]` rules mark
//! findings as suppressed (never delete them).
//!
//! ```toml
//! [[ignore]]
//! id = "CVE-2020-8203"                # the finding's id or any alias
//! reason = "not reachable: we never call zipObjectDeep"
//! until = 2026-12-31                  # optional; after it the rule stops applying
//!
//! [[ignore]]
//! package = "lodash"                  # a package name (with `ecosystem`, optional)
//! version = ">=4.17.0, <4.17.21"      # optional range, in the ecosystem's version rules
//! reason = "..."
//!
//! [[ignore]]
//! purl = "pkg:npm/minimist@1.2.0"     # a package by purl (the version is optional)
//! reason = "..."
//!
//! [[ignore]]
//! path = "scripts/vendor/**"          # every location of the finding must match
//! reason = "..."
//! ```
//!
//! A rule may combine selectors; all of them must match. Every rule needs a
//! non-empty `reason`. Unknown keys, bad TOML, a rule without a reason or a
//! selector are configuration errors that name the line.

use crate::diagnostics::Warning;
use crate::ecosystem::Ecosystem;
use crate::findings::{Finding, ScanReport, Status};
use crate::package::Location;
use crate::purl;
use crate::version::Version;
use serde::Deserialize;
use std::cmp::Ordering;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The file name looked for in the current directory.
pub const CONFIG_FILE: &str = "lambda-audit.toml";

/// A configuration that cannot be used, with the line it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file (or name) the configuration came from.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A calendar date (UTC), as `until` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Today's date in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Date::from_unix_days((secs / 86_400) as i64)
    }

    /// The date `days` days after 1970-01-01 (the civil-from-days algorithm).
    pub fn from_unix_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Date, String> {
        let bad = || format!("`{s}` is not a date (YYYY-MM-DD)");
        let mut parts = s.trim().splitn(3, '-');
        let mut next = || parts.next().ok_or_else(bad);
        let (y, m, d) = (next()?, next()?, next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let year = y.parse().map_err(|_| bad())?;
        let month = m.parse().map_err(|_| bad())?;
        let day = d.parse().map_err(|_| bad())?;
        Date::new(year, month, day).ok_or_else(bad)
    }
}

/// A comparison operator of a version range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A version range: comparators joined by commas, all of which must hold
/// (`>=1.0, <2.0`; a bare version means `=`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRange {
    comparators: Vec<(Op, String)>,
}

impl VersionRange {
    /// Parses the range syntax (versions are parsed later, per ecosystem).
    pub fn parse(text: &str) -> Result<VersionRange, String> {
        let mut comparators = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            let (op, rest) = [
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("==", Op::Eq),
                ("!=", Op::Ne),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .into_iter()
            .find_map(|(p, op)| part.strip_prefix(p).map(|r| (op, r)))
            .unwrap_or((Op::Eq, part));
            let version = rest.trim();
            if version.is_empty() || version.contains(char::is_whitespace) {
                return Err(format!(
                    "`{text}` is not a version range (e.g. \">=1.0, <2.0\")"
                ));
            }
            comparators.push((op, version.to_string()));
        }
        Ok(VersionRange { comparators })
    }

    /// True when `version` satisfies every comparator under `ecosystem`'s
    /// rules; false when a version does not parse.
    pub fn contains(&self, ecosystem: Ecosystem, version: &str) -> bool {
        let Ok(v) = Version::parse(ecosystem, version) else {
            return false;
        };
        self.comparators.iter().all(|(op, bound)| {
            let Ok(b) = Version::parse(ecosystem, bound) else {
                return false;
            };
            match v.partial_cmp(&b) {
                Some(o) => match op {
                    Op::Eq => o == Ordering::Equal,
                    Op::Ne => o != Ordering::Equal,
                    Op::Lt => o == Ordering::Less,
                    Op::Le => o != Ordering::Greater,
                    Op::Gt => o == Ordering::Greater,
                    Op::Ge => o != Ordering::Less,
                },
                None => false,
            }
        })
    }
}

/// A path pattern: `*` matches within one path segment, `**` across
/// segments, `?` one character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob(String);

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        Glob(pattern.trim().trim_start_matches('/').to_string())
    }

    /// True when the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        glob_match(self.0.as_bytes(), text.trim_start_matches('/').as_bytes())
    }
}

fn glob_match(p: &[u8], t: &[u8]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some((b'*', rest)) if rest.first() == Some(&b'*') => {
            let after = &rest[1..];
            // `**/` also matches no directory at all; `**` matches anything.
            (after.first() == Some(&b'/') && glob_match(&after[1..], t))
                || (0..=t.len()).any(|i| glob_match(after, &t[i..]))
        }
        Some((b'*', rest)) => {
            for i in 0..=t.len() {
                if glob_match(rest, &t[i..]) {
                    return true;
                }
                if t.get(i) == Some(&b'/') {
                    break;
                }
            }
            false
        }
        Some((b'?', rest)) => {
            matches!(t.first(), Some(c) if *c != b'/') && glob_match(rest, &t[1..])
        }
        Some((c, rest)) => t.first() == Some(c) && glob_match(rest, &t[1..]),
    }
}

/// One `[[ignore]]` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The rule's line in the configuration (1-based).
    pub line: usize,
    /// A vulnerability id, compared case-insensitively with the id and aliases.
    pub id: Option<String>,
    /// A package name (normalised per ecosystem when comparing).
    pub package: Option<String>,
    pub ecosystem: Option<Ecosystem>,
    pub version: Option<VersionRange>,
    /// A purl: its ecosystem and name, and its version when it has one.
    pub purl: Option<purl::ParsedPurl>,
    pub path: Option<Glob>,
    pub reason: String,
    /// Last day the rule applies.
    pub until: Option<Date>,
}

impl Rule {
    /// True while the rule applies on `today`.
    pub fn active(&self, today: Date) -> bool {
        self.until.is_none_or(|until| today <= until)
    }

    /// True when every selector of the rule matches `finding`.
    pub fn matches(&self, finding: &Finding) -> bool {
        let pkg = &finding.package;
        if let Some(id) = &self.id {
            let hit = std::iter::once(&finding.id)
                .chain(&finding.aliases)
                .any(|x| x.eq_ignore_ascii_case(id));
            if !hit {
                return false;
            }
        }
        if let Some(eco) = self.ecosystem {
            if eco != pkg.ecosystem {
                return false;
            }
        }
        if let Some(name) = &self.package {
            if pkg.ecosystem.normalize_name(name) != pkg.ecosystem.normalize_name(&pkg.name) {
                return false;
            }
        }
        if let Some(range) = &self.version {
            if !range.contains(pkg.ecosystem, &pkg.version) {
                return false;
            }
        }
        if let Some(p) = &self.purl {
            let same_name = p.ecosystem == pkg.ecosystem
                && pkg.ecosystem.normalize_name(&p.name) == pkg.ecosystem.normalize_name(&pkg.name);
            let same_version = p.version.as_deref().is_none_or(|v| {
                crate::version::equivalence_key(pkg.ecosystem, v)
                    == crate::version::equivalence_key(pkg.ecosystem, &pkg.version)
            });
            if !(same_name && same_version) {
                return false;
            }
        }
        if let Some(glob) = &self.path {
            if finding.locations.is_empty()
                || !finding.locations.iter().all(|l| path_matches(glob, l))
            {
                return false;
            }
        }
        true
    }
}

/// A location matches when its evidence file, its `artifact!/path`, its path
/// in Lambda, or the folder the package is installed in matches (so
/// `node_modules/axios/**` also covers the lockfile entries describing that
/// folder).
fn path_matches(glob: &Glob, location: &Location) -> bool {
    glob.matches(&location.path)
        || glob.matches(&format!("{}!/{}", location.artifact, location.path))
        || location
            .lambda_path
            .as_deref()
            .is_some_and(|p| glob.matches(p))
        || location
            .install_path
            .as_deref()
            .is_some_and(|dir| glob.matches(dir) || glob.matches(&format!("{dir}/")))
}

/// The suppression rules of a configuration file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Where the rules came from (for messages).
    pub source: String,
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    ignore: Vec<toml::Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Option<String>,
    package: Option<String>,
    ecosystem: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    path: Option<String>,
    reason: Option<String>,
    until: Option<toml::Value>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Config {
    /// Parses a configuration; `source` names it in errors and warnings.
    pub fn parse(source: &str, text: &str) -> Result<Config, ConfigError> {
        let err = |line: Option<usize>, message: String| ConfigError {
            file: source.to_string(),
            line,
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            err(
                e.span().map(|s| line_of(text, s.start)),
                e.message().trim().to_string(),
            )
        })?;
        let mut rules = Vec::with_capacity(raw.ignore.len());
        for spanned in raw.ignore {
            let line = line_of(text, spanned.span().start);
            let raw = spanned.into_inner();
            let fail = |message: String| err(Some(line), message);
            let reason = raw.reason.unwrap_or_default().trim().to_string();
            if reason.is_empty() {
                return Err(fail(
                    "this [[ignore]] rule has no `reason`: every suppression must say why".into(),
                ));
            }
            if raw.id.is_none() && raw.package.is_none() && raw.purl.is_none() && raw.path.is_none()
            {
                return Err(fail(
                    "this [[ignore]] rule selects nothing: give `id`, `package`, `purl` or `path`"
                        .into(),
                ));
            }
            if raw.version.is_some() && raw.package.is_none() {
                return Err(fail("`version` needs `package`".into()));
            }
            let ecosystem = match raw.ecosystem.as_deref() {
                None => None,
                Some(e) => Some(Ecosystem::from_osv(e).ok_or_else(|| {
                    fail(format!(
                        "unknown ecosystem `{e}` (expected npm, PyPI, crates.io or Maven)"
                    ))
                })?),
            };
            let version = raw
                .version
                .as_deref()
                .map(VersionRange::parse)
                .transpose()
                .map_err(fail)?;
            let purl = raw
                .purl
                .as_deref()
                .map(purl::parse)
                .transpose()
                .map_err(|e| fail(e.to_string()))?;
            let until = match raw.until {
                None => None,
                Some(toml::Value::Datetime(dt)) => match dt.date {
                    Some(d) if dt.time.is_none() => Some(
                        Date::new(i32::from(d.year), d.month, d.day)
                            .ok_or_else(|| fail(format!("`until = {dt}` is not a date")))?,
                    ),
                    _ => return Err(fail(format!("`until = {dt}` must be a date (YYYY-MM-DD)"))),
                },
                Some(toml::Value::String(s)) => Some(s.parse().map_err(fail)?),
                Some(other) => {
                    return Err(fail(format!(
                        "`until = {other}` must be a date (YYYY-MM-DD)"
                    )))
                }
            };
            rules.push(Rule {
                line,
                id: raw.id.map(|s| s.trim().to_string()),
                package: raw.package.map(|s| s.trim().to_string()),
                ecosystem,
                version,
                purl,
                path: raw.path.as_deref().map(Glob::new),
                reason,
                until,
            });
        }
        Ok(Config {
            source: source.to_string(),
            rules,
        })
    }

    /// Reads and parses the configuration at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: name.clone(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&name, &text)
    }

    /// The `lambda-audit.toml` in `dir`, when there is one.
    pub fn discover(dir: &Path) -> Result<Option<Config>, ConfigError> {
        let path = dir.join(CONFIG_FILE);
        if path.is_file() {
            Config::load(&path).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// What applying a configuration did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Findings this call marked suppressed.
    pub suppressed: usize,
    /// Expired rules (also added to the report's warnings).
    pub warnings: Vec<Warning>,
    /// Lines of active rules that matched no finding.
    pub unused_rules: Vec<usize>,
}

/// Marks the open findings an active rule matches as suppressed (with the
/// rule's reason), warns about expired rules, and recounts the summary. The
/// first matching rule (in file order) gives the reason.
pub fn apply_suppressions(report: &mut ScanReport, config: &Config, today: Date) -> Outcome {
    let mut outcome = Outcome::default();
    let mut used = vec![false; config.rules.len()];
    for finding in report
        .findings
        .iter_mut()
        .filter(|f| f.status == Status::Open)
    {
        let hit = config
            .rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.active(today) && r.matches(finding));
        if let Some((i, rule)) = hit {
            used[i] = true;
            finding.status = Status::Suppressed;
            finding.suppressed_reason = Some(rule.reason.clone());
            outcome.suppressed += 1;
        }
    }
    for (i, rule) in config.rules.iter().enumerate() {
        match rule.until {
            Some(until) if !rule.active(today) => {
                let again = report
                    .findings
                    .iter()
                    .filter(|f| f.status == Status::Open && rule.matches(f))
                    .count();
                outcome.warnings.push(Warning {
                    artifact: config.source.clone(),
                    path: format!("line {}", rule.line),
                    message: format!(
                        "suppression expired on {until} (reason was: {}); it no longer applies, {again} finding(s) it matches are reported again",
                        rule.reason
                    ),
                });
            }
            _ if !used[i] => outcome.unused_rules.push(rule.line),
            _ => {}
        }
    }
    report
        .inventory
        .warnings
        .extend(outcome.warnings.iter().cloned());
    report.inventory.warnings.sort();
    report.inventory.warnings.dedup();
    recount(report);
    outcome
}

/// Recomputes `summary.findings`, `suppressed` and `by_severity` from the
/// findings' statuses.
pub fn recount(report: &mut ScanReport) {
    let summary = &mut report.summary;
    summary.findings = 0;
    summary.suppressed = 0;
    summary.by_severity.clear();
    for f in &report.findings {
        match f.status {
            Status::Open => {
                summary.findings += 1;
                *summary
                    .by_severity
                    .entry(crate::report::rating_name(f.severity.rating).to_string())
                    .or_default() += 1;
            }
            Status::Suppressed => summary.suppressed += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            "2026-02-28".parse::<Date>(),
            Ok(Date::new(2026, 2, 28).unwrap())
        );
        assert!("2026-02-29".parse::<Date>().is_err());
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!("26-1-1".parse::<Date>().is_err());
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_454).to_string(), "2026-01-01");
        assert_eq!(Date::from_unix_days(11_016).to_string(), "2000-02-29");
    }

    #[test]
    fn globs() {
        let g = Glob::new("scripts/vendor/**");
        assert!(g.matches("scripts/vendor/PyJWT-1.7.1.dist-info/METADATA"));
        assert!(!g.matches("scripts/requirements.txt"));
        let g = Glob::new("**/node_modules/*/package.json");
        assert!(g.matches("node_modules/ms/package.json"));
        assert!(g.matches("nodejs/node_modules/ms/package.json"));
        assert!(!g.matches("node_modules/debug/node_modules/ms/x/package.json"));
        let g = Glob::new("*.zip!/**");
        assert!(g.matches("nested-zip.zip!/artifacts/a.zip!/rsa-4.0.dist-info/METADATA"));
        assert!(Glob::new("a?c").matches("abc"));
        assert!(!Glob::new("a?c").matches("a/c"));
    }

    #[test]
    fn version_ranges() {
        let r = VersionRange::parse(">=4.17.0, <4.17.21").unwrap();
        assert!(r.contains(Ecosystem::Npm, "4.17.15"));
        assert!(!r.contains(Ecosystem::Npm, "4.17.21"));
        assert!(!r.contains(Ecosystem::Npm, "not-a-version"));
        let exact = VersionRange::parse("2.10").unwrap();
        assert!(exact.contains(Ecosystem::PyPI, "2.10.0"));
        assert!(VersionRange::parse(">= 1.0 2.0").is_err());
        assert!(VersionRange::parse(">=").is_err());
    }
}
