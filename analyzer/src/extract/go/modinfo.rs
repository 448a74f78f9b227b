//! The module-info text of Go build info, as `runtime/debug.ParseBuildInfo`
//! reads it: tab-separated lines `path`, `mod` (the main module), `dep` (a
//! module the binary was built with: path, version, optional `h1:` sum), `=>`
//! (the module just listed was replaced: by a module path and version, or by
//! a local directory with no version), and `build` settings.

/// One module line: path, version and checksum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    /// Empty for a local-directory replacement.
    pub version: String,
    /// The `h1:` go.sum hash, when the build recorded one (builds through the
    /// module proxy do; vendored builds do not).
    pub sum: Option<String>,
    /// What replaced this module (`=>` line), if anything.
    pub replaced_by: Option<Box<Module>>,
}

/// The parsed module info.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModInfo {
    /// The main package's import path (`path` line).
    pub path: Option<String>,
    /// The main module (`mod` line).
    pub main: Option<Module>,
    pub deps: Vec<Module>,
    /// `build` settings (`-trimpath=true`, `GOOS=linux`, `vcs.revision=...`).
    pub settings: Vec<(String, String)>,
}

/// Parses module-info text; lines it does not know are errors, as in Go.
pub fn parse(text: &str) -> Result<ModInfo, String> {
    let mut info = ModInfo::default();
    // Whether the last module line was `mod` (false: a `dep`), for `=>`.
    let mut last_was_main = false;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        if line.is_empty() {
            continue;
        }
        let (kind, rest) = line
            .split_once('\t')
            .ok_or_else(|| format!("line {line_no}: no tab in `{line}`"))?;
        match kind {
            "path" => info.path = Some(rest.to_string()),
            "mod" => {
                info.main = Some(module(rest, line_no)?);
                last_was_main = true;
            }
            "dep" => {
                info.deps.push(module(rest, line_no)?);
                last_was_main = false;
            }
            "=>" => {
                let replacement = module(rest, line_no)?;
                let target = if last_was_main {
                    info.main.as_mut()
                } else {
                    info.deps.last_mut()
                };
                let target = target
                    .ok_or_else(|| format!("line {line_no}: `=>` with no module before it"))?;
                if target.replaced_by.is_some() {
                    return Err(format!("line {line_no}: module replaced twice"));
                }
                target.replaced_by = Some(Box::new(replacement));
            }
            "build" => {
                let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
                info.settings.push((key.to_string(), value.to_string()));
            }
            other => return Err(format!("line {line_no}: unknown line kind `{other}`")),
        }
    }
    Ok(info)
}

/// `PATH\tVERSION[\tSUM]` (a trailing empty field is common).
fn module(fields: &str, line_no: usize) -> Result<Module, String> {
    let mut parts = fields.split('\t');
    let path = parts.next().unwrap_or_default();
    if path.is_empty() {
        return Err(format!("line {line_no}: module line without a path"));
    }
    let version = parts.next().unwrap_or_default();
    let sum = parts.next().filter(|s| !s.is_empty());
    if parts.any(|extra| !extra.is_empty()) {
        return Err(format!("line {line_no}: too many fields"));
    }
    Ok(Module {
        path: path.to_string(),
        version: version.to_string(),
        sum: sum.map(str::to_string),
        replaced_by: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "path\texample.com/app/cmd/api\n\
        mod\texample.com/app\tv1.2.0\th1:AAAA=\n\
        dep\tgithub.com/a/b\tv1.0.0\th1:BBBB=\n\
        dep\tgithub.com/old/x\tv0.1.0\t\n\
        =>\tgithub.com/fork/x\tv0.1.1\th1:CCCC=\n\
        dep\tgithub.com/local/y\tv1.0.0\n\
        =>\t../y\t\t\n\
        build\t-trimpath=true\n\
        build\tvcs.revision=abc\n";

    #[test]
    fn parses_every_line_kind() {
        let info = parse(TEXT).unwrap();
        assert_eq!(info.path.as_deref(), Some("example.com/app/cmd/api"));
        let main = info.main.unwrap();
        assert_eq!(
            (main.path.as_str(), main.version.as_str()),
            ("example.com/app", "v1.2.0")
        );
        assert_eq!(main.sum.as_deref(), Some("h1:AAAA="));
        assert_eq!(info.deps.len(), 3);
        assert_eq!(info.deps[0].sum.as_deref(), Some("h1:BBBB="));
        assert_eq!(info.deps[1].sum, None);
        let fork = info.deps[1].replaced_by.as_ref().unwrap();
        assert_eq!(
            (fork.path.as_str(), fork.version.as_str()),
            ("github.com/fork/x", "v0.1.1")
        );
        assert_eq!(fork.sum.as_deref(), Some("h1:CCCC="));
        let local = info.deps[2].replaced_by.as_ref().unwrap();
        assert_eq!((local.path.as_str(), local.version.as_str()), ("../y", ""));
        assert_eq!(
            info.settings,
            vec![
                ("-trimpath".to_string(), "true".to_string()),
                ("vcs.revision".to_string(), "abc".to_string())
            ]
        );
    }

    #[test]
    fn malformed_lines_are_errors() {
        assert!(parse("=>\tx\tv1\n").is_err());
        assert!(parse("dep\n").is_err());
        assert!(parse("bogus\tx\n").is_err());
        assert!(parse("dep\ta\tv1\n=>\tb\tv2\n=>\tc\tv3\n").is_err());
        assert!(parse("dep\t\tv1\n").is_err());
    }
}
