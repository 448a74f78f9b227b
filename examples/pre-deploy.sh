#!/usr/bin/env bash
# Pre-deploy gate: scan the deployment package (and its layers) with
# lambda-audit and stop the deploy when it finds vulnerable dependencies at or
# above the threshold.
#
#   examples/pre-deploy.sh dist/function.zip --layer dist/layer.zip && ./deploy.sh
#   examples/pre-deploy.sh      # no path: the SAM / Serverless / CDK build outputs here
#
# Any `lambda-audit scan` option may follow. The threshold is --fail-on when
# given, else $LAMBDA_AUDIT_FAIL_ON, else `high`.
# Exit: 0 the deploy may go on; 1 blocked by findings; 2 the scan failed (also blocks).
set -uo pipefail

if ! command -v lambda-audit >/dev/null 2>&1; then
  echo "pre-deploy: lambda-audit is not on PATH" >&2
  exit 2
fi

threshold=(--fail-on "${LAMBDA_AUDIT_FAIL_ON:-high}")
for arg in "$@"; do
  case "$arg" in
    --fail-on | --fail-on=*) threshold=() ;;
  esac
done

lambda-audit scan "$@" ${threshold[@]+"${threshold[@]}"} --format table
status=$?

case "$status" in
  0) echo "pre-deploy: lambda-audit passed; the deploy may go on" >&2 ;;
  1) echo "pre-deploy: vulnerable dependencies at or above the threshold; deploy stopped" >&2 ;;
  *) echo "pre-deploy: lambda-audit failed (exit $status); deploy stopped" >&2 ;;
esac
exit "$status"
