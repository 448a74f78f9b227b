//! Environment variables in requirements files: pip expands `${NAME}` (upper
//! case letters, digits and `_` between braces, nothing else) from its
//! environment before it reads a line. The engine reads no environment: the
//! caller passes the variables in ([`EnvVars`]); a reference to one it did not
//! give leaves the line unresolved, never read as a package.

use std::collections::BTreeMap;

/// The variables `${NAME}` references expand to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvVars(BTreeMap<String, String>);

impl EnvVars {
    /// These variables (typically the CLI's own environment).
    pub fn new(vars: impl IntoIterator<Item = (String, String)>) -> EnvVars {
        EnvVars(vars.into_iter().collect())
    }

    /// `line` with every `${NAME}` replaced, or the names that are not set.
    pub fn expand(&self, line: &str) -> Result<String, Vec<String>> {
        let mut out = String::with_capacity(line.len());
        let mut missing = Vec::new();
        let mut rest = line;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let name_len = after
                .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(after.len());
            if name_len == 0 || !after[name_len..].starts_with('}') {
                // Not a reference pip expands: kept as written.
                out.push_str("${");
                rest = after;
                continue;
            }
            let name = &after[..name_len];
            match self.0.get(name) {
                Some(value) => out.push_str(value),
                None => missing.push(name.to_string()),
            }
            rest = &after[name_len + 1..];
        }
        out.push_str(rest);
        if missing.is_empty() {
            Ok(out)
        } else {
            Err(missing)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_expand_like_pip() {
        let env = EnvVars::new([("DJANGO_VERSION".to_string(), "3.2.1".to_string())]);
        assert_eq!(
            env.expand("django==${DJANGO_VERSION}").as_deref(),
            Ok("django==3.2.1")
        );
        assert_eq!(
            env.expand("x==${MISSING} y${ALSO_MISSING}"),
            Err(vec!["MISSING".to_string(), "ALSO_MISSING".to_string()])
        );
        // pip leaves lower-case and unbraced references alone.
        assert_eq!(env.expand("a==${lower}").as_deref(), Ok("a==${lower}"));
        assert_eq!(env.expand("a==$VERSION").as_deref(), Ok("a==$VERSION"));
        assert_eq!(env.expand("a==${OPEN").as_deref(), Ok("a==${OPEN"));
        assert_eq!(env.expand("plain==1.0").as_deref(), Ok("plain==1.0"));
    }
}
