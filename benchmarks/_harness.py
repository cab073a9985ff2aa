"""Shared benchmark plumbing: the command line, splits, label noise,
interleaved timing, tables, JSON output.

Methods are run alternately (A B C A B C ...) so that a noisy minute of a
shared machine hits every method alike; we report medians, min and max.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

# ``help=HIDDEN``: an option the script passes to itself, left out of --help
HIDDEN = argparse.SUPPRESS


def parse_args(
    description,
    flags=(),
    options=(),
    *,
    quick="smoke run, < 1 minute",
    repeats=None,
):
    """``--quick``, ``--out``, ``--repeats`` and the script's own options.

    Parameters
    ----------
    description : str
        The text of ``--help``.
    flags : sequence of (name, help)
        Boolean options (``action="store_true"``).
    options : sequence of (name, dict)
        Any other option: its name and the keywords of
        ``ArgumentParser.add_argument`` (``type``, ``default``, ``help``;
        ``help=HIDDEN`` leaves it out of ``--help``). A ``type`` is applied to
        a string default too, so a ``type`` that rejects a value (raising
        ``argparse.ArgumentTypeError``) checks the default as well.
    quick, repeats : str
        The help of ``--quick`` and ``--repeats`` (what a repeat is: splits,
        seeds, ...).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--out", help="write the figures to this JSON file")
    parser.add_argument("--repeats", type=int, default=None, help=repeats)
    for name, help_text in flags:
        parser.add_argument(name, action="store_true", help=help_text)
    for name, keywords in options:
        parser.add_argument(name, **keywords)
    return parser.parse_args()


def standardized_split(
    X,
    y,
    seed,
    test_size=0.25,
    *,
    train_size=None,
    stratify=True,
    drop_constant=True,
):
    """A split standardized on its training part: ``X_tr, X_te, y_tr, y_te``.

    ``test_size``, ``train_size`` and ``seed`` (the ``random_state``) as in
    ``train_test_split``, stratified by ``y`` unless ``stratify=False``;
    ``drop_constant``: without the columns that are constant on the training
    rows (they carry nothing, and abess refuses them).
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X_tr, X_te, y_tr, y_te = train_test_split(
        X,
        y,
        test_size=test_size,
        train_size=train_size,
        stratify=y if stratify else None,
        random_state=seed,
    )
    if drop_constant:
        live = X_tr.std(axis=0) > 0
        X_tr, X_te = X_tr[:, live], X_te[:, live]
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te


def flip_labels(y, rate, rng, *, exact=True, new_class="shift"):
    """``y`` (class codes 0 ... K-1) with entries moved uniformly at random to
    another class, drawn from the ``RandomState`` ``rng``.

    ``exact``: ``round(rate * len(y))`` rows, drawn without replacement;
    otherwise each row with probability ``rate``. Each flipped row then draws
    ``u`` uniformly from 0 ... K-2, its new class being ``(y + 1 + u) % K``
    (``new_class="shift"``) or the ``u``-th of the other classes in
    increasing order (``"ordered"``): the same distribution, two spellings
    the scripts' figures were first drawn with.
    """
    y = y.copy()
    n_classes = y.max() + 1
    if exact:
        rows = rng.choice(len(y), round(rate * len(y)), replace=False)
    else:
        rows = np.flatnonzero(rng.rand(len(y)) < rate)
    u = rng.randint(0, n_classes - 1, len(rows))
    if new_class == "shift":
        y[rows] = (y[rows] + 1 + u) % n_classes
    elif new_class == "ordered":
        y[rows] = u + (u >= y[rows])
    else:
        raise ValueError(f"new_class is 'shift' or 'ordered', got {new_class!r}")
    return y


def timed(function, *args, **kwargs):
    """``(function(*args, **kwargs), the seconds it took)``."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def run_interleaved(methods, repeats, *, seeded=False):
    """Run each ``name -> callable`` ``repeats`` times, alternating.

    ``seeded``: each callable is given the repeat's index (0, 1, ...), for
    methods whose ``random_state`` follows the repeat.

    Returns ``{name: {"result": last result, "results": [one per repeat],
    "times": [seconds, ...]}}``.
    """
    out = {name: {"times": [], "results": []} for name in methods}
    for repeat in range(repeats):
        for name, function in methods.items():
            result, seconds = timed(function, *((repeat,) if seeded else ()))
            out[name]["times"].append(seconds)
            out[name]["results"].append(result)
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


def _script_path():
    """The running script as ``benchmarks/bench_X.py``."""
    script = Path(sys.argv[0])
    return f"{script.parent.name}/{script.name}"


def write_json(path, payload):
    if not path:
        return
    payload = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        # the command that wrote the file, which the documentation's tables
        # print beside the figures they read from it
        "command": " ".join(["python", _script_path(), *sys.argv[1:]]),
        **payload,
    }
    with open(path, "w") as f:
        json.dump(payload, f, indent=2, default=float)
    print(f"\nfigures written to {path}")
