#!/usr/bin/env bash
# The whole test suite, as README.md documents it. Installs the Python tools the
# tests drive (the moto AWS emulator, cfn-lint, packaging), points the tests at
# ../shared when it exists, and runs every test in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check \
  'moto[server]==5.*' 'cfn-lint==1.*' 'packaging>=23' >/dev/null

shared=$(cd .. && pwd)/shared
if [ -d "$shared/advisories" ]; then
  export LAMBDA_AUDIT_SHARED="${LAMBDA_AUDIT_SHARED:-$shared}"
  export LAMBDA_AUDIT_DB="${LAMBDA_AUDIT_DB:-$shared/advisories}"
  export LAMBDA_AUDIT_SCHEMAS="${LAMBDA_AUDIT_SCHEMAS:-$shared/schemas}"
else
  echo "NOTE: ../shared not found: tests that need the full advisory data, the corpus or the" >&2
  echo "      official schemas will say SKIPPED; everything else runs on bundled fixtures." >&2
fi

cargo test --workspace "$@"
