#!/bin/sh
# Installs the reference implementations the differential test compares against,
# outside the repository: `packaging` for the current python3, and node-semver
# into a scratch directory (default /tmp/lambda-audit-differential). Java's
# ComparableVersion comes from the Maven install (maven-artifact-*.jar); the test
# compiles MavenCompare.java itself. Go's golang.org/x/mod/semver and Ruby's
# Gem::Version come from Debian's packages (golang-go, golang-golang-x-mod-dev,
# ruby), installed with apt-get when missing and running as root; the test builds
# go_compare.go itself, offline, in GOPATH mode.
set -eu
need=""
command -v go >/dev/null 2>&1 || need="$need golang-go"
[ -e /usr/share/gocode/src/golang.org/x/mod/semver/semver.go ] || need="$need golang-golang-x-mod-dev"
command -v ruby >/dev/null 2>&1 || need="$need ruby"
if [ -n "$need" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  # Not fatal: without them only the Go and RubyGems checks skip.
  # shellcheck disable=SC2086
  (apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 &&
      apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1; }) || true
fi
SCRATCH="${LAMBDA_AUDIT_DIFFERENTIAL_DIR:-/tmp/lambda-audit-differential}"
python3 -c 'import packaging.version' 2>/dev/null || python3 -m pip install --quiet packaging
mkdir -p "$SCRATCH"
[ -d "$SCRATCH/node_modules/semver" ] || npm install --silent --prefix "$SCRATCH" semver
echo "ready: run LAMBDA_AUDIT_DIFFERENTIAL=1 cargo test -p lambda-audit-analyzer --test version_differential -- --nocapture"
