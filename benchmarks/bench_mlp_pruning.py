"""Pruning MLPClassifier(hidden_layer_sizes=(128, 64)) on real data.

On every real data set of ``_datasets.py`` (at most 3,000 rows each),
standardized on a stratified 75/25 split, for several seeds, one dense
network (scikit-learn's defaults: adam, relu, alpha=1e-4, 200 epochs at most)
is fit and pruned (``prefit=True``, so every method starts from the same
trained weights):

- 90 % of the weights, magnitude ranked across layers, with skprune's masked
  fine-tune, and without it (``refit=False``) for contrast;
- the same with ``torch.nn.utils.prune.global_unstructured`` (L1) and Adam
  fine-tuning (scikit-learn's learning rate, batch size and L2 term) for as
  many epochs as skprune's fine-tune ran, in float32 (torch's default and
  fastest; scikit-learn trains in float64): accuracy at equal sparsity and
  fine-tuning time;
- a network trained from scratch with about as many weights (both hidden
  sizes scaled down by the same factor);
- 25 % of the hidden units (``granularity="neuron"``): predict time on
  ``--predict-rows`` rows against the dense network, timed alternately, and
  a (32, 16) network trained from scratch;
- 95 % and 98 % of the weights by iterative magnitude pruning (``n_iter``
  rounds of 0.9 -> ...), with and without rewinding to the initial weights.

    python benchmarks/bench_mlp_pruning.py [--quick] [--repeats SEEDS] [--out F]
        [--sets a,b,...]

torch is optional (the ``bench`` extra pins the CPU build 2.13.0); without it
the torch columns are left empty.
"""

import itertools
import sys
import time
import warnings

import _harness as harness
import numpy as np
from _datasets import load_real_datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skprune import CoefficientPruner

try:
    import torch
    from torch.nn.utils import prune as torch_prune
except ImportError:  # pragma: no cover - optional peer
    torch = None

HIDDEN = (128, 64)


def n_weights(sizes):
    return sum(a * b for a, b in itertools.pairwise(sizes))


def scaled_hidden(n_features, n_outputs, n_keep):
    """Hidden sizes (128 s, 64 s) whose network has about ``n_keep`` weights."""
    # n_keep = a s^2 + b s
    a = HIDDEN[0] * HIDDEN[1]
    b = HIDDEN[0] * n_features + HIDDEN[1] * n_outputs
    s = (-b + np.sqrt(b * b + 4 * a * n_keep)) / (2 * a)
    return tuple(max(1, round(h * s)) for h in HIDDEN)


def network(seed, hidden=HIDDEN):
    return MLPClassifier(hidden_layer_sizes=hidden, random_state=seed)


def accuracy(model, X, y):
    return float(np.mean(model.predict(X) == y))


# -- the torch reference -------------------------------------------------------


def torch_prune_and_tune(dense, X, y, fraction, epochs, seed):
    """``dense``'s weights in torch, global L1 unstructured pruning of
    ``fraction`` of the weights, then Adam fine-tuning for ``epochs`` epochs
    with scikit-learn's settings. Returns (accuracy function, seconds)."""
    torch.manual_seed(seed)
    layers = []
    for i, (W, b) in enumerate(zip(dense.coefs_, dense.intercepts_, strict=True)):
        # float32, torch's own (and fastest) setting
        linear = torch.nn.Linear(*W.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.astype(np.float32)))
            linear.bias.copy_(torch.from_numpy(b.astype(np.float32)))
        layers.append(linear)
        if i < len(dense.coefs_) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    X_t = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    codes = np.searchsorted(dense.classes_, y)
    y_t = torch.from_numpy(codes)
    batch = min(200, len(y))
    start = time.perf_counter()
    torch_prune.global_unstructured(
        [(m, "weight") for m in linears],
        pruning_method=torch_prune.L1Unstructured,
        amount=fraction,
    )
    # scikit-learn's step: mean loss + alpha / 2 * ||W||^2 / batch size
    optimizer = torch.optim.Adam(model.parameters(), lr=dense.learning_rate_init)
    binary = len(dense.classes_) == 2
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(y_t), generator=generator)
        for begin in range(0, len(y_t), batch):
            rows = order[begin : begin + batch]
            optimizer.zero_grad()
            out = model(X_t[rows])
            if binary:
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    out[:, 0], y_t[rows].float()
                )
            else:
                loss = torch.nn.functional.cross_entropy(out, y_t[rows])
            penalty = sum((m.weight**2).sum() for m in linears)
            loss = loss + 0.5 * dense.alpha * penalty / len(rows)
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    for m in linears:
        torch_prune.remove(m, "weight")

    def score(X_test, y_test):
        with torch.no_grad():
            out = model(
                torch.from_numpy(np.ascontiguousarray(X_test, dtype=np.float32))
            )
        predicted = (out[:, 0] > 0).long() if binary else out.argmax(dim=1)
        codes_test = np.searchsorted(dense.classes_, y_test)
        return float(np.mean(predicted.numpy() == codes_test))

    sparsity = sum(int((m.weight == 0).sum()) for m in linears) / sum(
        m.weight.numel() for m in linears
    )
    return score, seconds, sparsity


# -- one data set, one seed ------------------------------------------------------


def time_predict(models, X, repeats):
    """The median seconds of each model's ``predict(X)``, timed alternately."""
    runs = harness.run_interleaved(
        {name: (lambda m=model: m.predict(X)) for name, model in models.items()},
        repeats,
    )
    return {
        name: harness.time_summary(run["times"])["median"] for name, run in runs.items()
    }


