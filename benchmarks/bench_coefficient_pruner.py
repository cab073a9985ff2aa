"""CoefficientPruner against RFE and SelectFromModel at equal feature counts.

For breast_cancer, wine and digits (standardized on a fixed stratified 70/30
split), keep 10%, 25% and 50% of the features and report test accuracy and
fit time of:

- skprune ``CoefficientPruner(LogisticRegression(), granularity="feature")``
  with criterion magnitude / scaled_magnitude, refit on/off, n_iter 1 and 5;
- ``SelectFromModel(LogisticRegression(), max_features=k, threshold=-inf)``
  followed by a ``LogisticRegression`` refit on the selected columns;
- ``RFE(LogisticRegression(), n_features_to_select=k, step=1)`` (refits by
  construction).

Every method sees the same split and the same k; timings are interleaved
(A B C ... A B C) and reported as medians with the ratio to RFE's median.

    python benchmarks/bench_coefficient_pruner.py [--quick] [--out FILE.json]
"""

import _harness as harness
import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.feature_selection import RFE, SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skprune import CoefficientPruner

DATASETS = {
    "breast_cancer": load_breast_cancer,
    "wine": load_wine,
    "digits": load_digits,
}
KEPT = (0.10, 0.25, 0.50)


def logistic():
    return LogisticRegression(max_iter=2000)


def methods_for(k):
    methods = {}
    for criterion in ("magnitude", "scaled_magnitude"):
        for refit in (True, False):
            for n_iter in (1, 5):
                name = f"skprune {criterion} n_iter={n_iter}" + (
                    "" if refit else " no-refit"
                )
                methods[name] = CoefficientPruner(
                    logistic(),
                    n_keep=k,
                    granularity="feature",
                    criterion=criterion,
                    refit=refit,
                    n_iter=n_iter,
                )
    methods["SelectFromModel + refit"] = make_pipeline(
        SelectFromModel(logistic(), max_features=k, threshold=-np.inf), logistic()
    )
    methods["RFE step=1"] = RFE(logistic(), n_features_to_select=k, step=1)
    return methods


def main():
    args = harness.parse_args(__doc__)
    repeats = args.repeats or (1 if args.quick else 5)
    datasets = {"wine": load_wine} if args.quick else DATASETS
    rows = []
    for data_name, loader in datasets.items():
        X, y = loader(return_X_y=True)
        X_tr, X_te, y_tr, y_te = harness.standardized_split(
            X, y, 0, test_size=0.3, drop_constant=False
        )
        for fraction in KEPT:
            k = max(1, round(fraction * X.shape[1]))
            models = methods_for(k)
            runs = harness.run_interleaved(
                {
                    name: (lambda m=m, X=X_tr, y=y_tr: m.fit(X, y))
                    for name, m in models.items()
                },
                repeats,
            )
            rfe_time = harness.time_summary(runs["RFE step=1"]["times"])["median"]
            for name, run in runs.items():
                t = harness.time_summary(run["times"])
                rows.append(
                    {
                        "data": data_name,
                        "kept": f"{fraction:.0%}",
                        "k": k,
                        "method": name,
                        "test_acc": float(run["result"].score(X_te, y_te)),
                        "time_s": t["median"],
                        "min_s": t["min"],
                        "max_s": t["max"],
                        "time/RFE": t["median"] / rfe_time,
                    }
                )
    harness.print_table(
        rows, ["data", "kept", "k", "method", "test_acc", "time_s", "time/RFE"]
    )
    summary = {}
    for row in rows:
        summary.setdefault(row["method"], []).append(row["test_acc"])
    print("\nmean test accuracy over data sets and kept fractions:")
    harness.print_table(
        sorted(
            (
                {"method": m, "mean_test_acc": float(np.mean(v))}
                for m, v in summary.items()
            ),
            key=lambda r: -r["mean_test_acc"],
        ),
        ["method", "mean_test_acc"],
    )
    harness.write_json(args.out, {"repeats": repeats, "rows": rows})


if __name__ == "__main__":
    main()
