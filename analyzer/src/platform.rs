//! The platform a function runs on, and npm's per-package platform fields
//! judged against it. Lambda runs Linux with glibc on x86_64 or arm64
//! ([`Architecture`]); a lockfile entry whose `os` / `cpu` / `libc` exclude that
//! platform (`@img/sharp-darwin-arm64`) is never installed there.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A Lambda instruction set (a function's `Architectures`); x86_64 is
/// Lambda's default. Serialised by its Lambda name (`x86_64`, `arm64`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    #[default]
    X86_64,
    Arm64,
}

impl Architecture {
    /// The name Lambda and the command line use (`x86_64`, `arm64`).
    pub fn name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }

    /// The name npm gives it (`process.arch`: `x64`, `arm64`).
    fn npm_cpu(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x64",
            Architecture::Arm64 => "arm64",
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An architecture name that Lambda does not have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown architecture `{0}` (expected x86_64 or arm64)")]
pub struct UnknownArchitecture(pub String);

impl FromStr for Architecture {
    type Err = UnknownArchitecture;

    fn from_str(s: &str) -> Result<Architecture, UnknownArchitecture> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x86_64" | "x64" | "amd64" => Ok(Architecture::X86_64),
            "arm64" | "aarch64" => Ok(Architecture::Arm64),
            _ => Err(UnknownArchitecture(s.to_string())),
        }
    }
}

/// Lambda's operating system and C library, as npm names them.
const LAMBDA_OS: &str = "linux";
const LAMBDA_LIBC: &str = "glibc";

/// npm's `os`, `cpu` and `libc` fields of one package (empty: any).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PlatformConstraint {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub os: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libc: Vec<String>,
}

impl PlatformConstraint {
    /// True when no field restricts the platform.
    pub fn is_empty(&self) -> bool {
        self.os.is_empty() && self.cpu.is_empty() && self.libc.is_empty()
    }

    /// True when npm would install the package on Lambda with `architecture`
    /// (npm-install-checks' rules: `!x` excludes x; otherwise a list with a
    /// plain entry must name the value; `any` and empty lists allow all).
    pub fn allows(&self, architecture: Architecture) -> bool {
        allows(&self.os, LAMBDA_OS)
            && allows(&self.cpu, architecture.npm_cpu())
            && allows(&self.libc, LAMBDA_LIBC)
    }

    /// `os darwin, cpu arm64`: the fields that restrict it, for notes.
    pub fn describe(&self) -> String {
        [("os", &self.os), ("cpu", &self.cpu), ("libc", &self.libc)]
            .into_iter()
            .filter(|(_, list)| !list.is_empty())
            .map(|(field, list)| format!("{field} {}", list.join("|")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn allows(list: &[String], value: &str) -> bool {
    if list.is_empty() || list.iter().any(|e| e == "any") {
        return true;
    }
    let mut negated = 0;
    let mut named = false;
    for entry in list {
        match entry.strip_prefix('!') {
            Some(excluded) if excluded == value => return false,
            Some(_) => negated += 1,
            None => named |= entry == value,
        }
    }
    named || negated == list.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint(os: &[&str], cpu: &[&str], libc: &[&str]) -> PlatformConstraint {
        let owned = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        PlatformConstraint {
            os: owned(os),
            cpu: owned(cpu),
            libc: owned(libc),
        }
    }

    #[test]
    fn lambda_is_linux_glibc_on_its_architecture() {
        use Architecture::*;
        let cases = [
            (constraint(&["darwin"], &["arm64"], &[]), false, false),
            (constraint(&["linux"], &["x64"], &["glibc"]), true, false),
            (constraint(&["linux"], &["arm64"], &["glibc"]), false, true),
            (constraint(&["linux"], &["x64"], &["musl"]), false, false),
            (constraint(&["!win32"], &[], &[]), true, true),
            (constraint(&["!linux"], &[], &[]), false, false),
            (constraint(&["any"], &["arm64", "x64"], &[]), true, true),
            (PlatformConstraint::default(), true, true),
        ];
        for (c, on_x86, on_arm) in cases {
            assert_eq!(c.allows(X86_64), on_x86, "{c:?} on x86_64");
            assert_eq!(c.allows(Arm64), on_arm, "{c:?} on arm64");
        }
        assert_eq!(
            constraint(&["darwin"], &["arm64"], &[]).describe(),
            "os darwin, cpu arm64"
        );
    }

    #[test]
    fn architectures_parse_by_lambda_and_common_names() {
        assert_eq!("arm64".parse(), Ok(Architecture::Arm64));
        assert_eq!("X86_64".parse(), Ok(Architecture::X86_64));
        assert_eq!("aarch64".parse(), Ok(Architecture::Arm64));
        assert!("mips".parse::<Architecture>().is_err());
        assert_eq!(Architecture::default().to_string(), "x86_64");
    }
}
