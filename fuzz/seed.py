#!/usr/bin/env python3
"""Builds the fuzzers' starting corpora in fuzz/seeds/<target>/ from fixtures/.

A manifest target's input is one byte that picks the file name (its index in
the target's list in src/harness.rs) followed by the file's contents, so each
evidence file found in the fixture archives is saved with its index in front.
Formats no fixture holds get a small hand-written example. Run it, fuzz from
the seeds, then `cargo fuzz cmin` into fuzz/corpus/ (see the README).
"""
import json
import os
import pathlib
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"

# Same order as NPM, PYTHON, CARGO, MAVEN (their `files`) in src/harness.rs.
NPM = ["package-lock.json", "npm-shrinkwrap.json", "node_modules/.package-lock.json",
       "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb", "package.json",
       "node_modules/x/package.json"]
PYTHON = ["requirements.txt", "poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock",
          "pylock.toml", "x-1.0.dist-info/METADATA", "x.egg-info/PKG-INFO",
          "requirements/base.txt"]
CARGO = ["Cargo.lock", "bootstrap"]
MAVEN = ["pom.xml", "META-INF/maven/g/a/pom.properties", "META-INF/MANIFEST.MF",
         "gradle.lockfile"]
# GO.files is ["bootstrap", ...]: index 0. RUBY.files: 0 Gemfile.lock, 2 a gemspec.
# BUNDLE_FILES: a bundle input is its files' contents joined by NUL bytes.

MAX_SEED = 64 * 1024


