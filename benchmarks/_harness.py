"""Shared benchmark plumbing: interleaved timing, tables, JSON output.

Methods are run alternately (A B C A B C ...) so that a noisy minute of a
shared machine hits every method alike; we report medians, min and max.
"""

import argparse
import json
import platform
import time

import numpy as np


def parse_args(description, flags=()):
    """``--quick``, ``--out``, ``--repeats`` and the script's own boolean
    ``flags`` (pairs of name and help)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="smoke run, < 1 minute")
    parser.add_argument("--out", help="write the figures to this JSON file")
    parser.add_argument("--repeats", type=int, default=None)
    for name, help_text in flags:
        parser.add_argument(name, action="store_true", help=help_text)
    return parser.parse_args()


def standardized_split(X, y, seed, test_size=0.25):
    """A stratified split, standardized on the training part, without the
    columns that are constant there: ``X_tr, X_te, y_tr, y_te``."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    live = X_tr.std(axis=0) > 0
    scaler = StandardScaler().fit(X_tr[:, live])
    X_tr, X_te = scaler.transform(X_tr[:, live]), scaler.transform(X_te[:, live])
    return X_tr, X_te, y_tr, y_te


def run_interleaved(methods, repeats):
    """Run each ``name -> callable`` ``repeats`` times, alternating.

    Returns ``{name: {"result": last result, "times": [seconds, ...]}}``.
    """
    out = {name: {"times": []} for name in methods}
    for _ in range(repeats):
        for name, function in methods.items():
            start = time.perf_counter()
            result = function()
            out[name]["times"].append(time.perf_counter() - start)
            out[name]["result"] = result
    return out


def time_summary(times):
    times = np.asarray(times)
    return {
        "median": float(np.median(times)),
        "min": float(times.min()),
        "max": float(times.max()),
    }


def print_table(rows, columns):
    """Print ``rows`` (dicts) as an aligned text table of ``columns``."""
    cells = [[_fmt(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)))


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return "" if value is None else str(value)


def write_json(path, payload):
    if not path:
        return
    payload = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        **payload,
    }
    with open(path, "w") as f:
        json.dump(payload, f, indent=2, default=float)
    print(f"\nfigures written to {path}")
