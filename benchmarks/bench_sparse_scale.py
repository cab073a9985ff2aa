"""Target 4: PrunedLogisticRegression on a large sparse CSR matrix.

CSR X with n=200,000 rows, p=20,000 columns, density 1e-3 (4M stored values,
standard normal), labels from a logistic model on 1,000 true features.
``PrunedLogisticRegression(prune_ratio=0.99)`` (defaults otherwise) against a
plain ``LogisticRegression().fit`` on the same matrix, alternating:

- wall time of ``fit`` under tracemalloc (median over repeats, ratio to
  LogisticRegression);
- extra memory of ``fit``: peak of Python/numpy allocations during the fit
  (``tracemalloc``; X itself is allocated before and not counted), ratio to
  LogisticRegression's.

``--large``: the hashed-features scale, 1,000,000 x 2**18 with 50 values per
row (~50 M stored values, ~600 MB), one repeat.

    python benchmarks/bench_sparse_scale.py [--quick|--large] [--repeats N] [--out F]
"""

import tracemalloc
import warnings
from functools import partial

import _harness as harness
import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skprune import PrunedLogisticRegression


def make_data(n, p, density, seed=0, beta=None):
    """CSR with round(density * p) values per row at uniformly random columns
    (scipy.sparse.random would draw from all n * p positions: 30 GB here)."""
    rng = np.random.RandomState(seed)
    per_row = max(1, round(density * p))
    indptr = np.arange(0, n * per_row + 1, per_row)
    indices = rng.randint(0, p, size=n * per_row)
    X = sp.csr_matrix((rng.standard_normal(n * per_row), indices, indptr), (n, p))
    X.sum_duplicates()
    if beta is None:
        beta = np.zeros(p)
        n_true = p // 20  # about one true feature per row at density 1e-3
        beta[rng.choice(p, n_true, replace=False)] = rng.choice([-2, 2], n_true)
    y = (rng.rand(n) < 1 / (1 + np.exp(-(X @ beta)))).astype(int)
    return X, y, beta


def traced_fit(make_model, X, y):
    """``make_model()`` fit on X, y, and the peak of the allocations made
    while it fits (tracemalloc: X, allocated before, is not counted)."""
    tracemalloc.start()
    model = make_model().fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return model, peak


def main():
    args = harness.parse_args(
        __doc__, flags=[("--large", "1,000,000 x 2**18, 50 values per row")]
    )
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    n, p, density = (20_000, 2_000, 1e-3) if args.quick else (200_000, 20_000, 1e-3)
    if args.large:
        n, p, density = 1_000_000, 2**18, 50 / 2**18
    repeats = args.repeats or (1 if args.quick or args.large else 3)
    X, y, beta = make_data(n, p, density)
    X_test, y_test, _ = make_data(20_000, p, density, seed=1, beta=beta)
    methods = {
        "LogisticRegression().fit": LogisticRegression,
        "PrunedLogisticRegression(prune_ratio=0.99)": lambda: PrunedLogisticRegression(
            prune_ratio=0.99
        ),
    }
    runs = harness.run_interleaved(
        {name: partial(traced_fit, make, X, y) for name, make in methods.items()},
        repeats,
    )
    peaks = {name: [peak for _, peak in run["results"]] for name, run in runs.items()}
    base_time = np.median(runs["LogisticRegression().fit"]["times"])
    base_peak = np.median(peaks["LogisticRegression().fit"])
    rows = []
    for name, run in runs.items():
        t = harness.time_summary(run["times"])
        peak = float(np.median(peaks[name]))
        model = run["result"][0]
        rows.append(
            {
                "method": name,
                "time_s": t["median"],
                "min_s": t["min"],
                "max_s": t["max"],
                "time_ratio": t["median"] / base_time,
                "extra_MB": peak / 2**20,
                "memory_ratio": peak / base_peak,
                "nonzero_coef": int(np.count_nonzero(model.coef_)),
                "test_acc": float(model.score(X_test, y_test)),
            }
        )
    x_mb = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20
    print(f"X: {n} x {p} CSR, nnz={X.nnz} ({x_mb:.0f} MB), repeats={repeats}\n")
    harness.print_table(
        rows,
        [
            "method",
            "time_s",
            "min_s",
            "max_s",
            "time_ratio",
            "extra_MB",
            "memory_ratio",
            "nonzero_coef",
            "test_acc",
        ],
    )
    harness.write_json(args.out, {"n": n, "p": p, "nnz": int(X.nnz), "rows": rows})


if __name__ == "__main__":
    main()
