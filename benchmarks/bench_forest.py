"""Tree ensembles pruned by ``CoefficientPruner``: how small, at what cost.

Two parts.

1. **Compression** (``--only compression``). On 11 real classification sets
   of ``_datasets.py`` (8 binary, 3 multiclass) and its 6 regression sets,
   at most 3,000 training rows and up to 2,000 test rows (a 60/40 split,
   stratified for classification), two ensembles:

   - ``RandomForest*(n_estimators=500)`` (``n_jobs=2``), pruned at
     ``prune_ratio`` 0.9, 0.95, 0.98, 0.99 and 0.995 of its leaves;
   - ``HistGradientBoosting*()`` (100 iterations of 31 leaves, no early
     stopping), pruned at 0.8, 0.9, 0.95 and 0.98;

   each with ``CoefficientPruner(model, prefit=True, prune_ratio=r)`` at its
   defaults (``granularity="weight"``, which is ``"leaf"`` for trees;
   ``criterion="auto"``, ``n_iter="auto"``) refit on the training rows.
   At each level the node count ``n_nodes_`` of the pruned model is the
   budget every peer gets:

   - ``first_k``: the ensemble's first trees (iterations) up to the budget;
   - ``ccp`` (forests): the same 500-tree forest grown with ``ccp_alpha``
     (same seed, so the same trees cut by cost-complexity pruning) at the
     largest node count within the budget, from a grid of 9 values;
   - ``scratch_trees``: a forest of as many full trees as the budget holds
     (boosting: the most leaves per tree, of 4, 8, 16 and 31, that leave at
     least 20 iterations in the budget, else 2, and as many iterations as
     fit, at most 100);
   - ``scratch_leaves`` (forests): 20 trees with ``max_leaf_nodes`` that
     fits the budget;
   - ``hstree`` (forests): imodels' ``HSTreeClassifierCV`` /
     ``HSTreeRegressorCV`` (hierarchical shrinkage, its regularisation
     chosen by its own 3-fold CV over its default grid) on the
     ``scratch_leaves`` forest, the strongest maintained leaf refit; it
     rewrites values and keeps the nodes.

   Reported: test accuracy and log-loss (classification) or RMSE
   (regression) against nodes, pickle bytes and (skprune) ``n_bytes_`` and
   the ONNX file's bytes; per set, the largest
   compression (dense nodes / pruned nodes) at accuracy within 0.5 point of
   the unpruned model (RMSE within 1 %); the median over sets and the share
   of sets at >= 20x (forests) / >= 8x (boosting); the mean difference to
   the unpruned model at each level for skprune and every peer.

2. **The refit's penalty** (``--only refit``). The leaf refit sees the
   rows the trees were grown on, so it is penalised: ``PENALTIES`` (the
   change of the leaf values from where each round starts, per unit of row
   weight) at 0.001, 0.01, 0.1, 0.3 and 1, and no refit at all
   (``refit=False``: merged leaves at their children's weighted mean), on
   six classification sets and the six regression sets,
   ``RandomForest*(200)`` at ``prune_ratio=0.98`` and
   ``HistGradientBoosting*()`` at 0.95: test accuracy (RMSE) minus the
   unpruned model's.

3. **Speed** (``--only speed``). 100,000 synthetic rows
   (``make_classification``, 20 features, 10 informative, 2 % flipped
   labels): ``RandomForestClassifier(100)`` and
   ``HistGradientBoostingClassifier()``, the fit time against the whole
   prune (refits and merges) at 0.99 / 0.95, and the prediction time on
   100,000 rows of the unpruned model (scikit-learn) against the pruned one
   (skprune's numpy routing, and onnxruntime when ``skprune.onnx`` exports
   it), interleaved repeats.

    python benchmarks/bench_forest.py [--quick] [--only PART] [--out F]

(``PART``: ``compression``, ``refit`` or ``speed``; all three by default.)
"""

import pickle
import warnings

import _harness as harness
import numpy as np
from _datasets import load_real_datasets, load_regression_datasets
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.metrics import log_loss, mean_squared_error
from sklearn.model_selection import train_test_split

from skprune import CoefficientPruner