def kind(path):
    """(target, index) of an evidence file inside a fixture, or None."""
    name = path.rsplit("/", 1)[-1]
    if name == ".package-lock.json":
        return ("npm", 2)
    if name in ("package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock"):
        return ("npm", NPM.index(name))
    if name == "package.json":
        return ("npm", 8 if "node_modules/" in path else 7)
    if name == "METADATA" and ".dist-info/" in path:
        return ("python", 6)
    if name.startswith("requirements") and name.endswith(".txt"):
        return ("python", 0)
    if name in ("poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "pylock.toml"):
        return ("python", PYTHON.index(name))
    if name == "Cargo.lock":
        return ("cargo", 0)
    if name == "bootstrap":
        return ("cargo", 1)
    if name in ("Gemfile.lock", "gems.locked"):
        return ("ruby", 0)
    if name.endswith(".gemspec") and "/specifications/" in path:
        return ("ruby", 2)
    if name.endswith(".deps.json"):
        return ("dotnet", 0)
    if name == "pom.xml":
        return ("maven", 0)
    if name == "pom.properties":
        return ("maven", 1)
    if name == "MANIFEST.MF":
        return ("maven", 2)
    return None


def save(target, data, label):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    safe = label.replace("/", "_")[-80:]
    (folder / safe).write_bytes(data)


def main():
    fixtures = ROOT / "fixtures"
    for archive in sorted((fixtures / "corpus").glob("*")):
        if archive.suffix not in (".zip", ".jar"):
            continue
        data = archive.read_bytes()
        if len(data) <= 1 << 20:
            save("archive", data, archive.name)
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                found = kind(info.filename)
                if found is None or info.file_size > MAX_SEED and found != ("cargo", 1):
                    continue
                target, index = found
                body = z.read(info)
                if found == ("cargo", 1) and len(body) > 4 << 20:
                    continue  # go-bootstrap: go_seed() makes a small one
                save(target, bytes([index]) + body, f"{archive.stem}-{info.filename}")
    for deps in sorted((fixtures / "dotnet").rglob("*.deps.json")):
        save("dotnet", b"\0" + deps.read_bytes(), deps.name)
    go_seed(fixtures / "corpus" / "go-bootstrap.zip")
    for name, parts in BUNDLES.items():
        save("bundle", b"\0".join(p.encode() for p in parts), name)
    for record in sorted((fixtures / "osv").glob("*.json")):
        save("osv", record.read_bytes(), record.name)
    for name, record in OSV_RECORDS.items():
        save("osv", json.dumps(record, indent=1).encode(), name)
    for name, text in HAND_WRITTEN.items():
        target, index, body = text
        save(target, bytes([index]) + body.encode(), name)
    for name, text in VERSIONS.items():
        save("version", text.encode(), name)
    save("cyclonedx", CYCLONEDX.encode(), "bom.cdx.json")


def go_seed(archive):
    """A small Go ELF: the fixture's executable with only its build info
    section kept (objcopy), as a `go` input."""
    import subprocess
    import tempfile
    with zipfile.ZipFile(archive) as z, tempfile.TemporaryDirectory() as tmp:
        full = pathlib.Path(tmp) / "bootstrap"
        full.write_bytes(z.read("bootstrap"))
        small = pathlib.Path(tmp) / "small"
        subprocess.run(["objcopy", "--only-section=.go.buildinfo", str(full), str(small)],
                       check=True)
        save("go", b"\0" + small.read_bytes(), "go-bootstrap-buildinfo")


def osv_record(ident, ecosystem, name, ranges, versions=(), **extra):
    """A hand-written OSV record (schema 1.6) for one package."""
    affected = {"package": {"ecosystem": ecosystem, "name": name}, "ranges": ranges}
    if versions:
        affected["versions"] = list(versions)
    record = {"schema_version": "1.6.0", "id": ident, "modified": "2026-11-01T00:00:00Z",
              "aliases": [f"CVE-2026-{ident[-4:]}"], "affected": [affected],
              "database_specific": {"severity": "HIGH"}}
    record.update(extra)
    return record


def events(*pairs):
    return [{kind: version} for kind, version in pairs]


# One record per ecosystem the matcher knows (fixtures/osv has only npm), so
# the `osv` target matches under every ecosystem's version rules from its
# first run instead of waiting for a mutation to spell the ecosystem's name.
OSV_RECORDS = {
    "seed-pypi.json": osv_record("SEED-PYPI-0001", "PyPI", "Jinja2", [
        {"type": "ECOSYSTEM", "events": events(("introduced", "0"), ("fixed", "2.10.1"))},
        {"type": "ECOSYSTEM", "events": events(("introduced", "3.0.0a1"), ("last_affected", "3.1.2"))},
    ], versions=["2.10", "2.10.post1", "3.0.0rc2", "1!1.0.dev3"]),
    "seed-crates.json": osv_record("SEED-CRATES-0001", "crates.io", "smallvec", [
        {"type": "SEMVER", "events": events(("introduced", "0.6.3"), ("fixed", "0.6.14"),
                                            ("introduced", "1.0.0-alpha.1"), ("fixed", "1.6.1"))},
    ]),
    "seed-maven.json": osv_record("SEED-MAVEN-0001", "Maven", "org.apache.logging.log4j:log4j-core", [
        {"type": "ECOSYSTEM", "events": events(("introduced", "2.0-beta9"), ("fixed", "2.3.1"),
                                               ("introduced", "2.4"), ("fixed", "2.12.2"),
                                               ("introduced", "2.13.0"), ("fixed", "2.15.0"))},
    ], versions=["2.0-rc1", "2.14.1", "2.15.0-SNAPSHOT", "2.1.Final"]),
    "seed-go.json": osv_record("SEED-GO-0001", "Go", "golang.org/x/net", [
        {"type": "SEMVER", "events": events(("introduced", "0"), ("fixed", "0.7.0"))},
        {"type": "SEMVER", "events": events(("introduced", "0.0.0-20190101000000-abcdefabcdef"),
                                            ("limit", "0.1.0"))},
    ], versions=["0.6.0", "0.0.0-20211209124913-491a49abca63"]),
    "seed-rubygems.json": osv_record("SEED-GEM-0001", "RubyGems", "rack", [
        {"type": "ECOSYSTEM", "events": events(("introduced", "0"), ("fixed", "2.2.6.3"),
                                               ("introduced", "3.0.0.beta1"), ("fixed", "3.0.4.2"))},
    ], versions=["2.2.3", "3.0.0.rc1"]),
    "seed-nuget.json": osv_record("SEED-NUGET-0001", "NuGet", "Newtonsoft.Json", [
        {"type": "ECOSYSTEM", "events": events(("introduced", "0"), ("fixed", "13.0.1"))},
        {"type": "ECOSYSTEM", "events": events(("introduced", "4.0.0-preview.1"), ("last_affected", "4.5.0"))},
    ], versions=["12.0.3", "13.0.1-beta1"]),
    "seed-npm-git.json": osv_record("SEED-NPM-0001", "npm", "@scope/pkg", [
        {"type": "SEMVER", "events": events(("introduced", "1.0.0-rc.1"), ("last_affected", "1.4.2"))},
        {"type": "GIT", "repo": "https://example.invalid/pkg",
         "events": events(("introduced", "0"), ("fixed", "abcdef0"))},
    ], withdrawn="2026-11-02T00:00:00Z",
        severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]),
}


