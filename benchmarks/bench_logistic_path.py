"""Target 2: the whole accuracy-vs-size path, skprune vs RFE vs an L1 path.

``make_classification(n_samples=20000, n_features=200, n_informative=10,
n_redundant=10, random_state=0)``, standardized, 75/25 split. Levels: 20
geometric kept counts from 200 down to 2.

- skprune: ``logistic_pruning_path(X, y, n_keeps=levels)`` (defaults), one
  warm-started pass, every level refit;
- RFE: ``RFE(LogisticRegression(), n_features_to_select=2, step=1)``, then a
  ``LogisticRegression`` refit on each level's top-k features from ``ranking_``;
- L1: ``LogisticRegression(l1_ratio=1, solver="saga", warm_start=True)`` over
  30 values of C; at each level, the path model with the most features <= k.

Timings interleaved (skprune, RFE, L1, skprune, ...), medians over repeats;
accuracy is test accuracy averaged over the levels.

    python benchmarks/bench_logistic_path.py [--quick] [--repeats N] [--out F]
"""

import warnings

import numpy as np
from _harness import parse_args, print_table, run_interleaved, time_summary, write_json
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import RFE
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

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
    rfe = RFE(LogisticRegression(), n_features_to_select=2, step=1).fit(X, y)
    scores = []
    for k in levels:
        support = rfe.ranking_ <= k - 1  # rank 1 = the last 2, rank r = (r+1)-th
        model = LogisticRegression().fit(X[:, support], y)
        scores.append(float(model.score(X_te[:, support], y_te)))
    return scores


def l1_path(X, y, X_te, y_te, levels):
    model = LogisticRegression(l1_ratio=1.0, solver="saga", warm_start=True)
    points = []
    for C in np.logspace(-4, 0, 30):
        model.set_params(C=C).fit(X, y)
        points.append(
            (int(np.count_nonzero(model.coef_)), float(model.score(X_te, y_te)))
        )
    scores = []
    for k in levels:
        feasible = [p for p in points if 0 < p[0] <= k]
        scores.append(max(feasible)[1] if feasible else np.nan)
    return scores


def main():
    args = parse_args(__doc__)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    n_samples = 4000 if args.quick else 20000
    repeats = args.repeats or (1 if args.quick else 5)
    X, y = make_classification(
        n_samples, 200, n_informative=10, n_redundant=10, random_state=0
    )
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    levels = sorted({round(k) for k in np.geomspace(200, 2, 20)}, reverse=True)
    methods = {
        "skprune logistic_pruning_path": skprune_path,
        "RFE(step=1) + refit per level": rfe_path,
        "L1 saga path, 30 C": l1_path,
    }
    runs = run_interleaved(
        {
            name: (lambda f=f: f(X_tr, y_tr, X_te, y_te, levels))
            for name, f in methods.items()
        },
        repeats,
    )
    ours = time_summary(runs["skprune logistic_pruning_path"]["times"])["median"]
    # levels where every method has a model: an L1 grid often skips small k
    common = ~np.any([np.isnan(run["result"]) for run in runs.values()], axis=0)
    rows = []
    for name, run in runs.items():
        t = time_summary(run["times"])
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
    print_table(
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
    print_table(
        [
            {"k": k, **{name: run["result"][i] for name, run in runs.items()}}
            for i, k in enumerate(levels)
        ],
        ["k", *runs],
    )
    write_json(
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
