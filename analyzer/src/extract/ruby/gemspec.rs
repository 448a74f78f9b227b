//! Installed gem specifications: `<gem home>/specifications/<name>-<version>.gemspec`,
//! the Ruby file RubyGems writes for every installed gem
//! (`Gem::Specification#to_ruby`), with `s.name = "jwt".freeze`,
//! `s.version = "2.5.0"` and, for platform gems, `s.platform = "..."`. A gem
//! home is Bundler's `vendor/bundle/ruby/<abi>/` or a layer's `ruby/gems/<abi>/`.

use crate::ecosystem::Ecosystem;
use crate::extract::ExtractError;
use crate::package::{EvidenceKind, Found};

/// True for `.../specifications/X.gemspec` (and `specifications/default/`).
pub fn is_installed_gemspec(path: &str) -> bool {
    path.ends_with(".gemspec") && gem_home(path).is_some()
}

/// The gem home a specification belongs to: `vendor/bundle/ruby/3.1.0` for
/// `vendor/bundle/ruby/3.1.0/specifications/jwt-2.5.0.gemspec`.
pub fn gem_home(path: &str) -> Option<&str> {
    let (dir, _) = path.rsplit_once('/')?;
    let dir = dir.strip_suffix("/default").unwrap_or(dir);
    if dir == "specifications" {
        return Some("");
    }
    dir.strip_suffix("/specifications")
}

/// The installed gem the specification at `path` describes.
pub fn parse(path: &str, text: &str) -> Result<Found, ExtractError> {
    let field = |key: &str| {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix(key))
            .find_map(|rest| quoted(rest.trim_start().strip_prefix('=')?))
    };
    let name = field("s.name").ok_or_else(|| ExtractError::new("no `s.name = \"...\"` line"))?;
    let version =
        field("s.version").ok_or_else(|| ExtractError::new("no `s.version = \"...\"` line"))?;
    let platform = field("s.platform").filter(|p| p != "ruby");
    let home = gem_home(path).unwrap_or_default();
    let dir_name = match &platform {
        Some(platform) => format!("{name}-{version}-{platform}"),
        None => format!("{name}-{version}"),
    };
    let install = if home.is_empty() {
        format!("gems/{dir_name}")
    } else {
        format!("{home}/gems/{dir_name}")
    };
    let found = Found::new(
        Ecosystem::RubyGems,
        name,
        version,
        path,
        EvidenceKind::Installed,
    )
    .installed_at(install);
    Ok(match platform {
        Some(platform) => found.note(format!("platform {platform}")),
        None => found,
    })
}

/// The first double-quoted string of `text` (`"jwt".freeze` gives `jwt`);
/// RubyGems writes names and versions without escapes.
fn quoted(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix('"')?;
    let (value, _) = rest.split_once('"')?;
    (!value.is_empty()).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "# -*- encoding: utf-8 -*-\n# stub: nokogiri 1.15.4 x86_64-linux lib\n\n\
        Gem::Specification.new do |s|\n  s.name = \"nokogiri\".freeze\n  s.version = \"1.15.4\"\n  \
        s.platform = \"x86_64-linux\".freeze\n  s.summary = \"s.version = \\\"9\\\"\"\nend\n";

    #[test]
    fn reads_name_version_platform() {
        let path = "vendor/bundle/ruby/3.2.0/specifications/nokogiri-1.15.4-x86_64-linux.gemspec";
        let found = parse(path, SPEC).unwrap();
        assert_eq!(
            (found.name.as_str(), found.version.as_str()),
            ("nokogiri", "1.15.4")
        );
        assert_eq!(
            found.install_path.as_deref(),
            Some("vendor/bundle/ruby/3.2.0/gems/nokogiri-1.15.4-x86_64-linux")
        );
        assert_eq!(found.note.as_deref(), Some("platform x86_64-linux"));
        assert!(parse(path, "Gem::Specification.new do |s|\nend\n").is_err());
    }

    #[test]
    fn gem_homes() {
        assert_eq!(
            gem_home("ruby/gems/3.2.0/specifications/rack-2.2.22.gemspec"),
            Some("ruby/gems/3.2.0")
        );
        assert_eq!(
            gem_home("ruby/gems/3.2.0/specifications/default/json-2.6.gemspec"),
            Some("ruby/gems/3.2.0")
        );
        assert_eq!(gem_home("specifications/x-1.gemspec"), Some(""));
        assert!(!is_installed_gemspec(
            "vendor/bundle/ruby/3.1.0/gems/jwt-2.5.0/jwt.gemspec"
        ));
        assert!(!is_installed_gemspec("my.gemspec"));
    }
}