HAND_WRITTEN = {
    "yarn-v1": ("npm", 3, '# yarn lockfile v1\n\n"ms@^2.0.0", ms@2.1.2:\n  version "2.1.2"\n  resolved "https://registry.yarnpkg.com/ms/-/ms-2.1.2.tgz"\n'),
    "yarn-berry": ("npm", 3, '__metadata:\n  version: 6\n\n"ms@npm:^2.1.2":\n  version: 2.1.2\n  resolution: "ms@npm:2.1.2"\n'),
    "pnpm": ("npm", 4, "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      ms:\n        specifier: ^2.1.2\n        version: 2.1.2\npackages:\n  ms@2.1.2:\n    resolution: {integrity: sha512-x}\nsnapshots:\n  ms@2.1.2: {}\n"),
    "bun": ("npm", 5, '{\n  "lockfileVersion": 1,\n  "workspaces": { "": { "name": "app", "dependencies": { "ms": "^2.1.2" } } },\n  "packages": {\n    "ms": ["ms@2.1.2", "", {}, "sha512-x"],\n    "ms/debug": ["debug@4.3.4", "", { "dependencies": { "ms": "2.1.2" } }, "sha512-y"]\n  }\n}\n'),
    "poetry": ("python", 1, '[[package]]\nname = "requests"\nversion = "2.19.0"\noptional = false\npython-versions = "*"\n\n[metadata]\nlock-version = "2.0"\n'),
    "uv": ("python", 2, 'version = 1\n\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\ndependencies = [{ name = "idna" }]\n\n[[package]]\nname = "idna"\nversion = "2.7"\nsource = { registry = "https://pypi.org/simple" }\n'),
    "pdm": ("python", 3, '[metadata]\nlock_version = "4.4"\n\n[[package]]\nname = "urllib3"\nversion = "1.24.1"\ngroups = ["default"]\n'),
    "pipfile": ("python", 4, '{"_meta": {"hash": {"sha256": "x"}}, "default": {"django": {"version": "==2.2.0"}}, "develop": {"pytest": {"version": "==7.0.0"}}}'),
    "pylock": ("python", 5, 'lock-version = "1.0"\ncreated-by = "x"\n\n[[packages]]\nname = "jinja2"\nversion = "2.10"\n'),
    "requirements-include": ("python", 0, "-r requirements/base.txt\nflask==0.12.2 ; python_version >= '3.6'\nurllib3[socks]===1.24.1 \\\n  --hash=sha256:abc\n"),
    "pkg-info": ("python", 7, "Metadata-Version: 1.1\nName: six\nVersion: 1.15.0\n"),
    "gradle": ("maven", 3, "# Gradle lockfile\norg.yaml:snakeyaml:1.33=compileClasspath,runtimeClasspath\ncom.google.guava:guava:30.0-jre=testRuntimeClasspath\nempty=\n"),
    "gems-locked": ("ruby", 1, "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.3)\n    sinatra (2.0.0)\n      rack (~> 2.0)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  sinatra\n\nBUNDLED WITH\n   2.3.7\n"),
    "default-gemspec": ("ruby", 3, '# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = "json".freeze\n  s.version = "2.6.1"\nend\n'),
    "pom-props": ("maven", 0, '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>g</groupId><artifactId>a</artifactId><version>1</version><properties><v>2.14.1</v></properties><dependencies><dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>${v}</version></dependency></dependencies></project>'),
}

BUNDLES = {
    "region-comments": ['// node_modules/ms/index.js\nvar ms = 1;\n// node_modules/@aws/x/dist/a.js\n/*! lodash v4.17.15 | MIT */\n//# sourceMappingURL=index.js.map\n',
                        '{"version":3,"sources":["../node_modules/ms/index.js","../node_modules/.pnpm/axios@0.21.1/node_modules/axios/index.js"],"sourcesContent":["/* ms */","{\\"name\\":\\"axios\\",\\"version\\":\\"0.21.1\\"}"],"mappings":"AAAA"}'],
    "metafile": ['var a=1;', '', '{"inputs":{"node_modules/ms/index.js":{"bytes":1}},"outputs":{"index.js":{"inputs":{"node_modules/ms/index.js":{"bytesInOutput":1}}}}}',
                 '/*! For license information please see index.js.LICENSE.txt */\n/** @license React v16.8.0 */',
                 '{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/ms":{"version":"2.1.2"}}}',
                 '{"name":"x","version":"1.0.0"}'],
    "webpack-inline": ['(()=>{var e={123:(e,t,n)=>{"use strict";e.exports=JSON.parse(\'{"name":"minimist","version":"1.2.0"}\')},"./node_modules/lodash/lodash.js":e=>{}}})();\n//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbIndlYnBhY2s6Ly8vLi9ub2RlX21vZHVsZXMvbG9kYXNoL2xvZGFzaC5qcyJdLCJtYXBwaW5ncyI6IiJ9\n'],
    "sections": ['x()', '{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["node_modules/ms/index.js"],"mappings":""}}]}'],
}

VERSIONS = {
    "semver": "1.2.3-beta.1+build\n1.2.3",
    "pep440": "1!2.0rc1.post2.dev3+local.7\n2.0",
    "maven": "1.0-SNAPSHOT\n1.0.0.RELEASE",
    "cargo": "0.3.0-alpha.1\n0.3.0",
    "go": "v1.2.3-pre.0.20230101000000-abcdef123456\nv1.2.3+incompatible\nv1.10.0",
    "rubygems": "1.0.0.pre.a\n1.0.0-b\n1.0",
    "nuget": "1.0.0-Beta.2+meta\n1.0.0.0\n1.0.0-beta.10",
}

CYCLONEDX = '{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"name":"fn","purl":"pkg:npm/fn@1.0.0"},"properties":[{"name":"lambda-audit:incomplete","value":"f.zip: x: y"}]},"components":[{"name":"lodash","purl":"pkg:npm/lodash@4.17.15","properties":[{"name":"lambda-audit:role","value":"root"}],"components":[{"name":"x","purl":"pkg:maven/org.x/y@1.0"}]},{"name":"n","purl":"pkg:pypi/Django@2.2"},{"name":"c","purl":"pkg:cargo/time@0.1.43"}]}'

if __name__ == "__main__":
    main()
