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
