//! Every hostile input family of issue 11 as a [`Case`]: how to build it on
//! disk, the memory ceiling it must stay under, and the outcome a correct
//! scan gives. The memory-ceiling test (`tests/memory_ceiling`, debug CLI,
//! peak RSS asserted) and the hostile bench (`benches/hostile.rs`, release
//! CLI, wall and CPU time measured) run these same cases.

use super::lockfiles;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The ceiling for any input, in MB.
pub const ANY_INPUT_MB: u64 = 512;
/// The ceiling for inputs within Lambda's limits (250 MB unzipped), in MB.
pub const WITHIN_LAMBDA_MB: u64 = 256;

/// The packages one artifact may hold (`Limits::max_packages`), as the
/// refusal says it.
pub const PACKAGE_LIMIT: &str = "more than 100000 packages";

/// How long a scan may run before it is killed as hung: generous, for the
/// debug CLI on a shared machine. No case asserts a speed.
pub const HANG_TIMEOUT: Duration = Duration::from_secs(180);

/// The hang timeout of the 200 MB YAML cases. The YAML scanner reads a
/// character at a time and, generic over its input, is compiled into the
/// engine unoptimised in a debug build: the debug CLI spends about 33 s of CPU
/// on 200 MB (measured: 99 s wall clock on a machine shared by other builds),
/// under the usual 180 s only when the machine is not too busy.
const YAML_HANG_TIMEOUT: Duration = Duration::from_secs(600);

/// What a correct scan of a case gives.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// The legitimate packages: each of these (name, version) in the report,
    /// or exit 2 with a message naming the input.
    Found(&'static [(&'static str, &'static str)]),
    /// Exit 2 (a limit kept evidence from being read), the message saying
    /// each of these (the file, the limit).
    Refused(&'static [&'static str]),
}

/// One hostile input family.
pub struct Case {
    /// Also the name of the input built (`NAME.zip` or folder `NAME`).
    pub name: &'static str,
    /// Peak RSS the scan must stay under, in MB.
    pub ceiling_mb: u64,
    pub expect: Expect,
    /// When the scan is killed as hung (see [`HANG_TIMEOUT`]).
    pub hang: Duration,
    input: Input,
}

/// How a case's input is built.
enum Input {
    /// A zip archive of these bytes.
    Zip(fn() -> Vec<u8>),
    /// A function folder holding `node_modules/minimist` (1.2.0) and the
    /// file at this path, written by the function.
    Folder(&'static str, fn(&mut dyn Write) -> std::io::Result<()>),
    /// A folder of 500 `requirements-N.txt`, each `-r`-including all others.
    Requirements,
}

impl Case {
    /// Builds the input in `dir` (a scratch folder): the path to scan.
    pub fn build(&self, dir: &Path) -> std::io::Result<PathBuf> {
        match &self.input {
            Input::Zip(bytes) => {
                let path = dir.join(format!("{}.zip", self.name));
                std::fs::write(&path, bytes())?;
                Ok(path)
            }
            Input::Folder(file, write) => {
                let root = dir.join(self.name);
                let minimist = root.join("node_modules/minimist");
                std::fs::create_dir_all(&minimist)?;
                std::fs::write(
                    minimist.join("package.json"),
                    super::package_json("minimist", "1.2.0"),
                )?;
                let path = root.join(file);
                std::fs::create_dir_all(path.parent().unwrap_or(&root))?;
                let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
                write(&mut out)?;
                out.flush()?;
                Ok(root)
            }
            Input::Requirements => {
                let root = dir.join(self.name);
                std::fs::create_dir_all(&root)?;
                for i in 0..500 {
                    let mut text = format!("pkg{i}==1.0.{i}\n");
                    for j in (0..500).filter(|j| *j != i) {
                        text.push_str(&format!("-r requirements-{j}.txt\n"));
                    }
                    std::fs::write(root.join(format!("requirements-{i}.txt")), text)?;
                }
                Ok(root)
            }
        }
    }
}

const MINIMIST: &[(&str, &str)] = &[("minimist", "1.2.0")];

fn zip(name: &'static str, ceiling_mb: u64, bytes: fn() -> Vec<u8>, expect: Expect) -> Case {
    Case {
        name,
        ceiling_mb,
        expect,
        hang: HANG_TIMEOUT,
        input: Input::Zip(bytes),
    }
}

/// A function folder holding `file`, within Lambda's limits.
fn folder(
    name: &'static str,
    file: &'static str,
    write: fn(&mut dyn Write) -> std::io::Result<()>,
    expect: Expect,
) -> Case {
    Case {
        name,
        ceiling_mb: WITHIN_LAMBDA_MB,
        expect,
        hang: HANG_TIMEOUT,
        input: Input::Folder(file, write),
    }
}

/// A file a limit keeps from being read: exit 2 naming it and the package limit.
fn refused(
    name: &'static str,
    file: &'static str,
    reasons: &'static [&'static str],
    write: fn(&mut dyn Write) -> std::io::Result<()>,
) -> Case {
    folder(name, file, write, Expect::Refused(reasons))
}