FOREST_RATIOS = (0.9, 0.95, 0.98, 0.99, 0.995)
BOOSTING_RATIOS = (0.8, 0.9, 0.95, 0.98)
CCP_ALPHAS = np.concatenate([[0.0], np.logspace(-5, -1, 8)])
CLASSIFICATION_SETS = (
    "australian",
    "german_credit",
    "pima_diabetes",
    "ionosphere",
    "vehicle",
    "segment",
    "satimage",
    "phoneme",
    "spambase",
    "magic",
    "breast_cancer_wdbc",
)
TOLERANCE = {"accuracy": 0.005, "rmse": 0.01}
PEERS = ("first_k", "ccp", "scratch_trees", "scratch_leaves", "hstree")


def n_nodes(model):
    """Nodes a scikit-learn ensemble stores."""
    if hasattr(model, "_predictors"):
        return sum(len(p.nodes) for stage in model._predictors for p in stage)
    return sum(e.tree_.node_count for e in np.ravel(model.estimators_))


def evaluate(model, X, y, classification):
    if classification:
        proba = model.predict_proba(X)
        return {
            "accuracy": float(np.mean(model.classes_[proba.argmax(1)] == y)),
            "log_loss": float(log_loss(y, proba, labels=model.classes_)),
        }
    rmse = float(np.sqrt(mean_squared_error(y, model.predict(X))))
    return {"rmse": rmse}


def first_trees(model, budget, kind, X, y):
    """The ensemble's first trees (iterations) that fit ``budget`` nodes."""
    if kind == "forest":
        sizes = np.cumsum([e.tree_.node_count for e in model.estimators_])
        k = max(1, int(np.searchsorted(sizes, budget, side="right")))
        cut = clone(model).set_params(n_estimators=k)
        cut.estimators_ = model.estimators_[:k]
        for name in (
            "classes_",
            "n_classes_",
            "n_outputs_",
            "n_features_in_",
            "estimator_",
        ):
            if hasattr(model, name):
                setattr(cut, name, getattr(model, name))
        return cut
    sizes = np.cumsum([sum(len(p.nodes) for p in stage) for stage in model._predictors])
    k = max(1, int(np.searchsorted(sizes, budget, side="right")))
    return clone(model).set_params(max_iter=k).fit(X, y)


def ccp_forests(model, X, y):
    """The forest grown with every alpha of ``CCP_ALPHAS``: (nodes, model)."""
    out = []
    for alpha in CCP_ALPHAS:
        grown = clone(model).set_params(ccp_alpha=alpha).fit(X, y)
        out.append((n_nodes(grown), grown))
    return out