def run_one(name, X, y, seed, args):
    X_tr, X_te, y_tr, y_te = harness.standardized_split(X, y, seed)
    row = {"data": name, "seed": seed}
    dense = network(seed).fit(X_tr, y_tr)
    row["dense"] = accuracy(dense, X_te, y_te)
    total = n_weights([X_tr.shape[1], *HIDDEN, dense.coefs_[-1].shape[1]])

    def pruned(**params):
        return CoefficientPruner(dense, prefit=True, **params)

    ours, row["tune_s"] = harness.timed(pruned(prune_ratio=0.9).fit, X_tr, y_tr)
    row["epochs"] = ours.history_[-1]["n_iter"]
    row["w90"] = ours.score(X_te, y_te)
    row["w90_no_tune"] = (
        pruned(prune_ratio=0.9, refit=False).fit(X_tr, y_tr).score(X_te, y_te)
    )
    hidden = scaled_hidden(X_tr.shape[1], dense.coefs_[-1].shape[1], ours.n_nonzero_)
    row["scratch_hidden"] = str(hidden)
    scratch = network(seed, hidden).fit(X_tr, y_tr)
    row["w90_scratch"] = accuracy(scratch, X_te, y_te)
    row["scratch_weights"] = n_weights(
        [X_tr.shape[1], *hidden, dense.coefs_[-1].shape[1]]
    )
    row["kept_weights"] = ours.n_nonzero_
    row["total_weights"] = total
    if torch is not None:
        score, seconds, sparsity = torch_prune_and_tune(
            dense, X_tr, y_tr, 0.9, row["epochs"], seed
        )
        row["w90_torch"] = score(X_te, y_te)
        row["torch_s"] = seconds
        row["torch_sparsity"] = sparsity

    units = pruned(granularity="neuron", prune_ratio=0.75).fit(X_tr, y_tr)
    row["n25"] = units.score(X_te, y_te)
    small = network(seed, units.estimator_.hidden_layer_sizes).fit(X_tr, y_tr)
    row["n25_scratch"] = accuracy(small, X_te, y_te)
    big_X = np.resize(X_te, (args.predict_rows, X_te.shape[1]))
    times = time_predict({"dense": dense, "pruned": units}, big_X, args.time_repeats)
    row["predict_speedup"] = times["dense"] / times["pruned"]

    for level, n_iter in ((0.95, 2), (0.98, 3)):
        for rewind in (False, True):
            model = pruned(prune_ratio=level, n_iter=n_iter, rewind=rewind)
            key = f"w{round(level * 100)}{'_rewind' if rewind else ''}"
            row[key] = model.fit(X_tr, y_tr).score(X_te, y_te)
    return row


COLUMNS = [
    "dense",
    "w90",
    "w90_no_tune",
    "w90_scratch",
    "w90_torch",
    "n25",
    "n25_scratch",
    "predict_speedup",
    "w95",
    "w95_rewind",
    "w98",
    "w98_rewind",
    "tune_s",
    "torch_s",
]


def main():
    args = harness.parse_args(
        __doc__,
        options=[
            ("--sets", dict(help="comma-separated data set names")),
            ("--predict-rows", dict(type=int, default=100_000)),
            ("--time-repeats", dict(type=int, default=5)),
        ],
        quick="smoke run",
        repeats="seeds",
    )
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    seeds = range(args.repeats or (1 if args.quick else 3))
    names = args.sets.split(",") if args.sets else None
    if args.quick and names is None:
        names = ["digits", "breast_cancer_wdbc"]
    data = load_real_datasets(max_rows=3000, names=names)
    if torch is None:
        print("torch is not installed: no torch columns", file=sys.stderr)
    else:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    rows = []
    for name, (X, y) in data.items():
        for seed in seeds:
            row = run_one(name, X, y, seed, args)
            rows.append(row)
            print(
                f"[{name} seed {seed}] "
                + " ".join(f"{c}={row.get(c, float('nan')):.4f}" for c in COLUMNS),
                file=sys.stderr,
                flush=True,
            )
    per_set = []
    for name in data:
        mine = [r for r in rows if r["data"] == name]
        per_set.append(
            {"data": name}
            | {c: float(np.mean([r[c] for r in mine])) for c in COLUMNS if c in mine[0]}
        )
    print("\nmean over seeds, per data set (test accuracy; speed-up = dense / pruned)")
    harness.print_table(per_set, ["data", *COLUMNS])
    overall = {
        c: float(np.mean([r[c] for r in per_set])) for c in COLUMNS if c in per_set[0]
    }
    print("\nmean over data sets")
    harness.print_table([overall], COLUMNS)
    checks = [
        ("90% weights >= dense - 0.5 pt", overall["w90"] >= overall["dense"] - 0.005),
        ("90% weights > scratch, same size", overall["w90"] > overall["w90_scratch"]),
        ("25% units: predict >= 2.5x faster", overall["predict_speedup"] >= 2.5),
        (
            "25% units >= scratch - 0.5 pt",
            overall["n25"] >= overall["n25_scratch"] - 0.005,
        ),
    ]
    if "w90_torch" in overall:
        checks.append(("90% weights >= torch", overall["w90"] >= overall["w90_torch"]))
    print()
    for text, met in checks:
        print(f"{'met    ' if met else 'NOT met'}  {text}")
    sets_lost = {
        c: [r["data"] for r in per_set if r["w90"] < r[c] - 0.005]
        for c in ("dense", "w90_scratch", "w90_torch")
        if c in per_set[0]
    }
    for c, lost in sets_lost.items():
        print(f"sets where w90 is > 0.5 pt below {c}: {len(lost)} {lost}")
    harness.write_json(
        args.out,
        {"rows": rows, "per_set": per_set, "overall": overall, "checks": checks},
    )


if __name__ == "__main__":
    main()