/// Every family, in a stable order.
pub fn all() -> Vec<Case> {
    use Expect::Found;
    vec![
        // Archives: lying sizes, names, overlaps, fan-outs, directories.
        zip(
            "lying-sizes",
            ANY_INPUT_MB,
            super::lying_sizes,
            Found(MINIMIST),
        ),
        zip(
            "duplicates",
            WITHIN_LAMBDA_MB,
            super::duplicate_names,
            Found(&[("lodash", "4.17.15"), ("lodash", "4.17.21")]),
        ),
        zip(
            "non-utf8",
            WITHIN_LAMBDA_MB,
            super::non_utf8_twins,
            Found(&[("left-pad", "1.0.0"), ("lodash", "4.17.15")]),
        ),
        zip(
            "dot-paths",
            WITHIN_LAMBDA_MB,
            super::dot_paths,
            Found(&[("y", "1.0.0"), ("z", "2.0.0")]),
        ),
        zip(
            "overlap",
            WITHIN_LAMBDA_MB,
            super::partial_overlap,
            Found(MINIMIST),
        ),
        // The 89 KB zip (256 entries per level) and a few-KB variant.
        zip(
            "fanout-89k",
            ANY_INPUT_MB,
            || super::overlapping_fanout(4, 256),
            Found(MINIMIST),
        ),
        zip(
            "fanout-6k",
            ANY_INPUT_MB,
            || super::overlapping_fanout(4, 16),
            Found(MINIMIST),
        ),
        zip(
            "fanout-42",
            ANY_INPUT_MB,
            || super::deflated_fanout(4, 16),
            Found(MINIMIST),
        ),
        // A million records declared (refused before parsing), and a
        // directory longer than its end record says (counted while parsed).
        zip(
            "cd-declared",
            WITHIN_LAMBDA_MB,
            || super::huge_central_directory(1_000_000, 1_000_000),
            Found(&[]),
        ),
        zip(
            "cd-hidden",
            WITHIN_LAMBDA_MB,
            || super::huge_central_directory(600_000, 5),
            Found(&[]),
        ),
        // Lockfiles past the package limit: their parse stops there (never
        // holding more), exit 2 naming them: 215 MB, 220 MB, 210 MB.
        refused(
            "cargo-lock",
            "Cargo.lock",
            &["Cargo.lock", PACKAGE_LIMIT],
            |out| lockfiles::cargo_lock(out, 1_100_000),
        ),
        refused(
            "package-lock",
            "package-lock.json",
            &["package-lock.json", PACKAGE_LIMIT],
            |out| lockfiles::package_lock(out, 1_000_000),
        ),
        refused(
            "yarn-classic",
            "yarn.lock",
            &["yarn.lock", PACKAGE_LIMIT],
            |out| lockfiles::yarn_classic_lock(out, 1_000_000),
        ),
        // Just under the package limit (with minimist, the artifact's
        // packages are 99,001): read whole, every package reported.
        folder(
            "package-lock-99k",
            "package-lock.json",
            |out| lockfiles::package_lock(out, 99_000),
            Found(&[("minimist", "1.2.0"), ("p0", "1.0.0"), ("p98999", "1.0.0")]),
        ),
        folder(
            "cargo-lock-99k",
            "Cargo.lock",
            |out| lockfiles::cargo_lock(out, 99_000),
            Found(&[
                ("minimist", "1.2.0"),
                ("crate-0", "1.0.0"),
                ("crate-98999", "1.0.999"),
            ]),
        ),
        folder(
            "yarn-classic-99k",
            "yarn.lock",
            |out| lockfiles::yarn_classic_lock(out, 99_000),
            Found(&[("minimist", "1.2.0"), ("p0", "1.0.0"), ("p98999", "1.0.0")]),
        ),
        // Big lockfiles whose bytes are mostly what the inventory drops or
        // stores once: streamed, never held whole.
        folder(
            "cargo-lock-long",
            "Cargo.lock",
            lockfiles::cargo_lock_long_dependency_lists,
            Found(&[
                ("minimist", "1.2.0"),
                ("crate-0", "1.0.0"),
                ("last-crate", "9.9.9"),
            ]),
        ),
        folder(
            "yarn-classic-long",
            "yarn.lock",
            lockfiles::yarn_classic_long_dependency_lists,
            Found(&[
                ("minimist", "1.2.0"),
                ("p0", "1.0.0"),
                ("last-package", "9.9.9"),
            ]),
        ),
        folder(
            "package-lock-large",
            "package-lock.json",
            lockfiles::package_lock_of_large_entries,
            Found(&[("minimist", "1.2.0"), ("p0", "1.0.0"), ("p9999", "1.0.0")]),
        ),
        Case {
            hang: YAML_HANG_TIMEOUT,
            ..folder(
                "pnpm-lock-large",
                "pnpm-lock.yaml",
                lockfiles::pnpm_lock_of_large_entries,
                Found(&[("minimist", "1.2.0"), ("p0", "1.0.0"), ("p9999", "1.0.0")]),
            )
        },
        Case {
            hang: YAML_HANG_TIMEOUT,
            ..folder(
                "yarn-berry-large",
                "yarn.lock",
                lockfiles::yarn_berry_lock_of_large_entries,
                Found(&[("minimist", "1.2.0"), ("p0", "1.0.0"), ("p9999", "1.0.0")]),
            )
        },
        folder(
            "bun-lock-large",
            "bun.lock",
            lockfiles::bun_lock_of_large_entries,
            Found(&[("minimist", "1.2.0"), ("p0", "1.0.0"), ("p9999", "1.0.0")]),
        ),
        // Inputs that made parsers quadratic.
        Case {
            name: "requirements",
            ceiling_mb: WITHIN_LAMBDA_MB,
            expect: Found(&[("pkg0", "1.0.0"), ("pkg499", "1.0.499")]),
            hang: HANG_TIMEOUT,
            input: Input::Requirements,
        },
        folder(
            "bun-lock",
            "bun.lock",
            lockfiles::bun_lock_of_a_deep_key,
            Found(MINIMIST),
        ),
        folder(
            "pom-xml",
            "pom.xml",
            lockfiles::pom_nested_a_million_deep,
            Found(MINIMIST),
        ),
        folder(
            "pnpm-lock",
            "pnpm-lock.yaml",
            lockfiles::pnpm_lock_of_deep_flow,
            Found(MINIMIST),
        ),
        folder(
            "yarn-lock",
            "yarn.lock",
            lockfiles::yarn_berry_lock_of_deep_flow,
            Found(MINIMIST),
        ),
    ]
}

/// The case called `name`.
///
/// # Panics
/// When there is none (a test's typo).
pub fn named(name: &str) -> Case {
    all()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no hostile case {name:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = all().iter().map(|c| c.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    #[test]
    fn a_million_entry_classic_yarn_lock_is_written_as_yarn_writes_it() {
        let mut text = Vec::new();
        lockfiles::yarn_classic_lock(&mut text, 2).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("\np1@^1.0.0:\n  version \"1.0.0\"\n  resolved \""));
        assert_eq!(text.matches("integrity sha512-").count(), 2);
    }
}
