"""CoefficientQuantizer on real data: accuracy against bytes.

On every real data set of ``_datasets.py`` plus scikit-learn's wine (at most
3,000 rows each), standardized on a stratified 75/25 split:

- ``LogisticRegression()``: float64 against 8-bit uniform and 4-bit k-means,
  one grid / codebook per matrix (``share="layer"``) and per class row
  (``share="row"``); for binary sets also the refit of the shared values;
- ``MLPClassifier(hidden_layer_sizes=(128, 64))``: float64, 8-bit uniform,
  4-bit k-means (with and without the refit of the shared values), then 90 %
  of the weights pruned (masked fine-tune) and quantized to 4 bits.

Reports mean test accuracy differences in points, compression ratios against
the dense float64 model and which part of the bytes dominates.

    python benchmarks/bench_quantization.py [--quick] [--repeats SEEDS] [--out F]
"""

import warnings

import _harness as harness
import numpy as np
from _datasets import load_real_datasets
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from skprune import CoefficientPruner, CoefficientQuantizer

LINEAR = {
    "u8_layer": dict(n_bits=8, method="uniform", share="layer"),
    "u8_row": dict(n_bits=8, method="uniform", share="row"),
    "k4_layer": dict(n_bits=4, method="kmeans", share="layer"),
    "k4_row": dict(n_bits=4, method="kmeans", share="row"),
}
BINARY_REFIT = {"k4_refit": dict(n_bits=4, method="kmeans", refit=True)}
NETWORK = {
    "u8": dict(n_bits=8, method="uniform"),
    "u8_row": dict(n_bits=8, method="uniform", share="row"),
    "k4": dict(n_bits=4, method="kmeans"),
    "k4_refit": dict(n_bits=4, method="kmeans", refit=True),
}
PRUNED = {
    "p90_k4": dict(n_bits=4, method="kmeans"),
    "p90_u4": dict(n_bits=4, method="uniform"),
    "p90_k4_refit": dict(n_bits=4, method="kmeans", refit=True),
}


def quantized(model, X_tr, y_tr, X_te, y_te, configs, row, prefix=""):
    for name, params in configs.items():
        q = CoefficientQuantizer(model, prefit=True, **params).fit(X_tr, y_tr)
        row[prefix + name] = q.score(X_te, y_te)
        row[prefix + name + "_ratio"] = q.compression_ratio_
        row[prefix + name + "_largest"] = max(q.bytes_, key=q.bytes_.get)


def run_one(name, X, y, seed, network):
    X_tr, X_te, y_tr, y_te = harness.standardized_split(X, y, seed)
    rows = []
    linear = LogisticRegression(max_iter=2000).fit(X_tr, y_tr)
    row = {"data": name, "seed": seed, "model": "logistic"}
    row["float"] = linear.score(X_te, y_te)
    configs = LINEAR | (BINARY_REFIT if len(linear.classes_) == 2 else {})
    quantized(linear, X_tr, y_tr, X_te, y_te, configs, row)
    rows.append(row)
    if network:
        mlp = MLPClassifier(hidden_layer_sizes=(128, 64), random_state=seed)
        mlp.fit(X_tr, y_tr)
        row = {"data": name, "seed": seed, "model": "mlp"}
        row["float"] = mlp.score(X_te, y_te)
        quantized(mlp, X_tr, y_tr, X_te, y_te, NETWORK, row)
        pruner = CoefficientPruner(mlp, prefit=True, prune_ratio=0.9)
        pruner.fit(X_tr, y_tr)
        row["p90"] = pruner.score(X_te, y_te)
        quantized(pruner, X_tr, y_tr, X_te, y_te, PRUNED, row)
        rows.append(row)
    return rows


def summarize(rows, model, configs):
    mine = [r for r in rows if r["model"] == model]
    out = []
    for key in configs:
        have = [r for r in mine if key in r]
        if not have:
            continue
        diff = np.array([r[key] - r["float"] for r in have]) * 100
        largest = [r.get(key + "_largest", "") for r in have]
        ratios = [r.get(key + "_ratio", 1.0) for r in have]
        out.append(
            {
                "config": key,
                "runs": len(have),
                "acc - float (pt)": float(diff.mean()),
                "worst (pt)": float(diff.min()),
                "ratio (median)": float(np.median(ratios)),
                "largest part": max(set(largest), key=largest.count),
            }
        )
    return out


def main():
    args = harness.parse_args(
        __doc__,
        flags=[("--one-network-seed", "the network on the first seed only")],
        repeats="seeds",
    )
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    seeds = range(args.repeats or (1 if args.quick else 3))
    names = ["digits", "breast_cancer_wdbc"] if args.quick else None
    data = load_real_datasets(max_rows=3000, names=names)
    data["wine"] = load_wine(return_X_y=True)
    rows = []
    for name, (X, y) in data.items():
        for seed in seeds:
            # the network is slower: its figures come from the first two seeds
            network = seed < (1 if args.one_network_seed else 2)
            new = run_one(name, X, y, seed, network=network)
            rows.extend(new)
            for row in new:
                cells = " ".join(
                    f"{k}={v:.4f}" for k, v in row.items() if isinstance(v, float)
                )
                print(f"[{name} seed {seed} {row['model']}] {cells}", flush=True)
    print("\nLogisticRegression: test accuracy minus float64, in points")
    linear = summarize(rows, "logistic", [*LINEAR, *BINARY_REFIT])
    harness.print_table(linear, list(linear[0]))
    print("\nMLPClassifier (128, 64): test accuracy minus the dense float64 network")
    network = summarize(rows, "mlp", [*NETWORK, "p90", *PRUNED])
    harness.print_table(network, list(network[0]))
    harness.write_json(args.out, {"rows": rows, "linear": linear, "network": network})


if __name__ == "__main__":
    main()
