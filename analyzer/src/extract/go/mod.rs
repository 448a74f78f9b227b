//! Go: the module build info compiled into every Go executable (a custom
//! runtime's `bootstrap` on `provided.al2023` / `provided.al2`, or any other
//! executable of the artifact). Each `dep` module becomes a package of the `Go`
//! ecosystem under its module path, the toolchain version becomes the `stdlib`
//! package (OSV's Go database files standard-library advisories under that
//! module), and the main module is the function itself (a root).

pub mod buildinfo;
#[cfg(test)]
mod differential;
pub mod modinfo;

use crate::archive::{ArchiveTree, FileEntry};
use crate::ecosystem::Ecosystem;
use crate::extract::cargo::may_be_binary;
use crate::extract::{ExtractError, Extracted, Extractor};
use crate::package::{EvidenceKind, Found};
use modinfo::Module;

/// The standard library's module path in OSV's Go database.
pub const STDLIB: &str = "stdlib";

/// Reason given for a Go binary built outside module mode.
pub const NO_MODULE_INFO: &str =
    "Go binary without module information (built in GOPATH mode): only the standard library is known";

/// Reads Go build info from executables.
pub struct GoExtractor;

impl Extractor for GoExtractor {
    fn name(&self) -> &'static str {
        "go"
    }

    fn wants(&self, file: &FileEntry) -> bool {
        may_be_binary(file)
    }

    fn extract(
        &self,
        file: &FileEntry,
        bytes: &[u8],
        _tree: &ArchiveTree,
    ) -> Result<Extracted, ExtractError> {
        let raw = buildinfo::read(bytes)
            .map_err(|e| ExtractError::new(format!("cannot read Go build info: {e}")))?;
        match raw {
            Some(raw) => packages(&file.path, &raw),
            None => Ok(Extracted::default()),
        }
    }
}

/// The packages of one binary's build info.
pub fn packages(path: &str, raw: &buildinfo::RawBuildInfo) -> Result<Extracted, ExtractError> {
    let found = |name: &str, version: &str| {
        Found::new(Ecosystem::Go, name, version, path, EvidenceKind::Binary).installed_at(path)
    };
    let mut out = Extracted::default();
    out.packages.push(
        found(STDLIB, &raw.go_version)
            .note("the Go standard library linked into the binary (toolchain version)"),
    );
    if raw.modinfo.is_empty() {
        out.skip(path, NO_MODULE_INFO);
        return Ok(out);
    }
    let info = modinfo::parse(&raw.modinfo)
        .map_err(|e| ExtractError::new(format!("invalid Go module info: {e}")))?;
    if let Some(root) = info
        .main
        .as_ref()
        .and_then(|main| module_package(main, path, &mut out))
    {
        out.packages.push(root.root());
    }
    for dep in &info.deps {
        if let Some(package) = module_package(dep, path, &mut out) {
            out.packages.push(package);
        }
    }
    Ok(out)
}

/// The version the go command writes for a module it has no version for
/// (the main module, a local-directory replacement).
pub const DEVEL: &str = "(devel)";

/// Is the replacement `with` a local directory rather than a module? The go
/// command writes a directory replacement with the version `(devel)` (or, in
/// hand-edited info, none); its path is a file system path (`./x`, `../x`,
/// `/x`), as `go.mod`'s replace directive requires.
fn is_local(with: &Module) -> bool {
    let path = with.path.as_str();
    with.version.is_empty()
        || with.version == DEVEL
        || path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path == "."
        || path == ".."
}

