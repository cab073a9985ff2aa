"""Target 1: accuracy at equal size, skprune vs RFE, an L1 path and abess.

Feature granularity: keep 10%, 25% and 50% of the features and compare mean
test accuracy (over several stratified 70/30 splits, standardized on the
training part) of

- ``PrunedLogisticRegression(n_keep=k, granularity="feature")`` with its
  default criterion and schedule, and the other criteria / n_iter for context;
- ``RFE(LogisticRegression(), n_features_to_select=k, step=1)``;
- an L1 path: ``LogisticRegression(l1_ratio=1, solver="saga")`` over 40 values
  of C (warm-started); at each k, the path model with the most features <= k;
- ``abess.LogisticRegression(support_size=[k])`` (binary) or
  ``abess.MultinomialRegression(support_size=[k])`` (multiclass).

Data: breast_cancer, wine, digits (pixels constant on a training split are
dropped for every method), and two synthetic designs
(``make_classification`` with 40 features, 8 informative + 8 redundant; and a
sparse-truth logistic model with correlated features, 50 features, 6 true).

``--real`` runs the 25 offline real data sets of ``_datasets.py`` (at most
3,000 rows each) instead, with the default and nested skprune only.

    python benchmarks/bench_logistic_accuracy.py [--quick|--real] [--out FILE.json]
"""

import warnings

import _harness as harness
import numpy as np
from _datasets import load_real_datasets
from _l1 import l1_accuracy_at, l1_path
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import RFE
from sklearn.linear_model import LogisticRegression

from skprune import PrunedLogisticRegression

KEPT = (0.10, 0.25, 0.50)
# the L1 path's grid of C, warm-started from the smallest
L1_CS = np.logspace(-3, 1, 40)


def correlated_logistic(n=600, p=50, k=6, rho=0.5, seed=0):
    rng = np.random.RandomState(seed)
    X = np.sqrt(1 - rho) * rng.randn(n, p) + np.sqrt(rho) * rng.randn(n, 1)
    beta = np.zeros(p)
    beta[rng.choice(p, k, replace=False)] = rng.choice([-1, 1], k) * rng.uniform(
        0.5, 1.5, k
    )
    y = (rng.rand(n) < 1 / (1 + np.exp(-X @ beta))).astype(int)
    return X, y


DATASETS = {
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "make_classification": lambda: make_classification(
        800, 40, n_informative=8, n_redundant=8, random_state=0
    ),
    "correlated_logistic": correlated_logistic,
}


def skprune_methods(k, full):
    methods = {
        "skprune default": PrunedLogisticRegression(n_keep=k, granularity="feature"),
        "skprune nested (swap=False)": PrunedLogisticRegression(
            n_keep=k, granularity="feature", swap=False
        ),
    }
    if full:
        for criterion in ("obd", "obs", "magnitude"):
            for n_iter in (1, 5, 10):
                methods[f"skprune {criterion} n_iter={n_iter}"] = (
                    PrunedLogisticRegression(
                        n_keep=k,
                        granularity="feature",
                        criterion=criterion,
                        n_iter=n_iter,
                    )
                )
    return methods


def abess_model(k, n_classes):
    import abess

    if n_classes == 2:
        return abess.LogisticRegression(support_size=[k])
    return abess.MultinomialRegression(support_size=[k])


def main():
    args = harness.parse_args(
        __doc__,
        flags=[("--real", "the 25 offline real data sets of _datasets.py instead")],
        repeats="splits",
    )
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    n_splits = args.repeats or (1 if args.quick else 5)
    loaders = DATASETS
    if args.real:
        real = load_real_datasets(max_rows=3000)
        loaders = {name: (lambda xy=xy: xy) for name, xy in real.items()}
    datasets = ["wine"] if args.quick else list(loaders)
    rows = []
    for data_name in datasets:
        X, y = loaders[data_name]()
        n_classes = len(np.unique(y))
        for split in range(n_splits):
            # columns constant on the training rows are dropped for every
            # method (abess refuses them)
            X_tr, X_te, y_tr, y_te = harness.standardized_split(
                X, y, split, test_size=0.3
            )
            l1 = l1_path(X_tr, y_tr, X_te, y_te, L1_CS, max_iter=2000, refit=True)
            for fraction in KEPT:
                k = max(1, round(fraction * X.shape[1]))
                results = {}
                for name, model in {
                    **skprune_methods(k, full=not (args.quick or args.real)),
                    "RFE step=1": RFE(
                        LogisticRegression(max_iter=1000), n_features_to_select=k
                    ),
                    "abess": abess_model(k, n_classes),
                }.items():
                    _, elapsed = harness.timed(model.fit, X_tr, y_tr)
                    if name == "abess":
                        proba = model.predict_proba(X_te)
                        if proba.ndim == 1:
                            pred = (proba > 0.5).astype(int)
                        else:
                            pred = np.unique(y_tr)[proba.argmax(axis=1)]
                        acc = float(np.mean(pred == y_te))
                    else:
                        acc = float(model.score(X_te, y_te))
                    results[name] = (acc, elapsed)
                results["L1 path (saga)"] = (l1_accuracy_at(l1, k), np.nan)
                results["L1 path + L2 refit"] = (
                    l1_accuracy_at(l1, k, refit=True),
                    np.nan,
                )
                for name, (acc, elapsed) in results.items():
                    rows.append(
                        {
                            "data": data_name,
                            "split": split,
                            "kept": f"{fraction:.0%}",
                            "k": k,
                            "method": name,
                            "test_acc": acc,
                            "time_s": elapsed,
                        }
                    )
    summary = {}
    for row in rows:
        key = (row["data"], row["kept"], row["method"])
        summary.setdefault(key, []).append(row["test_acc"])
    # NaN (an L1 path with no model that small) counts as a miss, not a skip
    table = [
        {"data": d, "kept": kept, "method": m, "mean_test_acc": float(np.mean(v))}
        for (d, kept, m), v in summary.items()
    ]
    harness.print_table(table, ["data", "kept", "method", "mean_test_acc"])
    overall = {}
    for row in rows:
        overall.setdefault(row["method"], []).append(row["test_acc"])
    print("\nmean test accuracy over all data sets, fractions and splits:")
    harness.print_table(
        sorted(
            (
                {"method": m, "mean_test_acc": float(np.mean(v)), "n": len(v)}
                for m, v in overall.items()
            ),
            key=lambda r: -r["mean_test_acc"],
        ),
        ["method", "mean_test_acc", "n"],
    )
    print("\nmean over data sets and splits, per fraction kept:")
    by_fraction = {}
    for row in rows:
        key = (row["kept"], row["method"])
        by_fraction.setdefault(key, []).append(row["test_acc"])
    fractions = sorted({row["kept"] for row in rows}, key=lambda f: float(f[:-1]))
    methods = list(dict.fromkeys(row["method"] for row in rows))
    harness.print_table(
        [
            {"method": m, **{f: float(np.mean(by_fraction[f, m])) for f in fractions}}
            for m in methods
        ],
        ["method", *fractions],
    )
    print("\nwhere skprune's default loses to a peer (data, kept, peer, gap):")
    means = {(r["data"], r["kept"], r["method"]): r["mean_test_acc"] for r in table}
    for (data, kept, method), value in means.items():
        if method.startswith("skprune") or np.isnan(value):
            continue
        ours = means[data, kept, "skprune default"]
        if value > ours:
            print(f"  {data:24s} {kept:>4s}  {method:20s} {value - ours:+.4f}")
    harness.write_json(args.out, {"splits": n_splits, "rows": rows, "summary": table})


if __name__ == "__main__":
    main()
