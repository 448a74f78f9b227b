#!/bin/sh
# Installs the reference implementations the differential test compares against,
# outside the repository: `packaging` for the current python3, and node-semver
# into a scratch directory (default /tmp/lambda-audit-differential). Java's
# ComparableVersion comes from the Maven install (maven-artifact-*.jar); the test
# compiles MavenCompare.java itself.
set -eu
SCRATCH="${LAMBDA_AUDIT_DIFFERENTIAL_DIR:-/tmp/lambda-audit-differential}"
python3 -c 'import packaging.version' 2>/dev/null || python3 -m pip install --quiet packaging
mkdir -p "$SCRATCH"
[ -d "$SCRATCH/node_modules/semver" ] || npm install --silent --prefix "$SCRATCH" semver
echo "ready: run LAMBDA_AUDIT_DIFFERENTIAL=1 cargo test -p lambda-audit-analyzer --test version_differential -- --nocapture"
