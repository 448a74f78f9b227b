//! Lambda's two architectures and what building for each takes on this host.

use std::fmt;
use std::str::FromStr;

/// A Lambda architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    /// The Rust target: glibc Linux, as on `provided.al2023`.
    pub fn triple(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64-unknown-linux-gnu",
            Arch::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }

    /// The name Lambda uses (`Architectures`).
    pub fn lambda_name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }

    /// The ELF machine a binary for it declares.
    pub fn elf_machine(self) -> object::elf::Machine {
        match self {
            Arch::X86_64 => object::elf::EM_X86_64,
            Arch::Arm64 => object::elf::EM_AARCH64,
        }
    }

    /// The architecture of the machine running the build.
    pub fn host() -> Option<Arch> {
        match std::env::consts::ARCH {
            "x86_64" => Some(Arch::X86_64),
            "aarch64" => Some(Arch::Arm64),
            _ => None,
        }
    }

    /// The GNU cross toolchain prefix a cross build links and compiles C
    /// (ring's assembly and C) with, e.g. Debian's `gcc-aarch64-linux-gnu`.
    pub fn gnu_prefix(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64-linux-gnu",
            Arch::Arm64 => "aarch64-linux-gnu",
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.lambda_name())
    }
}

/// `--arch`: one architecture or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    One(Arch),
    All,
}

impl Selection {
    /// The architectures selected, x86_64 first.
    pub fn archs(self) -> Vec<Arch> {
        match self {
            Selection::One(a) => vec![a],
            Selection::All => vec![Arch::X86_64, Arch::Arm64],
        }
    }
}

impl FromStr for Selection {
    type Err = String;

    fn from_str(s: &str) -> Result<Selection, String> {
        match s {
            "x86_64" | "amd64" => Ok(Selection::One(Arch::X86_64)),
            "arm64" | "aarch64" => Ok(Selection::One(Arch::Arm64)),
            "all" => Ok(Selection::All),
            _ => Err(format!("unknown architecture `{s}` (x86_64, arm64 or all)")),
        }
    }
}
