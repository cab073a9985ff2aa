"""ONNX export: the same predictions, the bytes ``n_bytes_`` promises, the
work the pruning removed.

Three parts, each on real data that loads offline:

1. **Equality.** On every real data set of ``_datasets.py`` (at most 3,000
   rows, a stratified 75/25 split standardized on its training part), every
   public estimator in its main configurations -- ``CoefficientPruner``
   around ``LogisticRegression`` (90 % of weights, 75 % of features) and
   around ``MLPClassifier(hidden_layer_sizes=(128, 64))`` (90 % of weights,
   50 % of features, 25 % of hidden units), ``PrunedLogisticRegression``,
   ``CoefficientQuantizer`` at 8 bits (logistic) and at 4 bits (the
   90 %-pruned network), ``SampleSubsetter`` and a ``Pipeline`` with a
   feature pruner before a ``LogisticRegression`` -- is exported with
   ``skprune.onnx.to_onnx`` from a float32 sample and run by onnxruntime on
   every test row: the labels that differ from scikit-learn's (float64) and
   the largest probability gap.
2. **Size.** digits, ``MLPClassifier((128, 64))``, 90 % of its weights pruned
   (masked fine-tune) and stored at 4 bits (uniform grid per matrix, the
   quantizer's default for a network; and k-means): the ``.onnx`` file
   against ``n_bytes_`` and against skl2onnx's float32 export of the dense
   network, with what the ONNX format adds (the file minus the stored
   tensors' bytes), and the quantizer's pickle. The same for the logistic
   models at 8 and 4 bits.
3. **Inference.** onnxruntime's prediction time on 100,000 rows (digits' test
   rows resampled with small noise), one thread, interleaved repeats: the
   feature-pruned logistic model (10 % of features) and the neuron-pruned
   networks (25 % and 50 % of hidden units) against the dense models
   converted by skl2onnx's own converters.

    python benchmarks/bench_onnx.py [--quick] [--repeats N] [--out F]
"""

import pickle
import warnings

import _harness as harness
import numpy as np
import onnxruntime as ort
import skl2onnx
from _datasets import load_real_datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

import skprune.onnx
from skprune import (
    CoefficientPruner,
    CoefficientQuantizer,
    PrunedLogisticRegression,
    SampleSubsetter,
)

PROBA_TOL = 1e-5
INFERENCE_ROWS = 100_000


def session(onx, threads=None):
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def run_onnx(sess, X):
    return sess.run(None, {sess.get_inputs()[0].name: X})


def network(hidden, seed, max_iter):
    return MLPClassifier(
        hidden_layer_sizes=hidden, max_iter=max_iter, random_state=seed
    )


def configurations(X_tr, y_tr, hidden, seed, max_iter):
    """``name -> fitted model``: every public estimator in its main
    configurations, the networks pruned from one trained network."""
    logistic = LogisticRegression(max_iter=1000).fit(X_tr, y_tr)
    dense = network(hidden, seed, max_iter).fit(X_tr, y_tr)
    pruners = {
        "pruner logistic weight 90%": CoefficientPruner(logistic, prune_ratio=0.9),
        "pruner logistic feature 75%": CoefficientPruner(
            logistic, prune_ratio=0.75, granularity="feature"
        ),
        "pruner mlp weight 90%": CoefficientPruner(dense, prune_ratio=0.9),
        "pruner mlp feature 50%": CoefficientPruner(
            dense, prune_ratio=0.5, granularity="feature"
        ),
        "pruner mlp neuron 25%": CoefficientPruner(
            dense, prune_ratio=0.25, granularity="neuron"
        ),
    }
    models = {
        name: pruner.set_params(prefit=True).fit(X_tr, y_tr)
        for name, pruner in pruners.items()
    }
    models["PrunedLogisticRegression 75%"] = PrunedLogisticRegression(
        prune_ratio=0.75
    ).fit(X_tr, y_tr)
    models["quantizer logistic 8-bit"] = CoefficientQuantizer(
        logistic, n_bits=8, prefit=True
    ).fit(X_tr, y_tr)
    models["quantizer mlp 90% 4-bit"] = CoefficientQuantizer(
        models["pruner mlp weight 90%"], n_bits=4, prefit=True
    ).fit(X_tr, y_tr)
    models["SampleSubsetter 10%"] = SampleSubsetter(
        LogisticRegression(max_iter=1000), prune_ratio=0.9, random_state=seed
    ).fit(X_tr, y_tr)
    models["pipeline pruner -> logistic"] = make_pipeline(
        CoefficientPruner(
            LogisticRegression(max_iter=1000), prune_ratio=0.75, granularity="feature"
        ),
        LogisticRegression(max_iter=1000),
    ).fit(X_tr, y_tr)
    return models


