"""Target 2: the whole accuracy-vs-size path, skprune vs RFE vs an L1 path.

``make_classification(n_samples=20000, n_features=200, n_informative=10,
n_redundant=10, random_state=0)``, standardized, 75/25 split. Levels: 20
geometric kept counts from 200 down to 2.

- skprune: ``logistic_pruning_path(X, y, n_keeps=levels)`` (defaults), one
  warm-started pass, every level refit;
- RFE with ``step`` = the gap between levels: at each level, a
  ``LogisticRegression`` is fit on the current features and the ``gap``
  features with the smallest ``|coef|`` are dropped (what
  ``RFE(step=gap)`` does), the fit on the new support being both that level's
  refit and the next ranking fit: one fit per level, the cheapest way to get
  a curve out of RFE;
- L1, warm-started ``saga`` over 30 values of C from ``l1_min_c`` up 1000-fold
  (every level reachable); at each level, the path model with the most
  features <= k (the most accurate of equal-size ones), refit as it is (no
  debiasing);
- L1 with ``liblinear`` (the solver a skilled user picks for binary L1), same
  grid, no warm start (liblinear has none).

Timings interleaved (skprune, RFE, L1, skprune, ...), medians over repeats;
accuracy is test accuracy averaged over the levels.

    python benchmarks/bench_logistic_path.py [--quick] [--repeats N] [--out F]
"""

import warnings
from functools import partial

import _harness as harness
import numpy as np
from _l1 import l1_accuracy_at, l1_path
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.svm import l1_min_c

from skprune import logistic_pruning_path


def accuracy(coef, intercept, X, y):
    return float(np.mean(((X @ coef.ravel() + intercept[0]) > 0) == y))


def skprune_path(X, y, X_te, y_te, levels):
    n_keeps, coefs, intercepts, _ = logistic_pruning_path(X, y, n_keeps=levels)
    by_level = dict(
        zip(n_keeps.tolist(), zip(coefs, intercepts, strict=True), strict=True)
    )
    return [accuracy(*by_level[k], X_te, y_te) for k in levels]


def rfe_path(X, y, X_te, y_te, levels):
    support = np.arange(X.shape[1])
    model = LogisticRegression().fit(X, y)
    scores = []
    for k in levels:
        if k < support.size:
            order = np.argsort(np.abs(model.coef_[0]), kind="stable")
            support = np.sort(support[order[support.size - k :]])
            model = LogisticRegression().fit(X[:, support], y)
        scores.append(float(model.score(X_te[:, support], y_te)))
    return scores


def l1_scores(X, y, X_te, y_te, levels, solver):
    """The L1 path over 30 C from ``l1_min_c`` up 1000-fold, read at every
    level (of equal-size models, the most accurate)."""
    grid = l1_min_c(X, y, loss="log") * np.logspace(0, 3, 30)
    path = l1_path(X, y, X_te, y_te, grid, solver=solver)
    return [l1_accuracy_at(path, k, ties="best") for k in levels]


def main():
    args = harness.parse_args(__doc__)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    n_samples = 4000 if args.quick else 20000
    repeats = args.repeats or (1 if args.quick else 5)
    X, y = make_classification(
        n_samples, 200, n_informative=10, n_redundant=10, random_state=0
    )
    X_tr, X_te, y_tr, y_te = harness.standardized_split(
        X, y, 0, stratify=False, drop_constant=False
    )
    levels = sorted({round(k) for k in np.geomspace(200, 2, 20)}, reverse=True)
    methods = {
        "skprune logistic_pruning_path": skprune_path,
        "RFE(step=gap), one fit per level": rfe_path,
        "L1 saga path, warm, 30 C": partial(l1_scores, solver="saga"),
        "L1 liblinear, 30 C": partial(l1_scores, solver="liblinear"),
    }
    runs = harness.run_interleaved(
        {
            name: (lambda f=f: f(X_tr, y_tr, X_te, y_te, levels))
            for name, f in methods.items()
        },
        repeats,
    )
    ours = harness.time_summary(runs["skprune logistic_pruning_path"]["times"])[
        "median"
    ]
    # levels where every method has a model: an L1 grid often skips small k
    common = ~np.any([np.isnan(run["result"]) for run in runs.values()], axis=0)
    rows = []
    for name, run in runs.items():
        t = harness.time_summary(run["times"])
        rows.append(
            {
                "method": name,
                "mean_acc_over_levels": float(np.nanmean(run["result"])),
                "mean_acc_common_levels": float(
                    np.mean(np.asarray(run["result"])[common])
                ),
                "levels_without_model": int(np.isnan(run["result"]).sum()),
                "time_s": t["median"],
                "min_s": t["min"],
                "max_s": t["max"],
                "time / skprune": t["median"] / ours,
            }
        )
    print(f"n_samples={n_samples}, p=200, levels={levels}, repeats={repeats}\n")
    harness.print_table(
        rows,
        [
            "method",
            "mean_acc_over_levels",
            "levels_without_model",
            "time_s",
            "min_s",
            "max_s",
            "time / skprune",
        ],
    )
    print("\naccuracy per level:")
    harness.print_table(
        [
            {"k": k, **{name: run["result"][i] for name, run in runs.items()}}
            for i, k in enumerate(levels)
        ],
        ["k", *runs],
    )
    harness.write_json(
        args.out,
        {
            "levels": levels,
            "repeats": repeats,
            "rows": rows,
            "per_level": {n: r["result"] for n, r in runs.items()},
        },
    )


if __name__ == "__main__":
    main()
