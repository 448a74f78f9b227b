//! Replays the fuzzers' saved corpora (`fuzz/corpus/<target>/`, minimised with
//! `cargo fuzz cmin`) through the very functions the fuzz targets run, so that
//! every input that once found a crash, a hang or new coverage stays checked
//! on stable Rust, without the fuzzer.

#[path = "../../fuzz/src/harness.rs"]
mod harness;

use std::panic::{catch_unwind, AssertUnwindSafe};
use testkit::workspace_root;

#[test]
fn every_saved_fuzz_input_runs_clean() {
    let corpus = workspace_root().join("fuzz/corpus");
    let mut failures = Vec::new();
    for (target, run) in harness::TARGETS {
        let dir = corpus.join(target);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        inputs.sort();
        // An empty folder would replay nothing and pass.
        assert!(!inputs.is_empty(), "{} holds no inputs", dir.display());
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
                failures.push(input.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "inputs that panic: {failures:#?}");
}

#[test]
fn the_harness_reaches_every_parser() {
    // Each file name a target feeds its input as must be one an extractor
    // reads, or the target fuzzes nothing (the bundle's other files are
    // evidence its extractor reads beside it, and the lockfile and manifest
    // npm's).
    use lambda_audit_analyzer::archive::ArchiveTree;
    let names = harness::NPM
        .files
        .iter()
        .chain(harness::PYTHON.files)
        .chain(harness::CARGO.files)
        .chain(harness::MAVEN.files)
        .chain(harness::GO.files)
        .chain(harness::RUBY.files)
        .chain(harness::DOTNET.files)
        .chain(&harness::BUNDLE_FILES[..1])
        .chain(&harness::BUNDLE_FILES[4..]);
    let extractors = lambda_audit_analyzer::extract::all();
    for name in names {
        let zip = harness::zip_files(&[(name, b"x")]).unwrap();
        let tree = ArchiveTree::open_bytes("t.zip", zip, &Default::default()).unwrap();
        let file = &tree.files[0];
        assert!(
            extractors.iter().any(|x| x.wants(file)),
            "no extractor reads {name}"
        );
    }
}

#[test]
fn each_new_parser_target_reaches_its_extractor() {
    // Per target, the extractor that must read its files (by coverage name):
    // a file name that only another extractor wants would fuzz the wrong
    // parser.
    use lambda_audit_analyzer::archive::ArchiveTree;
    let expected: [(&[&str], &str); 4] = [
        (harness::GO.files, "go"),
        (harness::RUBY.files, "ruby"),
        (harness::DOTNET.files, "dotnet"),
        (&harness::BUNDLE_FILES[..1], "npm-bundle"),
    ];
    let extractors = lambda_audit_analyzer::extract::all();
    for (names, extractor) in expected {
        let wanted_by = extractors.iter().find(|x| x.name() == extractor).unwrap();
        for name in names {
            let zip = harness::zip_files(&[(name, b"x")]).unwrap();
            let tree = ArchiveTree::open_bytes("t.zip", zip, &Default::default()).unwrap();
            assert!(
                wanted_by.wants(&tree.files[0]),
                "{extractor} does not read {name}"
            );
        }
    }
}

#[test]
fn every_text_file_a_target_feeds_reaches_its_parser() {
    // A name an extractor wants can still be one it never parses where the
    // harness puts it (a jar's MANIFEST.MF in a zip artifact is ignored), and
    // the target would fuzz nothing there: a small valid example of each
    // text format, fed as its target feeds it, must yield its package. The
    // binary slots (an ELF `bootstrap`, bun.lockb) are checked by
    // `the_harness_reaches_every_parser` and the committed seeds.
    let lock = r#"{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0","dependencies":{"ms":"^2.1.2"}},"node_modules/ms":{"version":"2.1.2"}}}"#;
    let gemfile = "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.3)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  rack\n";
    let gemspec =
        "Gem::Specification.new do |s|\n  s.name = \"json\".freeze\n  s.version = \"2.6.1\"\nend\n";
    let deps = r#"{"runtimeTarget": {"name": ".NETCoreApp,Version=v8.0"}, "targets": {".NETCoreApp,Version=v8.0": {"Newtonsoft.Json/13.0.1": {}}}, "libraries": {"Newtonsoft.Json/13.0.1": {"type": "package"}}}"#;
    let metadata = "Metadata-Version: 2.1\nName: six\nVersion: 1.15.0\n";
    let cases: [(&harness::OneFile, &str, &str, &str); 27] = [
        (&harness::NPM, "package-lock.json", lock, "ms"),
        (&harness::NPM, "npm-shrinkwrap.json", lock, "ms"),
        (&harness::NPM, "node_modules/.package-lock.json", lock, "ms"),
        (&harness::NPM, "yarn.lock", "# yarn lockfile v1\n\nms@^2.1.2:\n  version \"2.1.2\"\n", "ms"),
        (&harness::NPM, "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  ms@2.1.2:\n    resolution: {integrity: sha512-x}\nsnapshots:\n  ms@2.1.2: {}\n", "ms"),
        (&harness::NPM, "bun.lock", r#"{"lockfileVersion": 1, "packages": {"ms": ["ms@2.1.2", "", {}, "sha512-x"]}}"#, "ms"),
        (&harness::NPM, "package.json", r#"{"name":"app","version":"1.0.0"}"#, "app"),
        (&harness::NPM, "node_modules/x/package.json", r#"{"name":"x","version":"1.0.0"}"#, "x"),
        (&harness::PYTHON, "requirements.txt", "flask==0.12.2\n", "flask"),
        (&harness::PYTHON, "poetry.lock", "[[package]]\nname = \"requests\"\nversion = \"2.19.0\"\n\n[metadata]\nlock-version = \"2.0\"\n", "requests"),
        (&harness::PYTHON, "uv.lock", "version = 1\n\n[[package]]\nname = \"idna\"\nversion = \"2.7\"\nsource = { registry = \"https://pypi.org/simple\" }\n", "idna"),
        (&harness::PYTHON, "pdm.lock", "[metadata]\nlock_version = \"4.4\"\n\n[[package]]\nname = \"urllib3\"\nversion = \"1.24.1\"\n", "urllib3"),
        (&harness::PYTHON, "Pipfile.lock", r#"{"_meta": {}, "default": {"django": {"version": "==2.2.0"}}}"#, "django"),
        (&harness::PYTHON, "pylock.toml", "lock-version = \"1.0\"\n\n[[packages]]\nname = \"jinja2\"\nversion = \"2.10\"\n", "jinja2"),
        (&harness::PYTHON, "x-1.0.dist-info/METADATA", metadata, "six"),
        (&harness::PYTHON, "x.egg-info/PKG-INFO", metadata, "six"),
        (&harness::PYTHON, "requirements/base.txt", "idna==2.7\n", "idna"),
        (&harness::CARGO, "Cargo.lock", "version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n", "smallvec"),
        (&harness::MAVEN, "pom.xml", "<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version><dependencies><dependency><groupId>org.yaml</groupId><artifactId>snakeyaml</artifactId><version>1.33</version></dependency></dependencies></project>", "org.yaml:snakeyaml"),
        (&harness::MAVEN, "META-INF/maven/g/a/pom.properties", "groupId=g\nartifactId=a\nversion=1.0\n", "g:a"),
        (&harness::MAVEN, "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.app\r\nBundle-Version: 1.2.0\r\n", "org.example:app"),
        (&harness::MAVEN, "gradle.lockfile", "org.yaml:snakeyaml:1.33=runtimeClasspath\n", "org.yaml:snakeyaml"),
        (&harness::RUBY, "Gemfile.lock", gemfile, "rack"),
        (&harness::RUBY, "gems.locked", gemfile, "rack"),
        (&harness::RUBY, "vendor/bundle/ruby/3.2.0/specifications/x-1.0.gemspec", gemspec, "json"),
        (&harness::RUBY, "specifications/default/y-2.0.gemspec", gemspec, "json"),
        (&harness::DOTNET, "App.deps.json", deps, "Newtonsoft.Json"),
    ];
    let mut missed = Vec::new();
    for (target, name, example, package) in cases {
        let pick = target.files.iter().position(|n| *n == name).unwrap();
        let mut input = vec![u8::try_from(pick).unwrap()];
        input.extend_from_slice(example.as_bytes());
        let scan = target.scan(&input).unwrap();
        if !scan.packages.iter().any(|p| p.name == package) {
            missed.push(format!("{name}: {:?}", scan.packages));
        }
    }
    assert!(
        missed.is_empty(),
        "examples that yield no package: {missed:#?}"
    );
    // A name added to a target needs an example here (but the binary ones).
    let binary = ["bootstrap", "bin/server", "bun.lockb"];
    let targets = [
        &harness::NPM,
        &harness::PYTHON,
        &harness::CARGO,
        &harness::MAVEN,
        &harness::GO,
        &harness::RUBY,
        &harness::DOTNET,
    ];
    for target in targets {
        for name in target.files {
            let covered = cases
                .iter()
                .any(|(t, n, _, _)| t.files == target.files && n == name);
            assert!(covered || binary.contains(name), "no example for {name}");
        }
    }
}
