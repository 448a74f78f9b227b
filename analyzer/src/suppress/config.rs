//! Reading `lambda-audit.toml`: TOML into [`Rule`]s, every mistake a
//! [`ConfigError`] that names the line.

use super::glob::Glob;
use super::rule::Rule;
use super::version_range::VersionRange;
use crate::date::Date;
use crate::ecosystem::Ecosystem;
use crate::purl;
use serde::Deserialize;
use std::fmt;
use std::path::Path;

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

/// The suppression rules of a configuration file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Where the rules came from (for messages).
    pub source: String,
    pub rules: Vec<Rule>,
    /// `max-db-age = DAYS`: warn when the advisory database's newest record
    /// is older (as `--max-db-age`, which wins over it).
    pub max_db_age: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    ignore: Vec<toml::Spanned<RawRule>>,
    #[serde(default, rename = "max-db-age")]
    max_db_age: Option<u32>,
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
        let rules = raw
            .ignore
            .into_iter()
            .map(|spanned| {
                let line = line_of(text, spanned.span().start);
                rule(line, spanned.into_inner()).map_err(|message| err(Some(line), message))
            })
            .collect::<Result<_, _>>()?;
        Ok(Config {
            source: source.to_string(),
            rules,
            max_db_age: raw.max_db_age,
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

/// Checks one raw `[[ignore]]` table (at `line`) and builds its rule.
fn rule(line: usize, raw: RawRule) -> Result<Rule, String> {
    let reason = raw.reason.unwrap_or_default().trim().to_string();
    if reason.is_empty() {
        return Err("this [[ignore]] rule has no `reason`: every suppression must say why".into());
    }
    if raw.id.is_none() && raw.package.is_none() && raw.purl.is_none() && raw.path.is_none() {
        return Err(
            "this [[ignore]] rule selects nothing: give `id`, `package`, `purl` or `path`".into(),
        );
    }
    if raw.version.is_some() && raw.package.is_none() {
        return Err("`version` needs `package`".into());
    }
    let ecosystem = raw
        .ecosystem
        .as_deref()
        .map(|e| {
            Ecosystem::from_osv(e).ok_or_else(|| {
                format!("unknown ecosystem `{e}` (expected npm, PyPI, crates.io or Maven)")
            })
        })
        .transpose()?;
    let version = raw
        .version
        .as_deref()
        .map(VersionRange::parse)
        .transpose()?;
    let purl = raw
        .purl
        .as_deref()
        .map(purl::parse)
        .transpose()
        .map_err(|e| e.to_string())?;
    let path = raw.path.as_deref().map(Glob::new).transpose()?;
    let until = raw.until.map(until).transpose()?;
    Ok(Rule {
        line,
        id: raw.id.map(|s| s.trim().to_string()),
        package: raw.package.map(|s| s.trim().to_string()),
        ecosystem,
        version,
        purl,
        path,
        reason,
        until,
    })
}

/// Reads `until`: a TOML date (`2026-12-31`) or a string holding one.
fn until(value: toml::Value) -> Result<Date, String> {
    match value {
        toml::Value::Datetime(dt) => match dt.date {
            Some(d) if dt.time.is_none() => Date::new(i32::from(d.year), d.month, d.day)
                .ok_or_else(|| format!("`until = {dt}` is not a date")),
            _ => Err(format!("`until = {dt}` must be a date (YYYY-MM-DD)")),
        },
        toml::Value::String(s) => s.parse(),
        other => Err(format!("`until = {other}` must be a date (YYYY-MM-DD)")),
    }
}
