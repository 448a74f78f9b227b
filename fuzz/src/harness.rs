//! What each fuzz target runs, one public function per target. The fuzz
//! targets (`fuzz/fuzz_targets/*.rs`) and the replay of their committed
//! corpora (`analyzer/tests/fuzz_replay.rs`, which includes this file with
//! `#[path]`) call the same function, so CI checks every saved input exactly
//! as the fuzzer ran it. A function returns normally for any input; a panic,
//! a hang or an allocation past the limits is the bug.

use lambda_audit_analyzer::advisories::Osv;
use lambda_audit_analyzer::extract::{scan_tree, ArtifactScan};
use lambda_audit_analyzer::matching::match_package;
use lambda_audit_analyzer::version::Version;
use lambda_audit_analyzer::{purl, version, ArchiveTree, Ecosystem, Limits, Package};
use std::cmp::Ordering;
use std::io::Write;

/// What a fuzz target runs on one input.
pub type Target = fn(&[u8]);

/// Every fuzz target: its name (the folder of its corpus) and its function.
pub const TARGETS: [(&str, Target); 12] = [
    ("archive", archive),
    ("npm", npm),
    ("python", python),
    ("cargo", cargo),
    ("maven", maven),
    ("osv", osv),
    ("version", version_order),
    ("cyclonedx", cyclonedx),
    ("go", go),
    ("ruby", ruby),
    ("dotnet", dotnet),
    ("bundle", bundle),
];

/// Limits small enough that one input stays fast, so that the fuzzer looks
/// for logic bugs rather than re-finding "a large input is slow".
fn limits() -> Limits {
    Limits {
        max_artifact_bytes: 1 << 20,
        max_entry_bytes: 4 << 20,
        max_total_inflated_bytes: 16 << 20,
        max_entries: 10_000,
        ..Limits::default()
    }
}

/// The name every target's artifact is opened under.
pub const ARTIFACT: &str = "fuzz.zip";

/// Opens `data` as an artifact (a zip, with any archives nested in it), reads
/// every file, and runs every extractor over it.
pub fn archive(data: &[u8]) {
    let _ = scan_artifact(ARTIFACT, data);
}

/// Opens `data` as the artifact `name`, reads every file and runs every
/// extractor over it; `None` when it does not open.
fn scan_artifact(name: &str, data: &[u8]) -> Option<ArtifactScan> {
    let tree = ArchiveTree::open_bytes(name, data.to_vec(), &limits()).ok()?;
    for file in &tree.files {
        let _ = tree.read(file);
    }
    Some(scan_tree(&tree, &lambda_audit_analyzer::extract::all()))
}

/// A target whose input is one file of an artifact: the input's first byte
/// picks the file's name (`files[data[0] % len]`), the rest is its contents.
pub struct OneFile {
    /// The name the artifact is opened under.
    pub artifact: &'static str,
    /// The names the first byte picks from.
    pub files: &'static [&'static str],
}

impl OneFile {
    /// A target whose file is stored in a zip artifact, [`ARTIFACT`].
    const fn in_zip(files: &'static [&'static str]) -> OneFile {
        OneFile {
            artifact: ARTIFACT,
            files,
        }
    }

    /// Stores the input's file in the artifact and scans it.
    pub fn scan(&self, data: &[u8]) -> Option<ArtifactScan> {
        let (&pick, contents) = data.split_first()?;
        let name = self.files[usize::from(pick) % self.files.len()];
        scan_files(self.artifact, &[(name, contents)])
    }
}

/// Stores `files` (name, contents) in a zip and scans it as the artifact
/// `artifact`.
fn scan_files(artifact: &str, files: &[(&str, &[u8])]) -> Option<ArtifactScan> {
    scan_artifact(artifact, &zip_files(files)?)
}

