"""Support recovery and the choice of the size on the abess logistic simulation.

Design (abess repository, docs/simulation/Python/run_benchmark_logistic.py):
n=500 training rows, p=8000, k=10 true nonzeros, constant correlation rho in
{0.1, 0.7} (X = sqrt(1-rho) Z + sqrt(rho) w, one shared column w),
beta_j ~ U[2m, 10m] with a random sign, m = 5 sqrt(2 ln(p) / n), Bernoulli
labels; the test set (500 rows) comes from another seed with the same beta.

Compared in the same run, alternating per seed, both at two workers:

- ``PrunedLogisticRegressionCV(n_keeps=range(1, 51), cv=5, n_jobs=2)`` with
  its defaults (swaps at every level, the model being binary);
- ``abess.LogisticRegression(cv=5, support_size=range(50), thread=2,
  approximate_Newton=True, primary_model_fit_epsilon=1e-6)``: the setting
  abess's own benchmark script runs, its fastest (its defaults are slower);
- with ``--more``: abess at its defaults, the nested path (``swap=False``)
  and ``LogisticRegressionCV(l1_ratios=[1], solver="liblinear")`` for
  reference (saga needs tens of minutes per fit at p=8000).

Seeds 200, 201, ... (``--repeats`` of them per rho), never used to choose
anything: the engine issue's targets were measured on seeds 0-3 and the
figures before it on 100-109. Reported per rho: median TPR,
FPR of the recovered support, test AUC and wall time over seeds, and a
per-seed table of the size each method chose against the true 10.

    python benchmarks/bench_support_recovery.py [--quick] [--repeats SEEDS]
        [--more] [--out F]
"""

import warnings
from functools import partial

import _harness as harness
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import roc_auc_score

from skprune import PrunedLogisticRegressionCV


def simulate(n, p, k, rho, seed, beta=None):
    rng = np.random.RandomState(seed)
    X = np.sqrt(1 - rho) * rng.randn(n, p) + np.sqrt(rho) * rng.randn(n, 1)
    if beta is None:
        m = 5 * np.sqrt(2 * np.log(p) / n)
        beta = np.zeros(p)
        support = rng.choice(p, k, replace=False)
        beta[support] = rng.uniform(2 * m, 10 * m, k) * rng.choice([-1, 1], k)
    y = (rng.rand(n) < 1 / (1 + np.exp(-X @ beta))).astype(int)
    return X, y, beta


def fit_skprune(X, y, swap="auto"):
    model = PrunedLogisticRegressionCV(n_keeps=range(1, 51), cv=5, swap=swap, n_jobs=2)
    model.fit(X, y)
    return model.coef_.ravel(), model.predict_proba


def fit_abess(X, y, fast=True):
    import abess

    # the setting abess's own benchmark script runs (its defaults are slower)
    options = (
        dict(approximate_Newton=True, primary_model_fit_epsilon=1e-6) if fast else {}
    )
    model = abess.LogisticRegression(cv=5, support_size=range(50), thread=2, **options)
    model.fit(X, y)

    def proba(X_new):
        p = model.predict_proba(X_new)
        return np.column_stack([1 - p, p]) if p.ndim == 1 else p

    return np.asarray(model.coef_).ravel(), proba


def fit_l1(X, y):
    model = LogisticRegressionCV(
        Cs=10, l1_ratios=[1.0], solver="liblinear", cv=5, scoring="neg_log_loss"
    ).fit(X, y)
    return model.coef_.ravel(), model.predict_proba


METHODS = {
    "skprune PrunedLogisticRegressionCV (defaults)": fit_skprune,
    "abess LogisticRegression(cv=5, approximate_Newton)": fit_abess,
}
MORE = {
    "abess LogisticRegression(cv=5), defaults": partial(fit_abess, fast=False),
    "skprune ...CV(swap=False), nested": partial(fit_skprune, swap=False),
    "sklearn LogisticRegressionCV(L1)": fit_l1,
}


def main():
    args = harness.parse_args(
        __doc__.splitlines()[0],
        flags=[("--more", "the nested path and L1 too")],
        repeats="seeds per rho",
    )
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    n, p, k = 500, (2000 if args.quick else 8000), 10
    seeds = range(200, 200 + (args.repeats or (1 if args.quick else 10)))
    methods = {**METHODS, **(MORE if args.more else {})}
    rows = []
    for rho in (0.1, 0.7):
        for seed in seeds:
            X, y, beta = simulate(n, p, k, rho, seed)
            X_test, y_test, _ = simulate(n, p, k, rho, seed + 1000, beta)
            true = beta != 0
            for name, fit in methods.items():
                (coef, proba), elapsed = harness.timed(fit, X, y)
                found = coef != 0
                rows.append(
                    {
                        "rho": rho,
                        "seed": seed,
                        "method": name,
                        "TPR": float((found & true).sum() / true.sum()),
                        "FPR": float((found & ~true).sum() / (~true).sum()),
                        "size": int(found.sum()),
                        "AUC": float(roc_auc_score(y_test, proba(X_test)[:, 1])),
                        "time_s": elapsed,
                    }
                )
    table = []
    for rho in (0.1, 0.7):
        for name in methods:
            sel = [r for r in rows if r["rho"] == rho and r["method"] == name]
            table.append(
                {
                    "rho": rho,
                    "method": name,
                    **{
                        f"{key} (median)": float(np.median([r[key] for r in sel]))
                        for key in ("TPR", "FPR", "AUC", "time_s")
                    },
                    "size (mean)": float(np.mean([r["size"] for r in sel])),
                }
            )
    print(f"n={n}, p={p}, k={k}, seeds={list(seeds)}\n")
    harness.print_table(
        table,
        [
            "rho",
            "method",
            "TPR (median)",
            "FPR (median)",
            "AUC (median)",
            "time_s (median)",
            "size (mean)",
        ],
    )
    print("\nper seed: size chosen / true features found (of 10) / seconds")
    per_seed = []
    for rho in (0.1, 0.7):
        for seed in seeds:
            entry = {"rho": rho, "seed": seed}
            for r in rows:
                if r["rho"] == rho and r["seed"] == seed:
                    found = round(r["TPR"] * k)
                    entry[r["method"][:24]] = (
                        f"{r['size']} / {found} / {r['time_s']:.1f}"
                    )
            per_seed.append(entry)
    harness.print_table(per_seed, list(per_seed[0]))
    harness.write_json(
        args.out, {"n": n, "p": p, "k": k, "rows": rows, "summary": table}
    )


if __name__ == "__main__":
    main()
