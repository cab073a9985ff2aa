"""The defaults of issues 10 and 11, with and without label noise.

Each default below was chosen on clean labels. This reruns each choice
against its alternative on ten real data sets of ``_datasets.py`` (at most
2,000 rows each, standardized on a stratified 75/25 split), with clean training
labels and with 20 % of them flipped uniformly to another class (the test
labels stay clean):

- ``CoefficientPruner(MLPClassifier, granularity="neuron")``, 25 % of the
  units kept: ``scope="auto"`` (per layer) against ``"global"``;
- ``CoefficientPruner(MLPClassifier)``, 90 % of the weights pruned:
  ``rewind=False`` against ``True``;
- ``CoefficientQuantizer(LogisticRegression())``: ``share="auto"`` (per class
  row) against ``"layer"`` at 4-bit k-means and 8-bit uniform, and for
  binary sets ``refit=False`` against ``True``;
- ``CoefficientQuantizer(MLPClassifier)``: ``share="auto"`` (per matrix)
  against ``"row"`` (per unit) at 4-bit k-means, 4-bit uniform and 8-bit
  uniform (with the compression ratios), and ``refit=False`` against
  ``True`` at 4-bit k-means.

The network is ``MLPClassifier(hidden_layer_sizes=(128, 64))`` with
scikit-learn's defaults, one per run, pruned with ``prefit=True``. Reports,
per noise level, the mean test accuracy of the default minus the
alternative's (points) and how many runs the default wins or ties.

    python benchmarks/bench_defaults_noise.py [--quick] [--repeats SEEDS]
        [--only linear,network,pruning] [--out F]
"""

import argparse
import warnings

import _harness as harness
import numpy as np
from _datasets import load_real_datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from skprune import CoefficientPruner, CoefficientQuantizer

SETS = [
    "german_credit",
    "vehicle",
    "segment",
    "satimage",
    "phoneme",
    "magic",
    "spambase",
    "contraceptive",
    "splice",
    "digits",
]
NOISE_LEVELS = (0.0, 0.2)
K4 = dict(n_bits=4, method="kmeans")
U4 = dict(n_bits=4, method="uniform")
U8 = dict(n_bits=8, method="uniform")
# (name, what the default is, the default's parameters, the alternative's)
LINEAR = [
    ("logistic 4-bit k-means: share", "auto=row vs layer", K4, K4 | {"share": "layer"}),
    ("logistic 8-bit uniform: share", "auto=row vs layer", U8, U8 | {"share": "layer"}),
]
BINARY = [("logistic 4-bit k-means: refit", "False vs True", K4, K4 | {"refit": True})]
NETWORK = [
    ("network 4-bit k-means: share", "auto=layer vs row", K4, K4 | {"share": "row"}),
    ("network 4-bit uniform: share", "auto=layer vs row", U4, U4 | {"share": "row"}),
    ("network 8-bit uniform: share", "auto=layer vs row", U8, U8 | {"share": "row"}),
    ("network 4-bit k-means: refit", "False vs True", K4, K4 | {"refit": True}),
]
PRUNING = [
    (
        "network 25 % units: scope",
        "auto=layer vs global",
        dict(granularity="neuron", prune_ratio=0.75),
        dict(granularity="neuron", prune_ratio=0.75, scope="global"),
    ),
    (
        "network 90 % weights: rewind",
        "False vs True",
        dict(prune_ratio=0.9),
        dict(prune_ratio=0.9, rewind=True),
    ),
]


def quantized(model, params, X_tr, y_tr, X_te, y_te, seed):
    """Test accuracy and compression ratio of ``model`` quantized."""
    quantizer = CoefficientQuantizer(model, prefit=True, random_state=seed, **params)
    quantizer.fit(X_tr, y_tr)
    return quantizer.score(X_te, y_te), quantizer.compression_ratio_


