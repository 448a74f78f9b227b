#!/usr/bin/env python3
"""Reference PEP 440 ordering for lambda-audit's differential test.

Reads a file of version pairs, one pair per line as `a<TAB>b` (UTF-8, lines split
on "\\n" only), and prints one line per pair: -1, 0 or 1 as `packaging.version`
orders a against b, or `ERR <message>` when either string is not a valid version.
Usage: pep440_compare.py PAIRS_FILE
"""

import sys

from packaging.version import InvalidVersion, Version


def order(a: str, b: str) -> str:
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion as exc:
        return f"ERR {exc}"
    return str((va > vb) - (va < vb))


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8", newline="") as pairs:
        lines = pairs.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for line in lines:
        a, sep, b = line.partition("\t")
        out.append(order(a, b) if sep else "ERR malformed line")
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
