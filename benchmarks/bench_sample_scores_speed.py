"""Target 3 of SampleSubsetter: scoring cost on a large CSR matrix.

CSR X of 1,000,000 x 10,000 with density 1e-3 (10 values per row), binary
labels from a sparse logistic model. The out-of-fold scorer
(``LogisticRegression``, 5 folds) is fit once; then, alternating:

- one ``decision_function(X)`` call of a scorer fit on all rows (the unit);
- the ``margin``, ``loss`` and ``grand`` scores from the fitted fold models:
  each fold's model predicts its held-out rows (one pass over X in all), then
  the per-row transform (plus row norms of X for ``grand``).

Reported: median times and the ratio to ``decision_function``.

    python benchmarks/bench_sample_scores_speed.py [--quick] [--repeats N] [--out F]
"""

import dataclasses
import warnings

import _harness as harness
import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from skprune.rows.scoring._scorers import OutOfFold
from skprune.rows.scoring._strategies import STRATEGIES


def make_data(n, p, per_row, seed=0):
    rng = np.random.RandomState(seed)
    indptr = np.arange(0, n * per_row + 1, per_row)
    indices = rng.randint(0, p, size=n * per_row)
    X = sp.csr_matrix((rng.standard_normal(n * per_row), indices, indptr), (n, p))
    X.sum_duplicates()
    beta = np.zeros(p)
    beta[rng.choice(p, p // 10, replace=False)] = rng.choice([-1.5, 1.5], p // 10)
    y = (rng.rand(n) < 1 / (1 + np.exp(-(X @ beta)))).astype(int)
    return X, y


def main():
    args = harness.parse_args(__doc__)
    warnings.filterwarnings("ignore")
    n, p = (100_000, 1_000) if args.quick else (1_000_000, 10_000)
    repeats = args.repeats or (1 if args.quick else 5)
    X, y = make_data(n, p, per_row=max(1, round(1e-3 * p)))
    base = OutOfFold(
        X=X,
        y=y,
        y_codes=y,
        classes=np.array([0, 1]),
        scorer=LogisticRegression(),
        cv=5,
        random_state=0,
        n_jobs=None,
        fit_params={},
    )
    fold_models, oof_fit_time = harness.timed(lambda: base.fold_models)
    full = LogisticRegression().fit(X, y)

    def strategy_run(name):
        def score():
            # a fresh context per call that shares the fitted fold models, so
            # every call makes its own out-of-fold predictions
            context = dataclasses.replace(base)
            context.__dict__["fold_models"] = fold_models
            return STRATEGIES[name](X, y, context)

        return score

    methods = {"decision_function (1 call)": lambda: full.decision_function(X)}
    for name in ("margin", "loss", "grand"):
        methods[f"{name} scores"] = strategy_run(name)
    runs = harness.run_interleaved(methods, repeats)
    unit = harness.time_summary(runs["decision_function (1 call)"]["times"])["median"]
    rows = []
    for name, run in runs.items():
        t = harness.time_summary(run["times"])
        rows.append(
            {
                "method": name,
                "time_s": t["median"],
                "min_s": t["min"],
                "max_s": t["max"],
                "ratio": t["median"] / unit,
            }
        )
    print(
        f"X: {n} x {p} CSR, nnz={X.nnz}; out-of-fold fits (5 folds, once): "
        f"{oof_fit_time:.1f} s; repeats={repeats}\n"
    )
    harness.print_table(rows, ["method", "time_s", "min_s", "max_s", "ratio"])
    harness.write_json(
        args.out,
        {"n": n, "p": p, "nnz": int(X.nnz), "oof_fit_s": oof_fit_time, "rows": rows},
    )


if __name__ == "__main__":
    main()
