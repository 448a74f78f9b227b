#!/usr/bin/env bash
# The whole test suite, as README.md documents it. Installs the Python tools the
# tests drive (the moto AWS emulator, cfn-lint, packaging), points the tests at
# ../shared when it exists, and runs every test in the workspace.
#
# No green run checks less than it says: a test that cannot run its check (no
# ../shared, schemas, moto, cfn-lint or reference implementation) skips through
# testkit::skip, which fails the test when LAMBDA_AUDIT_REQUIRE_SHARED=1 (set
# here whenever the shared data is there) and is otherwise listed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check \
  'moto[server]==5.*' 'cfn-lint==1.*' 'packaging>=23' >/dev/null

shared="${LAMBDA_AUDIT_SHARED:-$(cd .. && pwd)/shared}"
if [ -d "$shared/advisories" ]; then
  export LAMBDA_AUDIT_SHARED="$shared"
  export LAMBDA_AUDIT_DB="${LAMBDA_AUDIT_DB:-$shared/advisories}"
  export LAMBDA_AUDIT_SCHEMAS="${LAMBDA_AUDIT_SCHEMAS:-$shared/schemas}"
  export LAMBDA_AUDIT_KEV="${LAMBDA_AUDIT_KEV:-$shared/kev/known_exploited_vulnerabilities.json}"
  export LAMBDA_AUDIT_REQUIRE_SHARED="${LAMBDA_AUDIT_REQUIRE_SHARED:-1}"
else
  echo "NOTE: no shared data at $shared: tests that need the full advisory data, the corpus or the" >&2
  echo "      official schemas will say SKIPPED; everything else runs on bundled fixtures." >&2
fi

# Differential check of version ordering against the ecosystems' own
# implementations (Python packaging, node-semver, Maven's ComparableVersion).
# Maven's own ComparableVersion ships in Debian's libmaven3-core-java.
if [ ! -e /usr/share/java/maven3-artifact.jar ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get install -y -qq --no-install-recommends libmaven3-core-java >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 &&
      apt-get install -y -qq --no-install-recommends libmaven3-core-java >/dev/null 2>&1; }) || true
fi
if [ -e /usr/share/java/maven3-artifact.jar ]; then
  export LAMBDA_AUDIT_MAVEN_ARTIFACT_JAR="${LAMBDA_AUDIT_MAVEN_ARTIFACT_JAR:-/usr/share/java/maven3-artifact.jar}"
fi
if bash tools/differential/setup.sh >/dev/null 2>&1; then
  export LAMBDA_AUDIT_DIFFERENTIAL=1
else
  echo "NOTE: tools/differential/setup.sh failed; the differential tests will say SKIPPED" >&2
fi

# --- A real Go binary of the pre-1.18 build-info format (cover14) ---
# Debian bullseye's cli-spinner, built by golang-1.15 in GOPATH mode (its build
# info holds the Go version, no modules; bookworm has no Go binary older than
# 1.18). Fetched with apt-get through a private list of the bullseye suite of
# the system's own Debian mirror (the system's sources are left as they are),
# checked by its sha256 and unpacked to a scratch folder; the Go differential
# test compares the extractor with `go version -m` on it.
go_pre118_deb="cli-spinner=0.0~git20150423.610063b-4+b16"
go_pre118_sha256="c634a8882bf79be5d140fbd4968c5ca9bc2a7ecb54693e89da367085a9cd36be"
go_pre118_dir="${TMPDIR:-/tmp}/lambda-audit-go-pre118"
go_pre118_bin="$go_pre118_dir/root/usr/bin/cli-spinner"
if [ ! -x "$go_pre118_bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null &&
  command -v dpkg-deb >/dev/null; then
  (
    set -e
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
    [ -n "$mirror" ]
    apt_dir="$go_pre118_dir/apt"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    echo "deb $mirror bullseye main" >"$apt_dir/sources.list"
    apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
    apt-get -qq "${apt_opts[@]}" update
    cd "$go_pre118_dir"
    rm -f ./*.deb
    apt-get -qq "${apt_opts[@]}" download "$go_pre118_deb"
    echo "$go_pre118_sha256  $(ls ./*.deb)" | sha256sum -c --quiet
    dpkg-deb -x ./*.deb "$go_pre118_dir/root"
  ) >/dev/null 2>&1 || echo "NOTE: could not fetch $go_pre118_deb; the pre-1.18 Go test will say SKIPPED" >&2
fi
if [ -x "$go_pre118_bin" ]; then
  export LAMBDA_AUDIT_GO_PRE118_BINARY="${LAMBDA_AUDIT_GO_PRE118_BINARY:-$go_pre118_bin}"
fi
# --- end of the pre-1.18 Go binary ---

# Every skip appends one line here; the summary below lists them.
skip_log=$(mktemp "${TMPDIR:-/tmp}/lambda-audit-skips.XXXXXX")
trap 'rm -f "$skip_log"' EXIT
export LAMBDA_AUDIT_SKIP_LOG="$skip_log"

status=0
cargo test --workspace --no-fail-fast "$@" || status=$?

skips=$(sort -u "$skip_log")
if [ -n "$skips" ]; then
  echo >&2
  echo "$(printf '%s\n' "$skips" | wc -l | tr -d ' ') tests SKIPPED (they checked nothing, or less than they say):" >&2
  printf '%s\n' "$skips" | sed 's/^/  /' >&2
  if [ "${LAMBDA_AUDIT_REQUIRE_SHARED:-}" != 1 ]; then
    echo "  (with ../shared beside the repository, scripts/test.sh runs them all and fails on any skip)" >&2
  fi
fi
exit "$status"