def equality(datasets, hidden, max_iter, seed=0):
    rows = []
    for data, (X, y) in datasets.items():
        X_tr, X_te, y_tr, _ = harness.standardized_split(X, y, seed)
        X_te32 = X_te.astype(np.float32)
        models = configurations(X_tr, y_tr, hidden, seed, max_iter)
        for name, model in models.items():
            onx = skprune.onnx.to_onnx(model, X_te32[:1], options={"zipmap": False})
            labels, proba = run_onnx(session(onx), X_te32)
            rows.append(
                {
                    "data": data,
                    "model": name,
                    "test rows": len(X_te),
                    "labels differing": int(np.sum(labels != model.predict(X_te))),
                    "max |proba gap|": float(
                        np.abs(proba - model.predict_proba(X_te)).max()
                    ),
                    "onnx bytes": len(onx.SerializeToString()),
                }
            )
        print(f"[equality] {data}: {len(models)} models", flush=True)
    return rows


def stored_bytes(onx):
    """Bytes of the graph's tensors (initializers), without their headers."""
    return sum(len(t.raw_data) for t in onx.graph.initializer)


def sizes(X, y, hidden, max_iter, seed=0):
    """File sizes of the quantized models against ``n_bytes_`` and the dense
    float32 export."""
    X_tr, _, y_tr, _ = harness.standardized_split(X, y, seed)
    sample = X_tr[:1].astype(np.float32)
    dense = network(hidden, seed, max_iter).fit(X_tr, y_tr)
    pruned = CoefficientPruner(dense, prune_ratio=0.9, prefit=True).fit(X_tr, y_tr)
    logistic = LogisticRegression(max_iter=1000).fit(X_tr, y_tr)
    cases = {
        "mlp 90% pruned, 4-bit uniform": (dense, pruned, dict(n_bits=4)),
        "mlp 90% pruned, 4-bit k-means": (
            dense,
            pruned,
            dict(n_bits=4, method="kmeans"),
        ),
        "mlp 90% pruned, 8-bit uniform": (dense, pruned, dict(n_bits=8)),
        "logistic, 8-bit uniform": (logistic, logistic, dict(n_bits=8)),
        "logistic, 4-bit k-means": (
            logistic,
            logistic,
            dict(n_bits=4, method="kmeans"),
        ),
    }
    rows = []
    for name, (reference, model, params) in cases.items():
        quantizer = CoefficientQuantizer(model, prefit=True, **params).fit(X_tr, y_tr)
        onx = skprune.onnx.to_onnx(quantizer, sample, options={"zipmap": False})
        dense_onx = skl2onnx.to_onnx(reference, sample, options={"zipmap": False})
        size, dense_size = (
            len(onx.SerializeToString()),
            len(dense_onx.SerializeToString()),
        )
        n_matrices = len(quantizer.codes_)
        rows.append(
            {
                "model": name,
                "n_bytes_": quantizer.n_bytes_,
                "onnx bytes": size,
                "stored tensors": stored_bytes(onx),
                "format adds": size - stored_bytes(onx),
                "onnx - n_bytes_": size - quantizer.n_bytes_,
                "per matrix": (size - quantizer.n_bytes_) / n_matrices,
                "onnx / n_bytes_": size / quantizer.n_bytes_,
                "dense float32 onnx": dense_size,
                "dense / onnx": dense_size / size,
                "pickle bytes": len(pickle.dumps(quantizer)),
            }
        )
    return rows


