"""The experiments, one runner per ``--kind``: coefficient pruning
(:func:`coefficient_experiment`), sample pruning (:func:`sample_experiment`)
and compression (:func:`compress_experiment`), each over the one fold runner
(:class:`~skprune._cli.folds.Folds`) and returning rows
``{kind, method, fraction, kept, <scorer>...}``; and what they share: the
model of ``--model`` (:func:`make_model`) and the references
(:class:`References`)."""

import copy
import inspect

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import RFE
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from .. import (
    CoefficientPruner,
    CoefficientQuantizer,
    PrunedLogisticRegression,
    SampleSubsetter,
)
from ..coefficients._quantizer import float_bytes, model_weights
from .folds import Folds
from .scorers import DEFAULT_SCORING, MeanScores

MODEL_NAMES = {"logistic": "logistic regression", "mlp": "MLPClassifier (64,)"}
MAJORITY = "majority class"
# the reference fit on everything: all the features of a logistic regression,
# all the weights of a network, all the training rows
ALL_FEATURES = "all features"
ALL_WEIGHTS = "all weights"
ALL_ROWS = "all rows"
ALL_LEAVES = "all leaves (200 trees)"
FOREST_TREES = 200
L1_METHOD = "L1 path (select k, refit)"
# each with keep="auto": importance sampling for the costs (grand, loss),
# coverage for margin, the greedy coreset for herding
SAMPLE_STRATEGIES = ("grand", "loss", "margin", "herding")
# compression: the quantizations of the dense and of the pruned models
QUANTIZATIONS = {
    "8-bit uniform": {"n_bits": 8, "method": "uniform"},
    "4-bit k-means": {"n_bits": 4, "method": "kmeans"},
}
DENSE = "dense float64"
PRUNED = "pruned (float64, sparse)"


def make_model(model, seed):
    """A fresh estimator for ``--model``: a logistic regression, or a
    one-hidden-layer network (64 units, adam, up to 300 epochs, seeded)."""
    if model == "mlp":
        return MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=seed)
    return LogisticRegression(max_iter=1000)


class References(MeanScores):
    """The references' mean scores over the folds: the majority class (at
    level None) and, unless ``full`` is None, the full model named ``full``
    (all features, weights or rows; at level 1.0)."""

    def __init__(self, full, scoring, cv):
        super().__init__(scoring, cv)
        self.full = full

    def add_fold(self, X, y, X_test, y_test, model=None):
        """Score a fold: the majority class fit on ``(X, y)`` and the full
        ``model``, already fit on them."""
        majority = DummyClassifier(strategy="most_frequent").fit(X, y)
        self.add(MAJORITY, None, majority, X_test, y_test)
        if self.full is not None:
            self.add(self.full, 1.0, model, X_test, y_test)


def _l1_penalty(estimator=LogisticRegression):
    """The keyword of an L1 penalty: ``penalty="l1"`` up to scikit-learn 1.7
    (where ``l1_ratio`` alone does nothing), ``l1_ratio=1`` once ``penalty``
    is deprecated (1.8+)."""
    param = inspect.signature(estimator).parameters.get("penalty")
    if param is None or param.default == "deprecated":
        return {"l1_ratio": 1.0}
    return {"penalty": "l1"}


def _l1_selections(X, y, counts, seed):
    """For each count ``k``, the ``k`` columns with the largest coefficient
    norms of the first model along the increasing-C L1 path with at least
    ``k`` non-zero features (the largest model when none has)."""
    binary = len(np.unique(y)) == 2
    model = LogisticRegression(
        **_l1_penalty(),
        solver="liblinear" if binary else "saga",
        warm_start=not binary,
        max_iter=500,
        tol=1e-3,
        random_state=seed,
    )
    path = []
    for C in np.logspace(-2.5, 1, 12):
        model.set_params(C=C).fit(X, y)
        norms = np.linalg.norm(model.coef_, axis=0)
        path.append((int(np.count_nonzero(norms)), norms))
        if path[-1][0] >= max(counts):
            break
    largest = max(path, key=lambda point: point[0])
    out = []
    for k in counts:
        norms = next((n for size, n in path if size >= k), largest[1])
        out.append(np.sort(np.argsort(-norms, kind="stable")[:k]))
    return out


def _named(scoring, values):
    """``{scorer: value}``, the row's columns of the scores."""
    return {s: float(v) for s, v in zip(scoring, values, strict=True)}


