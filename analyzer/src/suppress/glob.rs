//! The `path` selector's patterns: `*` matches within one path segment, `?`
//! one character of a segment, and `**` as a whole segment (`**/x`, `x/**`,
//! `x/**/y`) any number of segments, none included. Every other character is
//! literal (`[`, `]`, `{`, `}` and `\` included), as rules have always read.
//!
//! Matching is `globset`'s: patterns compile to a regular expression, so a
//! match takes time linear in the path whatever the number of stars (a
//! backtracking matcher is exponential on patterns like `*a*a*a…`).

use globset::{GlobBuilder, GlobMatcher};

/// A path pattern of a suppression rule.
#[derive(Clone, Debug)]
pub struct Glob {
    pattern: String,
    matcher: GlobMatcher,
}

impl Glob {
    /// Compiles `pattern` (blanks and leading `/` ignored: paths are relative).
    pub fn new(pattern: &str) -> Result<Glob, String> {
        let pattern = pattern.trim().trim_start_matches('/').to_string();
        let glob = GlobBuilder::new(&escape_unsupported(&pattern))
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("`{pattern}` is not a usable path pattern: {e}"))?;
        Ok(Glob {
            matcher: glob.compile_matcher(),
            pattern,
        })
    }

    /// True when the whole of `path` (leading `/` ignored) matches.
    pub fn matches(&self, path: &str) -> bool {
        self.matcher.is_match(path.trim_start_matches('/'))
    }

    /// The pattern as written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

impl PartialEq for Glob {
    fn eq(&self, other: &Glob) -> bool {
        self.pattern == other.pattern
    }
}

impl Eq for Glob {}

/// Escapes the glob syntax that rules do not define (classes, alternates,
/// escapes), so that it matches literally.
fn escape_unsupported(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if matches!(c, '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str) -> Glob {
        Glob::new(pattern).unwrap()
    }

    #[test]
    fn globs() {
        let g = glob("scripts/vendor/**");
        assert!(g.matches("scripts/vendor/PyJWT-1.7.1.dist-info/METADATA"));
        assert!(!g.matches("scripts/requirements.txt"));
        let g = glob("**/node_modules/*/package.json");
        assert!(g.matches("node_modules/ms/package.json"));
        assert!(g.matches("nodejs/node_modules/ms/package.json"));
        assert!(!g.matches("node_modules/debug/node_modules/ms/x/package.json"));
        let g = glob("*.zip!/**");
        assert!(g.matches("nested-zip.zip!/artifacts/a.zip!/rsa-4.0.dist-info/METADATA"));
        assert!(glob("a?c").matches("abc"));
        assert!(!glob("a?c").matches("a/c"));
    }

    #[test]
    fn double_star_segments_match_zero_or_more_directories() {
        let g = glob("a/**/b");
        assert!(g.matches("a/b"));
        assert!(g.matches("a/x/y/b"));
        assert!(!g.matches("a/xb"));
        let g = glob("node_modules/axios/**");
        assert!(g.matches("node_modules/axios/"));
        assert!(g.matches("node_modules/axios/lib/core.js"));
        assert!(!g.matches("node_modules/axios-retry/index.js"));
        assert!(glob("**").matches("any/depth/at/all"));
        assert!(glob("/opt/python/**").matches("/opt/python/x.py"));
        assert!(!glob("*.json").matches("a/b.json"));
    }

    #[test]
    fn other_glob_syntax_is_literal() {
        assert!(glob("lib/[id]/x.js").matches("lib/[id]/x.js"));
        assert!(!glob("lib/[id]/x.js").matches("lib/i/x.js"));
        assert!(glob("{a,b}.txt").matches("{a,b}.txt"));
        assert!(!glob("{a,b}.txt").matches("a.txt"));
        assert!(glob(r"dir\name").matches(r"dir\name"));
        assert_eq!(glob(" /x/** ").as_str(), "x/**");
    }

    /// Thirty stars against a 10 kB path: a backtracking matcher would not
    /// finish; a compiled one answers both ways (correctness only, no clock).
    #[test]
    fn many_stars_against_a_long_path() {
        let stars = "*a".repeat(30);
        let long = "a".repeat(10_000);
        assert!(!glob(&format!("{stars}b")).matches(&long));
        assert!(glob(&format!("{stars}b")).matches(&format!("{long}b")));
        assert!(glob(&stars).matches(&long));
        let deep = "a/".repeat(5_000);
        let across = "**/a/".repeat(30);
        assert!(!glob(&format!("{across}b")).matches(&format!("{deep}c")));
        assert!(glob(&format!("{across}b")).matches(&format!("{deep}b")));
        let segment = "*".repeat(30);
        assert!(!glob(&format!("{segment}/x")).matches(&format!("{long}/y")));
        assert!(glob(&format!("{segment}/x")).matches(&format!("{long}/x")));
    }
}
