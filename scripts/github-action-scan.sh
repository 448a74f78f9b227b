#!/usr/bin/env bash
# The scan step of action.yml (also usable in any CI that sets the same
# variables). Inputs come as environment variables, never interpolated into
# the script: LA_PATH, LA_LAYERS, LA_FAIL_ON, LA_FORMAT, LA_OUTPUT, LA_CONFIG,
# LA_DATABASE (`update`: fetch the exports first; `none`: use what is
# configured, i.e. LAMBDA_AUDIT_DB, the cache, else the starter set; else a
# --db path). Writes `exit-code` and `sarif-file` to $GITHUB_OUTPUT and the
# Markdown report to $GITHUB_STEP_SUMMARY; exits 0 (the action's Gate step
# decides) unless the script itself is misused.
#
# Package names and advisory text are untrusted: everything lambda-audit
# prints goes between `::stop-commands::TOKEN` and `::TOKEN::`, so a line such
# as `::add-mask::` or `::error::` inside a report is printed, never obeyed.
set -uo pipefail

: "${GITHUB_OUTPUT:?not running under GitHub Actions (GITHUB_OUTPUT unset)}"
: "${RUNNER_TEMP:=${TMPDIR:-/tmp}}"

target=()
[[ -n "${LA_PATH:-}" ]] && target=("$LA_PATH")
common=()
for layer in ${LA_LAYERS:-}; do common+=(--layer "$layer"); done
[[ -n "${LA_CONFIG:-}" ]] && common+=(--config "$LA_CONFIG")
database="${LA_DATABASE:-update}"
case "$database" in
  update | none) ;;
  *) common+=(--db "$database") ;;
esac

token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
echo "::stop-commands::${token}"

if [[ "$database" == update ]]; then
  lambda-audit db update || echo "lambda-audit: db update failed; scanning with the database already cached, if any" >&2
fi

sarif="$RUNNER_TEMP/lambda-audit.sarif"
lambda-audit scan ${target[@]+"${target[@]}"} ${common[@]+"${common[@]}"} \
  --fail-on "${LA_FAIL_ON:-any}" --format sarif --output "$sarif"
code=$?

summary="$RUNNER_TEMP/lambda-audit-summary.md"
rm -f "$summary"
lambda-audit scan ${target[@]+"${target[@]}"} ${common[@]+"${common[@]}"} \
  --fail-on none --format markdown --output "$summary" 2>/dev/null
if [[ -s "$summary" ]]; then
  [[ -n "${GITHUB_STEP_SUMMARY:-}" ]] && cat "$summary" >> "$GITHUB_STEP_SUMMARY"
  cat "$summary"
fi

if [[ -n "${LA_FORMAT:-}" ]]; then
  lambda-audit scan ${target[@]+"${target[@]}"} ${common[@]+"${common[@]}"} \
    --fail-on none --format "$LA_FORMAT" --output "${LA_OUTPUT:-lambda-audit-report}" 2>/dev/null \
    || echo "lambda-audit: the $LA_FORMAT report could not be written" >&2
fi

echo "::${token}::"
{
  echo "exit-code=${code}"
  [[ -s "$sarif" ]] && echo "sarif-file=${sarif}"
} >> "$GITHUB_OUTPUT"
exit 0