def _rows(kind, scoring, scores, kept, references, full_kept):
    """The rows of a pruning kind: ``scores[method, fraction]`` with
    ``kept[fraction]`` items kept, then ``references[method, level]``
    (``fraction`` None and nothing kept for the majority class, 1.0 and
    ``full_kept`` for the full model)."""
    rows = [
        {
            "kind": kind,
            "method": name,
            "fraction": f,
            "kept": int(kept[f]),
            **_named(scoring, values),
        }
        for (name, f), values in scores.items()
    ]
    for (name, level), values in references.items():
        rows.append(
            {
                "kind": kind,
                "method": name,
                "fraction": level,
                "kept": None if level is None else int(full_kept),
                **_named(scoring, values),
            }
        )
    return rows


def coefficient_experiment(
    X, y, fractions, cv, seed, progress, scoring=DEFAULT_SCORING, model="logistic"
):
    """Rows ``{kind, method, fraction, kept, <scorer>...}``: mean CV scores,
    then the references (``fraction`` None for the majority class, 1 for the
    full model)."""
    scoring = list(scoring)
    if model == "mlp":
        return _mlp_coefficient_experiment(X, y, fractions, cv, seed, progress, scoring)
    n_features = X.shape[1]
    counts = [max(1, round(f * n_features)) for f in fractions]
    methods = {
        "skprune (10 rounds, refit)": lambda k: PrunedLogisticRegression(
            n_keep=k, granularity="feature"
        ),
        "skprune one-shot, no refit": lambda k: PrunedLogisticRegression(
            n_keep=k, granularity="feature", n_iter=1, refit=False
        ),
        "RFE(step=1)": lambda k: RFE(
            LogisticRegression(max_iter=1000), n_features_to_select=k
        ),
    }
    scores = MeanScores(scoring, cv)
    references = References(ALL_FEATURES, scoring, cv)
    folds = Folds(X, y, cv, seed, progress, steps=len(methods) * len(counts) + 2)
    for X_tr, y_tr, X_te, y_te in folds:
        for name, make in methods.items():
            for f, k in zip(fractions, counts, strict=True):
                scores.add(name, f, make(k).fit(X_tr, y_tr), X_te, y_te)
                folds.step(f"{name}, {k} features")
        selections = _l1_selections(X_tr, y_tr, counts, seed)
        for f, cols in zip(fractions, selections, strict=True):
            fitted = LogisticRegression(max_iter=1000).fit(X_tr[:, cols], y_tr)
            scores.add(L1_METHOD, f, fitted, X_te[:, cols], y_te)
        folds.step("L1 path")
        full = make_model("logistic", seed).fit(X_tr, y_tr)
        references.add_fold(X_tr, y_tr, X_te, y_te, full)
        folds.step("references")
    kept = dict(zip(fractions, counts, strict=True))
    return _rows("coef", scoring, scores.means, kept, references.means, n_features)


def _mlp_coefficient_experiment(X, y, fractions, cv, seed, progress, scoring):
    """The network's weights pruned by magnitude (globally across its two
    layers) to each fraction, fine-tuned under the mask with the network's
    own solver or only zeroed; one dense network per fold, pruned by both."""
    methods = {"magnitude, fine-tuned": True, "magnitude, no fine-tune": False}
    scores = MeanScores(scoring, cv)
    references = References(ALL_WEIGHTS, scoring, cv)
    counts, n_weights = [], 0
    folds = Folds(X, y, cv, seed, progress, steps=len(methods) * len(fractions) + 1)
    for X_tr, y_tr, X_te, y_te in folds:
        dense = make_model("mlp", seed).fit(X_tr, y_tr)
        n_weights = sum(W.size for W in dense.coefs_)
        counts = [max(1, round(f * n_weights)) for f in fractions]
        references.add_fold(X_tr, y_tr, X_te, y_te, dense)
        folds.step("dense network, references")
        for name, refit in methods.items():
            for f, k in zip(fractions, counts, strict=True):
                pruned = CoefficientPruner(
                    dense, n_keep=k, refit=refit, prefit=True, random_state=seed
                ).fit(X_tr, y_tr)
                scores.add(name, f, pruned, X_te, y_te)
                folds.step(f"{name}, {k} weights")
    kept = dict(zip(fractions, counts, strict=True))
    return _rows("coef", scoring, scores.means, kept, references.means, n_weights)