/// A zip of `files` (name, contents), stored uncompressed and executable
/// (so that any file name may be read as an executable); `None` if the zip
/// writer refuses a name.
pub fn zip_files(files: &[(&str, &[u8])]) -> Option<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o755);
    for (name, contents) in files {
        zip.start_file(*name, options).ok()?;
        zip.write_all(contents).ok()?;
    }
    Some(zip.finish().ok()?.into_inner())
}

/// The one-file targets: the artifact each stores its input's file in and the
/// names its first byte picks from.
pub const NPM: OneFile = OneFile::in_zip(&[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "node_modules/.package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
    "package.json",
    "node_modules/x/package.json",
]);
/// See [`NPM`].
pub const PYTHON: OneFile = OneFile::in_zip(&[
    "requirements.txt",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "Pipfile.lock",
    "pylock.toml",
    "x-1.0.dist-info/METADATA",
    "x.egg-info/PKG-INFO",
    "requirements/base.txt",
]);
/// See [`NPM`].
pub const CARGO: OneFile = OneFile::in_zip(&["Cargo.lock", "bootstrap"]);
/// See [`NPM`]. A jar: a jar's `META-INF/MANIFEST.MF` is read only when the
/// archive holding it is a jar, so in a zip the manifest parser never runs.
pub const MAVEN: OneFile = OneFile {
    artifact: "fuzz.jar",
    files: &[
        "pom.xml",
        "META-INF/maven/g/a/pom.properties",
        "META-INF/MANIFEST.MF",
        "gradle.lockfile",
    ],
};

/// See [`NPM`].
pub const GO: OneFile = OneFile::in_zip(&["bootstrap", "bin/server"]);
/// See [`NPM`].
pub const RUBY: OneFile = OneFile::in_zip(&[
    "Gemfile.lock",
    "gems.locked",
    "vendor/bundle/ruby/3.2.0/specifications/x-1.0.gemspec",
    "specifications/default/y-2.0.gemspec",
]);
/// See [`NPM`].
pub const DOTNET: OneFile = OneFile::in_zip(&["App.deps.json"]);
/// The files of the bundle target's artifact: a bundle (read as such) and the
/// evidence its extractor reads beside it, in the order the input's
/// NUL-separated parts fill them.
pub const BUNDLE_FILES: [&str; 6] = [
    "index.js",
    "index.js.map",
    "index.meta.json",
    "index.js.LICENSE.txt",
    "package-lock.json",
    "node_modules/x/package.json",
];

/// npm: package-lock (v1-v3), hidden lockfile, yarn (v1 and berry), pnpm,
/// bun (text and binary), package.json (root and installed).
pub fn npm(data: &[u8]) {
    let _ = NPM.scan(data);
}

/// Python: requirements (with includes), poetry, uv, pdm, Pipfile.lock,
/// pylock, METADATA / PKG-INFO.
pub fn python(data: &[u8]) {
    let _ = PYTHON.scan(data);
}

/// Rust: Cargo.lock and cargo-auditable data in an ELF `bootstrap`.
pub fn cargo(data: &[u8]) {
    let _ = CARGO.scan(data);
}

/// Maven: pom.xml, pom.properties, MANIFEST.MF, gradle.lockfile, in a jar.
pub fn maven(data: &[u8]) {
    let _ = MAVEN.scan(data);
}

/// Go: the build info of an executable (ELF `.go.buildinfo` or a data
/// segment) and its module info, as `bootstrap` or any executable.
pub fn go(data: &[u8]) {
    let _ = GO.scan(data);
}

/// Ruby: Gemfile.lock / gems.locked and installed gemspecs.
pub fn ruby(data: &[u8]) {
    let _ = RUBY.scan(data);
}

/// .NET: a `*.deps.json`.
pub fn dotnet(data: &[u8]) {
    let _ = DOTNET.scan(data);
}

/// A JavaScript bundle with its source map, esbuild metafile, extracted
/// licenses, lockfile and an installed manifest: the input's parts, split at
/// NUL bytes (JavaScript and JSON hold none), fill [`BUNDLE_FILES`] in
/// order; missing parts are files left out.
pub fn bundle(data: &[u8]) {
    let files: Vec<(&str, &[u8])> = BUNDLE_FILES
        .iter()
        .copied()
        .zip(data.split(|&b| b == 0))
        .collect();
    let _ = scan_files(ARTIFACT, &files);
}