def scratch(model, budget, kind, X, y, classification):
    """Forests (boosted models) trained from scratch within ``budget``."""
    out = {}
    if kind == "forest":
        per_tree = n_nodes(model) / len(model.estimators_)
        trees = max(1, int(budget // per_tree))
        out["scratch_trees"] = clone(model).set_params(n_estimators=trees).fit(X, y)
        leaves = max(2, int((budget / 20 + 1) // 2))
        small = clone(model).set_params(n_estimators=20, max_leaf_nodes=leaves)
        out["scratch_leaves"] = small.fit(X, y)
        from imodels import HSTreeClassifierCV, HSTreeRegressorCV

        shrunk = (HSTreeClassifierCV if classification else HSTreeRegressorCV)(
            estimator_=clone(small)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out["hstree"] = shrunk.fit(X, y)
        if classification:
            out["hstree"].classes_ = out["scratch_leaves"].classes_
    else:
        # the most leaves per tree that leave at least 20 iterations (or 2
        # leaves), as many iterations as the budget holds, at most 100
        per_stage = len(model._predictors[0])
        leaves = 2
        for candidate in (4, 8, 16, 31):
            if budget // ((2 * candidate - 1) * per_stage) >= 20:
                leaves = candidate
        stages = int(min(100, max(1, budget // ((2 * leaves - 1) * per_stage))))
        out["scratch_trees"] = (
            clone(model).set_params(max_leaf_nodes=leaves, max_iter=stages).fit(X, y)
        )
    return out


def compression_part(args):
    sets = [
        (name, X, y, True)
        for name, (X, y) in load_real_datasets(
            max_rows=5000, names=CLASSIFICATION_SETS
        ).items()
    ]
    sets += [
        (name, X, y, False)
        for name, (X, y) in load_regression_datasets(max_rows=5000).items()
    ]
    if args.quick:
        sets = [s for s in sets if s[0] in ("pima_diabetes", "diabetes")]
    rows = []
    for name, X, y, classification in sets:
        X_tr, X_te, y_tr, y_te = train_test_split(
            X,
            y,
            train_size=min(3000, int(0.6 * len(y))),
            test_size=min(2000, int(0.4 * len(y))),
            stratify=y if classification else None,
            random_state=0,
        )
        for kind in ("forest", "boosting"):
            rows += run_set(name, kind, X_tr, X_te, y_tr, y_te, classification, args)
    return rows


def make_ensemble(kind, classification, n_trees):
    """An unfitted random forest of ``n_trees`` (``kind="forest"``) or a
    histogram-boosted model without early stopping, seeded."""
    if kind == "forest":
        cls = RandomForestClassifier if classification else RandomForestRegressor
        return cls(n_estimators=n_trees, n_jobs=2, random_state=0)
    cls = (
        HistGradientBoostingClassifier
        if classification
        else HistGradientBoostingRegressor
    )
    return cls(early_stopping=False, random_state=0)


def run_set(name, kind, X_tr, X_te, y_tr, y_te, classification, args):
    model = make_ensemble(kind, classification, 50 if args.quick else 500)
    ratios = FOREST_RATIOS if kind == "forest" else BOOSTING_RATIOS
    (model, fit_time) = harness.timed(model.fit, X_tr, y_tr)
    dense_nodes = n_nodes(model)
    base = evaluate(model, X_te, y_te, classification)
    rows = [
        {
            "set": name,
            "model": kind,
            "method": "unpruned",
            "level": 0.0,
            "nodes": dense_nodes,
            "bytes": len(pickle.dumps(model)),
            "seconds": fit_time,
            **base,
        }
    ]
    ccp = ccp_forests(model, X_tr, y_tr) if kind == "forest" else []
    for ratio in ratios:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pruner, seconds = harness.timed(
                CoefficientPruner(model, prefit=True, prune_ratio=ratio).fit,
                X_tr,
                y_tr,
            )
        budget = pruner.n_nodes_
        onnx_bytes = _onnx_bytes(pruner, X_te)
        rows.append(
            {
                "set": name,
                "model": kind,
                "method": "skprune",
                "level": ratio,
                "nodes": budget,
                "seconds": seconds,
                "bytes": len(pickle.dumps(pruner.estimator_)),
                "n_bytes": pruner.n_bytes_,
                "onnx_bytes": onnx_bytes,
                **evaluate(pruner, X_te, y_te, classification),
            }
        )
        peers = {"first_k": first_trees(model, budget, kind, X_tr, y_tr)}
        within = [(nodes, m) for nodes, m in ccp if nodes <= budget]
        if within:
            peers["ccp"] = max(within, key=lambda c: c[0])[1]
        peers.update(scratch(model, budget, kind, X_tr, y_tr, classification))
        for method, peer in peers.items():
            inner = getattr(peer, "estimator_", peer) if method == "hstree" else peer
            rows.append(
                {
                    "set": name,
                    "model": kind,
                    "method": method,
                    "level": ratio,
                    "nodes": n_nodes(inner),
                    "bytes": len(pickle.dumps(peer)),
                    **evaluate(peer, X_te, y_te, classification),
                }
            )
        print(
            f"{name:18s} {kind:8s} {ratio:5.3f} "
            + " ".join(
                f"{r['method']}={_score(r):.4f}/{r['nodes']}"
                for r in rows
                if r["level"] == ratio and r["set"] == name and r["model"] == kind
            ),
            flush=True,
        )
    return rows


def _onnx_bytes(pruner, X):
    """The size of the pruned model's ONNX file (float32 graph; float64 for
    histogram boosting, which compares float64 values)."""
    import skprune.onnx

    hist = "Hist" in type(pruner.estimator).__name__
    sample = X[:1].astype(np.float64 if hist else np.float32)
    return len(skprune.onnx.to_onnx(pruner, sample).SerializeToString())


def _score(row):
    return row["accuracy"] if "accuracy" in row else row["rmse"]


def summarise(rows):
    """Per model: each set's compression within tolerance, their median and
    the share at the floor; per model and task, the mean gap to the unpruned
    model at every level for every method (accuracy points, or the RMSE's
    relative fall: higher is better), one row per level."""
    summary = {}
    for kind in ("forest", "boosting"):
        per_set = {}
        gaps = {}
        for name in dict.fromkeys(r["set"] for r in rows if r["model"] == kind):
            mine = [r for r in rows if r["set"] == name and r["model"] == kind]
            base = next(r for r in mine if r["method"] == "unpruned")
            best = 1.0
            for r in mine:
                if r["method"] == "unpruned":
                    continue
                if "accuracy" in r:
                    gap = r["accuracy"] - base["accuracy"]
                    ok = gap >= -TOLERANCE["accuracy"]
                else:
                    gap = 1 - r["rmse"] / base["rmse"]
                    ok = gap >= -TOLERANCE["rmse"]
                if r["method"] == "skprune" and ok:
                    best = max(best, base["nodes"] / r["nodes"])
                task = "classification" if "accuracy" in r else "regression"
                gaps.setdefault(task, {}).setdefault(r["level"], {}).setdefault(
                    r["method"], []
                ).append(gap)
            per_set[name] = best
        ratios = np.array(list(per_set.values()))
        floor = 20 if kind == "forest" else 8
        summary[kind] = {
            "compression_within_tolerance": per_set,
            "median_compression": float(np.median(ratios)),
            f"share_at_least_{floor}x": float(np.mean(ratios >= floor)),
        }
        for task, by_level in gaps.items():
            summary[kind][f"mean_gap_{task}"] = [
                {"level": level, **{m: float(np.mean(g)) for m, g in by_method.items()}}
                for level, by_method in sorted(by_level.items())
            ]
    return summary


REFIT_SETS = (
    "australian",
    "pima_diabetes",
    "vehicle",
    "phoneme",
    "spambase",
    "segment",
)
PENALTY_GRID = (0.001, 0.01, 0.1, 0.3, 1.0)


def refit_part(args):
    """Test score minus the unpruned model's for each refit penalty and for
    no refit (see the module docstring)."""
    from skprune.families.forest import _family

    chosen = dict(_family.PENALTIES)
    sets = [
        (n, X, y, True)
        for n, (X, y) in load_real_datasets(
            max_rows=4000, names=REFIT_SETS[:2] if args.quick else REFIT_SETS
        ).items()
    ]
    sets += [
        (n, X, y, False)
        for n, (X, y) in load_regression_datasets(max_rows=4000).items()
    ][: 1 if args.quick else None]
    rows = []
    for name, X, y, classification in sets:
        X_tr, X_te, y_tr, y_te = train_test_split(
            X,
            y,
            test_size=0.3,
            random_state=0,
            stratify=y if classification else None,
        )
        for kind, ratio in (("forest", 0.98), ("boosting", 0.95)):
            model = make_ensemble(kind, classification, 200)
            model.fit(X_tr, y_tr)
            base = _score(evaluate(model, X_te, y_te, classification))
            row = {"set": name, "model": kind, "prune_ratio": ratio}
            for penalty in (*PENALTY_GRID, None):
                _family.PENALTIES = {
                    "classification": penalty or 1.0,
                    "regression": penalty or 1.0,
                }
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pruner = CoefficientPruner(
                        model,
                        prefit=True,
                        prune_ratio=ratio,
                        refit=penalty is not None,
                    ).fit(X_tr, y_tr)
                score = _score(evaluate(pruner, X_te, y_te, classification))
                gap = score - base if classification else 1 - score / base
                row["no refit" if penalty is None else f"penalty {penalty:g}"] = gap
            _family.PENALTIES = chosen
            rows.append(row)
            print(row, flush=True)
    columns = [c for c in rows[0] if c not in ("set", "model", "prune_ratio")]
    summary = [
        {
            "model": kind,
            "task": task,
            **{
                c: float(
                    np.mean(
                        [
                            r[c]
                            for r in rows
                            if r["model"] == kind
                            and (r["set"] in REFIT_SETS) == (task == "classification")
                        ]
                    )
                )
                for c in columns
            },
        }
        for kind in ("forest", "boosting")
        for task in ("classification", "regression")
        if any(
            r["model"] == kind
            and (r["set"] in REFIT_SETS) == (task == "classification")
            for r in rows
        )
    ]
    print(
        "\nmean gap to the unpruned model (accuracy points, or the RMSE's "
        "relative fall), higher is better"
    )
    harness.print_table(summary, ["model", "task", *columns])
    return {"rows": rows, "summary": summary, "chosen": chosen}


def speed_part(args):
    n = 20_000 if args.quick else 100_000
    X, y = make_classification(
        n_samples=2 * n, n_features=20, n_informative=10, flip_y=0.02, random_state=0
    )
    X_tr, X_te, y_tr = X[:n], X[n:], y[:n]
    rows = []
    for model, ratio in (
        (RandomForestClassifier(100, n_jobs=2, random_state=0), 0.99),
        (HistGradientBoostingClassifier(early_stopping=False, random_state=0), 0.95),
    ):
        model, fit_time = harness.timed(model.fit, X_tr, y_tr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pruner, prune_time = harness.timed(
                CoefficientPruner(model, prefit=True, prune_ratio=ratio).fit, X_tr, y_tr
            )
        y_te = y[n:]
        quality = {
            "unpruned accuracy": model.score(X_te, y_te),
            "unpruned log_loss": log_loss(y_te, model.predict_proba(X_te)),
            "pruned accuracy": pruner.score(X_te, y_te),
            "pruned log_loss": log_loss(y_te, pruner.predict_proba(X_te)),
        }
        methods = {
            "unpruned (scikit-learn)": lambda m=model: m.predict_proba(X_te),
            "pruned (skprune)": lambda p=pruner: p.estimator_.predict_proba(X_te),
        }
        try:
            import onnxruntime as ort

            import skprune.onnx

            onx = skprune.onnx.to_onnx(pruner, X_te[:1].astype(np.float32))
            sess = ort.InferenceSession(
                onx.SerializeToString(), providers=["CPUExecutionProvider"]
            )
            feed = {sess.get_inputs()[0].name: X_te.astype(np.float32)}
            methods["pruned (onnxruntime)"] = lambda s=sess, f=feed: s.run(None, f)
            onnx_bytes = len(onx.SerializeToString())
        except Exception as exc:  # no converter for the model
            onnx_bytes = f"no ONNX export: {type(exc).__name__}: {exc}"
        timing = harness.run_interleaved(methods, 1 if args.quick else 3)
        row = {
            "model": type(model).__name__,
            "rows": n,
            "prune_ratio": ratio,
            "fit_seconds": fit_time,
            "prune_seconds": prune_time,
            "prune_over_fit": prune_time / fit_time,
            "nodes": n_nodes(model),
            "pruned_nodes": pruner.n_nodes_,
            "onnx_bytes": onnx_bytes,
            "n_bytes": pruner.n_bytes_,
            **quality,
        }
        for name, result in timing.items():
            row[f"predict {name}"] = harness.time_summary(result["times"])["median"]
        rows.append(row)
        print(row, flush=True)
    return rows


def main():
    args = harness.parse_args(
        __doc__.split("\n\n")[0],
        options=[
            (
                "--only",
                {
                    "choices": ["compression", "refit", "speed"],
                    "default": None,
                    "help": "run one part",
                },
            )
        ],
    )
    payload = {}
    if args.only in (None, "compression"):
        rows = compression_part(args)
        payload["compression"] = rows
        payload["summary"] = summarise(rows)
        for kind, s in payload["summary"].items():
            per_set = {
                k: round(v, 1) for k, v in s["compression_within_tolerance"].items()
            }
            print(
                f"\n{kind}: median compression within tolerance "
                f"{s['median_compression']}x; per set {per_set}"
            )
            for task in ("classification", "regression"):
                table = s.get(f"mean_gap_{task}")
                if table:
                    print(f"{kind}, {task}: mean gap to the unpruned model")
                    harness.print_table(table, list(table[0]))
    if args.only in (None, "refit"):
        payload["refit"] = refit_part(args)
    if args.only in (None, "speed"):
        payload["speed"] = speed_part(args)
    harness.write_json(args.out, payload)


if __name__ == "__main__":
    main()