def forest_experiment(
    X, y, fractions, cv, seed, progress, scoring=DEFAULT_SCORING, model="logistic"
):
    """A random forest (200 trees, seeded) pruned to each fraction of its
    leaves: skprune's leaf merges (its defaults: second-order costs, ten
    refit rounds), its whole trees dropped to as many trees as hold that many
    leaves on average, and the forest's first trees holding that many leaves;
    ``--model`` does not apply. Rows as :func:`coefficient_experiment`'s,
    ``kept`` counting leaves."""
    scoring = list(scoring)
    names = ("skprune, leaves merged", "skprune, trees dropped", "first trees")
    scores = MeanScores(scoring, cv)
    references = References(ALL_LEAVES, scoring, cv)
    counts, n_leaves = [], 0
    folds = Folds(X, y, cv, seed, progress, steps=len(names) * len(fractions) + 1)
    for X_tr, y_tr, X_te, y_te in folds:
        forest = RandomForestClassifier(FOREST_TREES, random_state=seed, n_jobs=-1).fit(
            X_tr, y_tr
        )
        per_tree = np.array([e.tree_.n_leaves for e in forest.estimators_])
        n_leaves = int(per_tree.sum())
        counts = [max(1, round(f * n_leaves)) for f in fractions]
        references.add_fold(X_tr, y_tr, X_te, y_te, forest)
        folds.step("forest, references")
        for f, k in zip(fractions, counts, strict=True):
            merged = CoefficientPruner(forest, prefit=True, n_keep=k).fit(X_tr, y_tr)
            scores.add(names[0], f, merged, X_te, y_te)
            folds.step(f"{names[0]}, {k} leaves")
            # as many trees as hold k leaves on average
            n_trees = max(1, round(k / per_tree.mean()))
            dropped = CoefficientPruner(
                forest, prefit=True, granularity="tree", n_keep=n_trees
            ).fit(X_tr, y_tr)
            scores.add(names[1], f, dropped, X_te, y_te)
            folds.step(f"{names[1]}, {n_trees} trees")
            first = max(1, int(np.searchsorted(np.cumsum(per_tree), k, "right")))
            scores.add(names[2], f, _first_trees(forest, first), X_te, y_te)
            folds.step(f"{names[2]}, {first} trees")
    kept = dict(zip(fractions, counts, strict=True))
    return _rows("forest", scoring, scores.means, kept, references.means, n_leaves)


def _first_trees(forest, k):
    """The forest's first ``k`` trees, as a forest."""
    cut = copy.copy(forest)
    cut.estimators_ = forest.estimators_[:k]
    cut.n_estimators = k
    return cut


def sample_experiment(
    X, y, fractions, cv, seed, progress, scoring=DEFAULT_SCORING, model="logistic"
):
    """Rows ``{kind, method, fraction, kept, <scorer>...}``: mean CV scores of
    the model (``--model``) fit on the kept training rows, then the
    references (``fraction`` None for the majority class, 1 for all rows).
    The rows are scored with a logistic regression (a cheap proxy when the
    model is a network)."""
    scoring = list(scoring)
    names = ["random", *SAMPLE_STRATEGIES]
    scores = MeanScores(scoring, cv)
    rules = {name: set() for name in names}
    references = References(ALL_ROWS, scoring, cv)
    kept, n_train = {}, 0
    folds = Folds(X, y, cv, seed, progress, steps=len(names) * len(fractions) + 1)
    for X_tr, y_tr, X_te, y_te in folds:
        n_train = len(y_tr)
        class_sizes = np.unique(y_tr, return_counts=True)[1]
        inner_cv = max(2, min(3, int(class_sizes.min())))
        for name in names:
            repeats = 3 if name == "random" else 1
            for f in fractions:
                kept[f] = max(len(class_sizes), round(f * len(y_tr)))
                for r in range(repeats):
                    fitted = SampleSubsetter(
                        make_model(model, seed),
                        n_keep=kept[f],
                        strategy=name,
                        keep="auto",
                        cv=inner_cv,
                        scoring_estimator=LogisticRegression(max_iter=1000),
                        random_state=seed + r,
                    ).fit(X_tr, y_tr)
                    rules[name].add(fitted.keep_)
                    scores.add(name, f, fitted, X_te, y_te, repeats)
                folds.step(f"{name}, {f:.0%} of rows")
        full = make_model(model, seed).fit(X_tr, y_tr)
        references.add_fold(X_tr, y_tr, X_te, y_te, full)
        folds.step("references")
    # each strategy under the rule keep="auto" applied: it depends on the
    # model (importance sampling needs a fit that takes sample_weight, which
    # MLPClassifier has from scikit-learn 1.7 on)
    labels = {
        name: name
        if name == "random" or rules[name] == {name}
        else f"{name} ({'/'.join(sorted(rules[name]))})"
        for name in names
    }
    means = {(labels[name], f): values for (name, f), values in scores.means.items()}
    return _rows("samples", scoring, means, kept, references.means, n_train)