def run_one(name, X, y, seed, noise, groups):
    X_tr, X_te, y_tr, y_te = harness.standardized_split(X, y, seed)
    y_tr = harness.flip_labels(
        y_tr, noise, np.random.RandomState(seed), new_class="ordered"
    )
    rows = []

    def add(choice, what, default, alternative):
        """``default`` and ``alternative``: accuracy, or (accuracy, ratio)."""
        default, alternative = np.atleast_1d(default), np.atleast_1d(alternative)
        row = {
            "data": name,
            "seed": seed,
            "noise": noise,
            "choice": choice,
            "default vs": what,
            "default": float(default[0]),
            "alternative": float(alternative[0]),
        }
        if len(default) > 1:
            row["default ratio"] = float(default[1])
            row["alternative ratio"] = float(alternative[1])
        rows.append(row)

    if "linear" in groups:
        linear = LogisticRegression(max_iter=2000).fit(X_tr, y_tr)
        checks = LINEAR + (BINARY if len(linear.classes_) == 2 else [])
        for choice, what, default, alternative in checks:
            add(
                choice,
                what,
                quantized(linear, default, X_tr, y_tr, X_te, y_te, seed),
                quantized(linear, alternative, X_tr, y_tr, X_te, y_te, seed),
            )
    if "network" not in groups and "pruning" not in groups:
        return rows
    network = MLPClassifier(hidden_layer_sizes=(128, 64), random_state=seed)
    network.fit(X_tr, y_tr)
    for choice, what, default, alternative in NETWORK if "network" in groups else []:
        add(
            choice,
            what,
            quantized(network, default, X_tr, y_tr, X_te, y_te, seed),
            quantized(network, alternative, X_tr, y_tr, X_te, y_te, seed),
        )
    for choice, what, default, alternative in PRUNING if "pruning" in groups else []:
        scores = [
            CoefficientPruner(network, prefit=True, **params)
            .fit(X_tr, y_tr)
            .score(X_te, y_te)
            for params in (default, alternative)
        ]
        add(choice, what, *scores)
    return rows


def summarize(rows):
    out = []
    choices = dict.fromkeys((r["choice"], r["default vs"]) for r in rows)
    for noise in NOISE_LEVELS:
        for choice, what in choices:
            mine = [r for r in rows if r["choice"] == choice and r["noise"] == noise]
            if not mine:
                continue
            diff = np.array([r["default"] - r["alternative"] for r in mine]) * 100
            ratios = {
                key: float(np.median([r[key] for r in mine]))
                for key in ("default ratio", "alternative ratio")
                if key in mine[0]
            }
            out.append(
                {
                    "label noise": f"{noise:.0%}",
                    "choice": choice,
                    "default vs": what,
                    "runs": len(mine),
                    "default - alt (pt)": float(diff.mean()),
                    "default >= alt": f"{int(np.sum(diff >= 0))}/{len(mine)}",
                    "worst (pt)": float(diff.min()),
                    "ratio (median)": " / ".join(f"{v:.1f}x" for v in ratios.values()),
                }
            )
    return out


GROUPS = ("linear", "network", "pruning")


def groups_of(text):
    """The set of groups a comma-separated ``--only`` names."""
    groups = set(text.split(","))
    if not groups <= set(GROUPS):
        raise argparse.ArgumentTypeError(f"takes {', '.join(GROUPS)}")
    return groups


def main():
    args = harness.parse_args(
        __doc__,
        options=[
            (
                "--only",
                dict(
                    type=groups_of,
                    default=",".join(GROUPS),
                    help="comma-separated groups: linear (the logistic quantizer), "
                    "network (the network's quantizer), pruning (the network's "
                    "pruner); default all",
                ),
            )
        ],
        quick="smoke run",
        repeats="seeds",
    )
    groups = args.only
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    seeds = range(args.repeats or (1 if args.quick else 2))
    names = ["breast_cancer_wdbc", "vehicle"] if args.quick else SETS
    data = load_real_datasets(max_rows=1000 if args.quick else 2000, names=names)
    rows = []
    for name, (X, y) in data.items():
        for seed in seeds:
            for noise in NOISE_LEVELS:
                new = run_one(name, X, y, seed, noise, groups)
                rows.extend(new)
                cells = " ".join(
                    f"{r['choice']}={100 * (r['default'] - r['alternative']):+.1f}"
                    for r in new
                )
                print(f"[{name} seed {seed} noise {noise:.0%}] {cells}", flush=True)
    summary = summarize(rows)
    print("\ndefault minus alternative, test accuracy in points (clean test labels)")
    harness.print_table(summary, list(summary[0]))
    harness.write_json(args.out, {"rows": rows, "summary": summary})


if __name__ == "__main__":
    main()
