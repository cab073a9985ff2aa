"""Does swap refinement pay for itself on real data?

``PrunedLogisticRegression(n_keep=k, granularity="feature")`` with
``swap=False`` (nested pruning) and the default ``swap="auto"`` (exchanges
kept while the exact refit loss drops), side by side on every real data set of
``_datasets.py`` (at most 3,000 rows each), keeping 10 %, 25 % and 50 % of
the features; stratified 70/30 splits, standardized on the training part.
Reports mean test accuracy and log-loss, how often swaps win / lose, and the
fit time ratio.

    python benchmarks/bench_swaps_accuracy.py [--quick] [--repeats SPLITS] [--out F]
"""

import warnings

import _harness as harness
import numpy as np
from _datasets import load_real_datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss

from skprune import PrunedLogisticRegression

KEPT = (0.10, 0.25, 0.50)


def main():
    args = harness.parse_args(__doc__, repeats="splits")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    splits = args.repeats or (1 if args.quick else 3)
    data = load_real_datasets(max_rows=1000 if args.quick else 3000)
    rows = []
    for name, (X, y) in data.items():
        for seed in range(splits):
            X_tr, X_te, y_tr, y_te = harness.standardized_split(
                X, y, seed, test_size=0.3
            )
            for fraction in KEPT:
                k = max(1, round(fraction * X_tr.shape[1]))
                for swap in (False, "auto"):
                    model = PrunedLogisticRegression(
                        n_keep=k, granularity="feature", swap=swap
                    )
                    _, elapsed = harness.timed(model.fit, X_tr, y_tr)
                    rows.append(
                        {
                            "data": name,
                            "seed": seed,
                            "kept": fraction,
                            "swap": swap,
                            "accuracy": float(model.score(X_te, y_te)),
                            "log_loss": float(
                                log_loss(
                                    y_te,
                                    model.predict_proba(X_te),
                                    labels=model.classes_,
                                )
                            ),
                            "train_loss": model.history_[-1]["train_loss"],
                            "time_s": elapsed,
                        }
                    )
    table = []
    for fraction in KEPT:
        nested = [r for r in rows if r["kept"] == fraction and r["swap"] is False]
        swapped = [r for r in rows if r["kept"] == fraction and r["swap"] == "auto"]
        diff = np.array(
            [
                b["accuracy"] - a["accuracy"]
                for a, b in zip(nested, swapped, strict=True)
            ]
        )
        table.append(
            {
                "kept": fraction,
                "acc nested": np.mean([r["accuracy"] for r in nested]),
                "acc swap": np.mean([r["accuracy"] for r in swapped]),
                "logloss nested": np.mean([r["log_loss"] for r in nested]),
                "logloss swap": np.mean([r["log_loss"] for r in swapped]),
                "swap wins": int((diff > 0).sum()),
                "swap loses": int((diff < 0).sum()),
                "train loss lower": int(
                    sum(
                        b["train_loss"] < a["train_loss"] - 1e-12
                        for a, b in zip(nested, swapped, strict=True)
                    )
                ),
                "time ratio": sum(r["time_s"] for r in swapped)
                / sum(r["time_s"] for r in nested),
            }
        )
    print(f"{len(data)} data sets x {splits} splits\n")
    harness.print_table(table, list(table[0]))
    harness.write_json(args.out, {"rows": rows, "summary": table})


if __name__ == "__main__":
    main()