def _prune_for_compression(model, dense, k, X, y, seed):
    """The model pruned to ``k`` weights and refit: a network is the fitted
    ``dense`` one pruned and fine-tuned; a logistic regression is skprune's
    pruned logistic regression fit on ``(X, y)`` (default schedule: ten
    rounds of pruning and refitting from the same dense start)."""
    if model == "mlp":
        return CoefficientPruner(dense, n_keep=k, prefit=True, random_state=seed).fit(
            X, y
        )
    return PrunedLogisticRegression(n_keep=k, max_iter=1000).fit(X, y)


def compress_experiment(
    X, y, fractions, cv, seed, progress, scoring=DEFAULT_SCORING, model="logistic"
):
    """Rows ``{kind, method, fraction, kept, bytes, ratio, <scorer>...}``:
    the dense model, it quantized, the model pruned to each fraction of its
    weights (see :func:`_prune_for_compression`), and the pruned models
    quantized, with their mean stored bytes (quantized: see
    :class:`~skprune.CoefficientQuantizer`; unquantized: every weight as a
    float64, a pruned model's zeros stored as its index) and ``ratio``
    (dense bytes / bytes); then the majority class (the one reference)."""
    scoring = list(scoring)
    fractions = [f for f in fractions if f < 1]
    scores = MeanScores(scoring, cv)
    majority = References(None, scoring, cv)
    # (method, fraction) -> weights kept (the last fold's), mean bytes
    kept, mean_bytes = {}, {}
    per_fold = 1 + len(QUANTIZATIONS) * (1 + len(fractions))
    folds = Folds(X, y, cv, seed, progress, steps=per_fold + len(fractions))

    def add(name, fraction, fitted, X_te, y_te, k, n_bytes):
        kept[name, fraction] = k
        mean_bytes[name, fraction] = mean_bytes.get((name, fraction), 0.0) + (
            n_bytes / cv
        )
        scores.add(name, fraction, fitted, X_te, y_te)

    for X_tr, y_tr, X_te, y_te in folds:
        dense = make_model(model, seed).fit(X_tr, y_tr)
        n_weights = sum(W.size for W in model_weights(dense)[1])
        majority.add_fold(X_tr, y_tr, X_te, y_te)
        folds.step("dense model, references")
        models = [(DENSE, "", 1.0, dense)]
        add(DENSE, 1.0, dense, X_te, y_te, n_weights, float_bytes(dense, sparse=False))
        for f in fractions:
            k = max(1, round(f * n_weights))
            pruned = _prune_for_compression(model, dense, k, X_tr, y_tr, seed)
            add(PRUNED, f, pruned, X_te, y_te, k, float_bytes(pruned))
            models.append((PRUNED, "pruned + ", f, pruned))
            folds.step(f"pruned to {k} weights")
        for base, prefix, f, fitted in models:
            for name, params in QUANTIZATIONS.items():
                quantizer = CoefficientQuantizer(
                    fitted, prefit=True, random_state=seed, **params
                ).fit(X_tr, y_tr)
                n_bytes = quantizer.n_bytes_
                add(prefix + name, f, quantizer, X_te, y_te, kept[base, f], n_bytes)
                folds.step(f"{prefix}{name}")
    return _compress_rows(scoring, scores.means, kept, mean_bytes, majority.means)


def _compress_rows(scoring, scores, kept, mean_bytes, references):
    """The rows of :func:`compress_experiment`, by model: dense, quantized,
    pruned, pruned and quantized; the majority class last."""
    names = [DENSE, *QUANTIZATIONS, PRUNED, *(f"pruned + {q}" for q in QUANTIZATIONS)]
    dense_bytes = mean_bytes[DENSE, 1.0]
    rows = []
    for name in names:
        for (method, f), values in scores.items():
            if method == name:
                rows.append(
                    {
                        "kind": "compress",
                        "method": method,
                        "fraction": f,
                        "kept": int(kept[method, f]),
                        "bytes": round(mean_bytes[method, f]),
                        "ratio": dense_bytes / mean_bytes[method, f],
                        **_named(scoring, values),
                    }
                )
    rows.append(
        {
            "kind": "compress",
            "method": MAJORITY,
            "fraction": None,
            "kept": None,
            "bytes": None,
            "ratio": None,
            **_named(scoring, references[MAJORITY, None]),
        }
    )
    return rows
