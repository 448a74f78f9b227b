#!/usr/bin/env node
// Reference SemVer 2.0 precedence for lambda-audit's differential test, from
// node-semver (the module npm itself uses), strict mode.
//
// Reads a file of version pairs, one pair per line as `a<TAB>b` (UTF-8, lines
// split on "\n" only), and prints one line per pair: -1, 0 or 1 as
// `semver.compare(a, b)` (build metadata ignored), or `ERR <message>` when
// either string is not a valid version.
// Usage: SEMVER_MODULE=/path/to/node_modules/semver node semver_compare.js PAIRS_FILE
'use strict';

const fs = require('fs');
const semver = require(process.env.SEMVER_MODULE || 'semver');

function order(a, b) {
  try {
    return String(semver.compare(new semver.SemVer(a), new semver.SemVer(b)));
  } catch (e) {
    return 'ERR ' + e.message;
  }
}

function main() {
  if (process.argv.length !== 3) {
    process.stderr.write('usage: semver_compare.js PAIRS_FILE\n');
    return 2;
  }
  const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const out = lines.map((line) => {
    const tab = line.indexOf('\t');
    return tab < 0 ? 'ERR malformed line' : order(line.slice(0, tab), line.slice(tab + 1));
  });
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
  return 0;
}

process.exitCode = main();
