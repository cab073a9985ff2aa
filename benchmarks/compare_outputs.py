"""Compare two folders of benchmark JSON outputs, timings and memory aside.

A change that should not move a figure (a restructuring, a rename) runs every
benchmark's ``--quick`` before and after, each into its own folder, then::

    python benchmarks/compare_outputs.py before/ after/

Every value whose path names a time, a speed, a memory figure or the machine
is set aside (the pattern below); every other value must be equal (NaN equals
NaN). Prints each differing value and exits 1 when there is one.
"""

import argparse
import json
import math
import re
import sys
from pathlib import Path

MEASURED = re.compile(
    # seconds, their ratios, speeds, memory and the machine
    r"time|second|_s\b|\(s\)|speed|time_ratio|ratio \(|^/rows\[\]/ratio$|"
    r"memory|MB|peak|worker|client/kept|rows/s|machine|python|platform|cpu|"
    r"elapsed|^/(rows|summary)\[\]/(fit|find)$|/results/\w+/(fit|pass)$|/times/",
    re.I,
)


def leaves(value, path=""):
    """``(path, value)`` for every scalar of a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def differences(before, after):
    """Differing non-measured values of two JSON documents, as text lines."""
    a, b = dict(leaves(before)), dict(leaves(after))
    for path in sorted(set(a) ^ set(b)):
        yield f"{path}: only in {'before' if path in a else 'after'}"
    for path in sorted(set(a) & set(b)):
        if not MEASURED.search(re.sub(r"\[\d+\]", "[]", path)):
            if not same(a[path], b[path]):
                yield f"{path}: {a[path]!r} -> {b[path]!r}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    n_files = n_diff = 0
    for path in sorted(args.before.glob("*.json")):
        other = args.after / path.name
        if not other.exists():
            print(f"{path.name}: missing after")
            n_diff += 1
            continue
        n_files += 1
        for line in differences(
            json.loads(path.read_text()), json.loads(other.read_text())
        ):
            print(f"{path.name} {line}")
            n_diff += 1
    print(f"{n_files} files compared, {n_diff} differences (timings and memory aside)")
    return 1 if n_diff else 0


if __name__ == "__main__":
    sys.exit(main())