/// Versions the OSV target matches every record against, per ecosystem.
const PROBES: [&str; 8] = [
    "0",
    "1.0.0",
    "1.2.3-beta.1",
    "2.0",
    "0.0.0-0",
    "1.0a1",
    "3.1.4.post2",
    "1.0-SNAPSHOT",
];

/// Parses an OSV record and matches it against a few versions of every package
/// it names, plus the versions it lists and its range events.
pub fn osv(data: &[u8]) {
    let Ok(record) = Osv::from_slice(data) else {
        return;
    };
    for affected in &record.affected {
        let Some(pkg) = &affected.package else {
            continue;
        };
        let Some(ecosystem) = Ecosystem::from_osv(&pkg.ecosystem) else {
            continue;
        };
        let events = affected
            .ranges
            .iter()
            .flat_map(|r| &r.events)
            .flat_map(|e| [&e.introduced, &e.fixed, &e.last_affected, &e.limit])
            .filter_map(|v| v.as_deref());
        let versions = PROBES
            .iter()
            .copied()
            .chain(affected.versions.iter().map(String::as_str))
            .chain(events)
            .take(64);
        for v in versions {
            let package = Package {
                ecosystem,
                name: pkg.name.clone(),
                version: v.to_string(),
                purl: purl::build(ecosystem, &pkg.name, v),
                locations: Vec::new(),
            };
            let _ = match_package(&package, &[&record]);
        }
    }
}

/// Parses up to three versions (the input's lines) under every ecosystem's
/// rules and checks what the order promises: a version equals itself and
/// what its `Display` writes parses back to an equal version; `a` against
/// `b` is the reverse of `b` against `a`; and, where the order is total
/// (every ecosystem but Maven, whose order is not transitive, as in Maven),
/// `a <= b <= c` implies `a <= c`.
pub fn version_order(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.splitn(3, '\n');
    let a = lines.next().unwrap_or_default();
    let b = lines.next().unwrap_or("1.0.0");
    let c = lines.next().unwrap_or("2.0.0");
    for ecosystem in Ecosystem::ALL {
        let _ = version::equivalence_key(ecosystem, a);
        let parse = |text: &str| Version::parse(ecosystem, text).ok();
        let (Some(va), vb, vc) = (parse(a), parse(b), parse(c)) else {
            continue;
        };
        assert_eq!(
            va.partial_cmp(&va),
            Some(Ordering::Equal),
            "{ecosystem}: {a:?} vs itself"
        );
        let shown = va.to_string();
        let reparsed = Version::parse(ecosystem, &shown)
            .unwrap_or_else(|e| panic!("{ecosystem}: {a:?} displays as {shown:?}: {e}"));
        assert!(
            reparsed == va,
            "{ecosystem}: {a:?} displays as {shown:?}, not equal"
        );
        let Some(vb) = vb else {
            continue;
        };
        let ab = va.partial_cmp(&vb);
        assert_eq!(
            ab,
            vb.partial_cmp(&va).map(Ordering::reverse),
            "{ecosystem}: {a:?} vs {b:?}"
        );
        let Some(vc) = vc.filter(|_| ecosystem != Ecosystem::Maven) else {
            continue;
        };
        if ab.is_some_and(Ordering::is_le) && vb.partial_cmp(&vc).is_some_and(Ordering::is_le) {
            assert!(
                va <= vc,
                "{ecosystem}: {a:?} <= {b:?} <= {c:?} but not {a:?} <= {c:?}"
            );
        }
    }
}

/// Reads a CycloneDX JSON SBOM as an inventory.
pub fn cyclonedx(data: &[u8]) {
    let _ = lambda_audit_analyzer::sbom::read_cyclonedx("fuzz.cdx.json", data);
}