/// The package a module line stands for: the module itself, or what replaced
/// it when that is a versioned module. A local-directory replacement has no
/// version to match: it is recorded as skipped, naming both.
fn module_package(module: &Module, path: &str, out: &mut Extracted) -> Option<Found> {
    let found = |m: &Module| {
        Found::new(
            Ecosystem::Go,
            &m.path,
            &m.version,
            path,
            EvidenceKind::Binary,
        )
        .installed_at(path)
    };
    match module.replaced_by.as_deref() {
        None => Some(found(module)),
        Some(with) if !is_local(with) => Some(found(with).note(format!(
            "replaces {} {} (go.mod replace directive)",
            module.path, module.version
        ))),
        Some(with) => {
            out.skip(
                path,
                format!(
                    "Go module {} {} is replaced by the local directory {}: no version to match",
                    module.path, module.version, with.path
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::buildinfo::tests::{framed, inline_blob};
    use super::*;
    use crate::extract::cargo::elf;
    use crate::extract::testutil::{open, rows, skips, zip_with_modes};
    use crate::package::Role;

    pub(super) const MODINFO: &str = "path\texample.com/api\n\
        mod\texample.com/api\t(devel)\t\n\
        dep\tgithub.com/gin-gonic/gin\tv1.8.1\th1:abc=\n\
        dep\tgithub.com/dgrijalva/jwt-go\tv3.2.0+incompatible\t\n\
        dep\tgolang.org/x/net\tv0.7.0\n\
        =>\tgolang.org/x/net\tv0.17.0\th1:def=\n\
        dep\texample.com/internal\tv0.0.0\n\
        =>\t./internal\t(devel)\t\n\
        build\tGOOS=linux\n";

    fn go_elf(version: &str, modinfo: &str) -> Vec<u8> {
        let modinfo = if modinfo.is_empty() {
            Vec::new()
        } else {
            framed(modinfo)
        };
        elf::tests::build(
            true,
            false,
            &[(".go.buildinfo", &inline_blob(version, &modinfo))],
        )
    }

    #[test]
    fn modules_stdlib_and_main_module() {
        let tree = open(
            "f.zip",
            zip_with_modes(&[("bootstrap", &go_elf("go1.21.3", MODINFO), 0o755)]),
        );
        let scan = crate::extract::scan_tree(&tree, &[Box::new(GoExtractor)]);
        assert_eq!(
            rows!(scan.packages; name, version, role),
            vec![
                ("example.com/api", "(devel)", Role::Root),
                (
                    "github.com/dgrijalva/jwt-go",
                    "v3.2.0+incompatible",
                    Role::Dependency
                ),
                ("github.com/gin-gonic/gin", "v1.8.1", Role::Dependency),
                ("golang.org/x/net", "v0.17.0", Role::Dependency),
                ("stdlib", "go1.21.3", Role::Dependency),
            ]
        );
        let net = scan
            .packages
            .iter()
            .find(|f| f.name == "golang.org/x/net")
            .unwrap();
        assert_eq!(
            net.note.as_deref(),
            Some("replaces golang.org/x/net v0.7.0 (go.mod replace directive)")
        );
        assert!(scan
            .packages
            .iter()
            .all(|f| f.evidence == EvidenceKind::Binary));
        assert_eq!(
            skips(&scan.skipped),
            vec![(
                "bootstrap",
                "Go module example.com/internal v0.0.0 is replaced by the local directory \
                 ./internal: no version to match"
            )]
        );
        assert_eq!(scan.warnings, vec![]);
    }

    #[test]
    fn any_executable_is_read_and_gopath_builds_give_stdlib_only() {
        let tree = open(
            "f.zip",
            zip_with_modes(&[
                ("bin/tool", &go_elf("go1.20", ""), 0o755),
                ("data/not-exec", &go_elf("go1.20", MODINFO), 0o644),
            ]),
        );
        let scan = crate::extract::scan_tree(&tree, &[Box::new(GoExtractor)]);
        assert_eq!(
            rows!(scan.packages; name, version, path),
            vec![("stdlib", "go1.20", "bin/tool")]
        );
        assert_eq!(skips(&scan.skipped), vec![("bin/tool", NO_MODULE_INFO)]);
    }

    #[test]
    fn malformed_module_info_is_a_warning() {
        let tree = open(
            "f.zip",
            zip_with_modes(&[("bootstrap", &go_elf("go1.20", "bogus\tline\n"), 0o755)]),
        );
        let scan = crate::extract::scan_tree(&tree, &[Box::new(GoExtractor)]);
        assert_eq!(scan.packages, vec![]);
        assert!(
            scan.warnings[0]
                .message
                .contains("unknown line kind `bogus`"),
            "{:?}",
            scan.warnings
        );
    }

    /// A little-endian ELF64 with one PT_LOAD segment (file offset 0 mapped at
    /// `BASE`) holding a pre-Go-1.18 build-info header whose two pointers lead
    /// to Go string headers.
    pub(super) fn pointer_format_elf(version: &str, modinfo: &[u8]) -> Vec<u8> {
        const BASE: u64 = 0x40_0000;
        let mut out = vec![0u8; 0x100];
        out[..4].copy_from_slice(elf::MAGIC);
        out[4] = 2; // 64-bit
        out[5] = 1; // little endian
        out[6] = 1;
        out[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        out[18..20].copy_from_slice(&62u16.to_le_bytes());
        out[20..24].copy_from_slice(&1u32.to_le_bytes());
        out[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
        out[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
        out[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
        out[56..58].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
                                                          // Blob at 0x100: header with pointers to two string headers at 0x120, 0x130.
        let mut blob = buildinfo::MAGIC.to_vec();
        blob.extend([8, 0]);
        blob.extend((BASE + 0x120).to_le_bytes());
        blob.extend((BASE + 0x130).to_le_bytes());
        out.extend(&blob);
        let data_at = 0x140u64;
        out.extend((BASE + data_at).to_le_bytes());
        out.extend((version.len() as u64).to_le_bytes());
        out.extend((BASE + data_at + version.len() as u64).to_le_bytes());
        out.extend((modinfo.len() as u64).to_le_bytes());
        out.extend(version.as_bytes());
        out.extend(modinfo);
        let size = out.len() as u64;
        // Program header: PT_LOAD, R, offset 0, vaddr BASE, sizes = whole file.
        let ph = &mut out[64..120];
        ph[0..4].copy_from_slice(&1u32.to_le_bytes());
        ph[4..8].copy_from_slice(&6u32.to_le_bytes()); // R+W: where the go command looks
        ph[16..24].copy_from_slice(&BASE.to_le_bytes());
        ph[24..32].copy_from_slice(&BASE.to_le_bytes());
        ph[32..40].copy_from_slice(&size.to_le_bytes());
        ph[40..48].copy_from_slice(&size.to_le_bytes());
        ph[48..56].copy_from_slice(&0x1000u64.to_le_bytes());
        out
    }

    #[test]
    fn reads_the_pre_go_1_18_pointer_format() {
        let elf = pointer_format_elf("go1.16.15", &framed(MODINFO));
        let raw = buildinfo::read(&elf).unwrap().expect("build info");
        assert_eq!(raw.go_version, "go1.16.15");
        assert_eq!(raw.modinfo, MODINFO);
        // A GOPATH build's module info is the empty string, whose data
        // pointer is nil (as in Go 1.15's real binaries).
        let mut gopath = pointer_format_elf("go1.15.9", b"");
        gopath[0x130..0x140].fill(0);
        let raw = buildinfo::read(&gopath).unwrap().expect("build info");
        assert_eq!(
            (raw.go_version.as_str(), raw.modinfo.as_str()),
            ("go1.15.9", "")
        );
        // ... and its string header may sit in `.bss`, mapped memory past the
        // file's bytes, which reads as zeros (Go 1.15's linker puts it there).
        let mut bss = pointer_format_elf("go1.15.9", b"");
        let file_size = bss.len() as u64;
        let past_the_file = 0x40_0000 + file_size + 0x10;
        bss[0x118..0x120].copy_from_slice(&past_the_file.to_le_bytes());
        bss[64 + 40..64 + 48].copy_from_slice(&(file_size + 0x100).to_le_bytes());
        let raw = buildinfo::read(&bss).unwrap().expect("build info");
        assert_eq!(
            (raw.go_version.as_str(), raw.modinfo.as_str()),
            ("go1.15.9", "")
        );
        // A pointer past the segment is an error, never a panic.
        let mut bad = elf.clone();
        bad[0x110..0x118].copy_from_slice(&0xdead_0000u64.to_le_bytes());
        assert!(buildinfo::read(&bad).is_err());
        for len in 0..elf.len() {
            let _ = buildinfo::read(&elf[..len]);
        }
    }
}
