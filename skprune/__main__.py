"""``python -m skprune``: the demo experiment.

Breast cancer data, standardized, fixed split: test accuracy of a logistic
regression kept dense, pruned without refit, and pruned with refit, at a few
kept fractions of its features.
"""

import argparse
import sys

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from . import CoefficientPruner, __version__

KEPT_FRACTIONS = (0.5, 0.25, 0.1, 0.05)


def run_demo(fractions=KEPT_FRACTIONS, seed=0):
    """Rows of (kept fraction, n features kept, dense, no refit, refit) accuracy."""
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    dense = LogisticRegression(max_iter=1000).fit(X_train, y_train)
    dense_accuracy = dense.score(X_test, y_test)
    rows = []
    for fraction in fractions:
        scores = []
        for refit in (False, True):
            pruner = CoefficientPruner(
                LogisticRegression(max_iter=1000),
                prune_ratio=1.0 - fraction,
                granularity="feature",
                refit=refit,
            ).fit(X_train, y_train)
            scores.append(pruner.score(X_test, y_test))
        rows.append((fraction, int(pruner.support_.sum()), dense_accuracy, *scores))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="skprune",
        description="Prune a logistic regression on breast_cancer and show what "
        "refitting the surviving coefficients buys back.",
    )
    parser.add_argument("--seed", type=int, default=0, help="train/test split seed")
    parser.add_argument("--version", action="version", version=__version__)
    args = parser.parse_args(argv)
    print(
        "breast_cancer (569 rows, 30 features), standardized, 30% test split; "
        "LogisticRegression, features pruned by |coef|\n"
    )
    header = f"{'kept':>6} {'features':>8} {'dense':>7} {'no refit':>9} {'refit':>7}"
    print(header)
    print("-" * len(header))
    for fraction, n_features, dense, pruned, refit in run_demo(seed=args.seed):
        print(
            f"{fraction:>6.0%} {n_features:>8d} {dense:>7.3f} {pruned:>9.3f} "
            f"{refit:>7.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