def inference(X, y, hidden, max_iter, repeats, n_rows, seed=0):
    """onnxruntime time on ``n_rows`` rows: pruned against dense models."""
    X_tr, X_te, y_tr, _ = harness.standardized_split(X, y, seed)
    rng = np.random.default_rng(seed)
    rows_idx = rng.integers(0, len(X_te), n_rows)
    X_big = (
        X_te[rows_idx] + 0.01 * rng.standard_normal((n_rows, X_te.shape[1]))
    ).astype(np.float32)
    sample = X_big[:1]
    logistic = LogisticRegression(max_iter=1000).fit(X_tr, y_tr)
    dense = network(hidden, seed, max_iter).fit(X_tr, y_tr)

    def pruned_graph(model, **params):
        """skprune's graph of ``model`` pruned with ``params`` (prefit)."""
        pruner = CoefficientPruner(model, prefit=True, **params).fit(X_tr, y_tr)
        return skprune.onnx.to_onnx(pruner, sample, options={"zipmap": False})

    graphs = {
        "logistic dense (skl2onnx)": skl2onnx.to_onnx(
            logistic, sample, options={"zipmap": False}
        ),
        "logistic dense (skprune)": pruned_graph(logistic, prune_ratio=0.0),
        "logistic 10% of features (skprune)": pruned_graph(
            logistic, prune_ratio=0.9, granularity="feature"
        ),
        "mlp dense (skl2onnx)": skl2onnx.to_onnx(
            dense, sample, options={"zipmap": False}
        ),
        "mlp dense (skprune)": pruned_graph(dense, prune_ratio=0.0),
    }
    for share in (0.25, 0.5):
        graphs[f"mlp {share:.0%} of units removed (skprune)"] = pruned_graph(
            dense, prune_ratio=share, granularity="neuron"
        )
    sessions = {name: session(onx, threads=1) for name, onx in graphs.items()}
    for sess in sessions.values():
        run_onnx(sess, X_big[:1000])  # warm up
    runs = harness.run_interleaved(
        {name: (lambda s=sess: run_onnx(s, X_big)) for name, sess in sessions.items()},
        repeats,
    )
    baseline = {"logistic": "logistic dense (skl2onnx)", "mlp": "mlp dense (skl2onnx)"}
    rows = []
    for name, run in runs.items():
        t = harness.time_summary(run["times"])
        base = harness.time_summary(runs[baseline[name.split()[0]]]["times"])["median"]
        rows.append(
            {
                "model": name,
                "time_s": t["median"],
                "min_s": t["min"],
                "max_s": t["max"],
                "time / dense": t["median"] / base,
                "onnx bytes": len(graphs[name].SerializeToString()),
            }
        )
    return rows


def main():
    args = harness.parse_args(__doc__.splitlines()[0], repeats="timing repeats")
    quick = args.quick
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    hidden = (32,) if quick else (128, 64)
    max_iter = 30 if quick else 200
    repeats = args.repeats or (2 if quick else 7)
    names = ["digits", "breast_cancer_wdbc"] if quick else None
    datasets = load_real_datasets(max_rows=600 if quick else 3000, names=names)
    digits = datasets["digits"]

    equal = equality(datasets, hidden, max_iter)
    print(
        "\n1. onnxruntime (float32) against scikit-learn on every test row, "
        f"hidden={hidden}"
    )
    harness.print_table(
        equal,
        ["data", "model", "test rows", "labels differing", "gap", "onnx bytes"],
    )
    by_model = {}
    for row in equal:
        entry = by_model.setdefault(row["model"], {"model": row["model"], "sets": 0})
        entry["sets"] += 1
        entry["rows"] = entry.get("rows", 0) + row["test rows"]
        entry["labels differing"] = (
            entry.get("labels differing", 0) + row["labels differing"]
        )
        entry["max |proba gap|"] = max(
            entry.get("max |proba gap|", 0.0), row["max |proba gap|"]
        )
    summary = list(by_model.values())
    for entry in [*equal, *summary]:
        entry["gap"] = f"{entry['max |proba gap|']:.1e}"
    for entry in summary:
        entry[f"gap <= {PROBA_TOL:g}"] = entry["max |proba gap|"] <= PROBA_TOL
    print("\nequality summary over the data sets")
    harness.print_table(
        summary,
        ["model", "sets", "rows", "labels differing", "gap", f"gap <= {PROBA_TOL:g}"],
    )

    size_rows = sizes(*digits, hidden, max_iter)
    print(f"\n2. file sizes on digits, MLPClassifier{hidden} (bytes)")
    harness.print_table(
        size_rows,
        [
            "model",
            "n_bytes_",
            "onnx bytes",
            "format adds",
            "onnx - n_bytes_",
            "per matrix",
            "onnx / n_bytes_",
            "dense float32 onnx",
            "dense / onnx",
            "pickle bytes",
        ],
    )

    n_rows = 20_000 if quick else INFERENCE_ROWS
    timing = inference(*digits, hidden, max_iter, repeats, n_rows)
    print(
        f"\n3. onnxruntime prediction on {n_rows:,} rows, 1 thread, {repeats} repeats"
    )
    harness.print_table(
        timing, ["model", "time_s", "min_s", "max_s", "time / dense", "onnx bytes"]
    )

    harness.write_json(
        args.out,
        {
            "hidden": hidden,
            "repeats": repeats,
            "equality": equal,
            "equality_summary": summary,
            "sizes": size_rows,
            "inference_rows": n_rows,
            "inference": timing,
        },
    )


if __name__ == "__main__":
    main()
