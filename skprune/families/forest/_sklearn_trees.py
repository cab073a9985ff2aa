"""What skprune reads of scikit-learn's fitted tree ensembles.

Every private scikit-learn tree internal skprune relies on is named here and
nowhere else, so that a change in scikit-learn breaks one module (and the
tests that run it on both CI versions, the oldest supported one too):

- ``DecisionTree*.tree_``: ``children_left``, ``children_right``,
  ``feature``, ``threshold``, ``missing_go_to_left`` and ``value``
  (documented attributes of the compiled ``Tree``);
- ``GradientBoosting*``: ``estimators_`` (an array of regression trees, one
  column per class), ``learning_rate`` and the private ``_raw_predict_init``
  (the constant raw prediction the stages start from);
- ``HistGradientBoosting*``: the private ``_predictors`` (one list of
  ``TreePredictor`` per iteration, each with a ``nodes`` record array:
  ``value``, ``feature_idx``, ``num_threshold``, ``missing_go_to_left``,
  ``left``, ``right``, ``is_leaf``, ``is_categorical``), the private
  ``_baseline_prediction`` and ``_preprocessor``.

:func:`read_ensemble` turns any of them into one :class:`Ensemble`: the trees
as flat arrays (``_trees.TreeArrays``), and the linear model over their
leaves that reproduces the ensemble's raw prediction, when it has one.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

from ._trees import TreeArrays

FORESTS = (
    RandomForestClassifier,
    RandomForestRegressor,
    ExtraTreesClassifier,
    ExtraTreesRegressor,
)
BOOSTING = (GradientBoostingClassifier, GradientBoostingRegressor)
HIST_BOOSTING = (HistGradientBoostingClassifier, HistGradientBoostingRegressor)
ENSEMBLES = FORESTS + BOOSTING + HIST_BOOSTING


@dataclass
class Ensemble:
    """A fitted ensemble read into arrays.

    ``trees`` holds every node; ``output_of_tree[t]`` is the row of the
    linear model tree ``t`` feeds (a gradient-boosted multiclass model grows
    one tree per class and stage), -1 for every row (a forest's trees vote
    for every class). ``coef`` (``(n_rows, n_nodes)``, nonzero at leaves
    only) and ``intercept`` reproduce the ensemble's raw prediction (the
    regression value, or the boosting logit) as ``intercept + sum of the
    reached leaves' coef``; ``coef`` is None for a forest classifier, whose
    votes average class fractions and are no linear model of logits.
    """

    trees: TreeArrays
    output_of_tree: np.ndarray
    n_rows: int
    coef: object
    intercept: np.ndarray
    anchor: object = None
    # bagged trees (a forest's) are alike: the others make up for one dropped
    exchangeable: bool = False


def is_tree_ensemble(estimator):
    return isinstance(estimator, ENSEMBLES)


def check_supported(estimator):
    """A clear error for the settings whose prediction is no sum of leaf
    values under skprune's refit (read before fitting, when possible)."""
    name = type(estimator).__name__
    loss = getattr(estimator, "loss", None)
    allowed = {
        GradientBoostingClassifier: ("log_loss",),
        GradientBoostingRegressor: ("squared_error",),
        HistGradientBoostingClassifier: ("log_loss",),
        HistGradientBoostingRegressor: ("squared_error",),
    }.get(type(estimator))
    if allowed is not None and loss not in allowed:
        raise ValueError(
            f"{name}(loss={loss!r}) is not supported: skprune refits leaf "
            f"values under the {allowed[0]!r} loss; use loss={allowed[0]!r}."
        )
    init = getattr(estimator, "init", None)
    if isinstance(estimator, BOOSTING) and init not in (None, "zero"):
        raise ValueError(
            f"{name}(init=...) with an estimator is not supported: its raw "
            "prediction does not start from a constant. Use init=None or 'zero'."
        )


def read_ensemble(estimator):
    """The :class:`Ensemble` of a fitted tree ensemble."""
    check_supported(estimator)
    if isinstance(estimator, HIST_BOOSTING):
        return _read_hist_boosting(estimator)
    if isinstance(estimator, BOOSTING):
        return _read_boosting(estimator)
    return _read_forest(estimator)


def _from_sklearn_trees(tree_objects):
    parts = []
    for tree in tree_objects:
        left = tree.children_left.astype(np.int64)
        parts.append(
            {
                "left": left,
                "right": tree.children_right.astype(np.int64),
                "feature": np.where(left >= 0, tree.feature, 0),
                "threshold": np.asarray(tree.threshold, dtype=np.float64),
                "missing_left": np.asarray(tree.missing_go_to_left, dtype=bool),
                "value": tree.value.reshape(tree.node_count, -1),
            }
        )
    return parts


def _read_forest(forest):
    if forest.n_outputs_ > 1:
        raise ValueError(
            f"{type(forest).__name__} fitted on {forest.n_outputs_} outputs is "
            "not supported; prune one forest per output."
        )
    parts = _from_sklearn_trees(e.tree_ for e in forest.estimators_)
    n_trees = len(parts)
    classifier = hasattr(forest, "classes_")
    if classifier:
        # class fractions, averaged over the trees: no logit model; the refit
        # starts from (and is anchored at) the trees' mean log fractions, the
        # geometric mean of their votes
        fractions = np.concatenate([p.pop("value") for p in parts])
        fractions = np.clip(fractions / fractions.sum(1, keepdims=True), 1e-3, 1)
        trees = TreeArrays.concatenate(parts, np.float32)
        n_classes = len(forest.classes_)
        logits = np.log(fractions) / n_trees
        if n_classes == 2:
            logits = logits[:, 1:] - logits[:, :1]
        anchor = np.where(trees.left < 0, logits.T, 0.0)
        return Ensemble(
            trees,
            np.full(n_trees, -1),
            anchor.shape[0],
            None,
            np.zeros(len(anchor)),
            anchor,
            exchangeable=True,
        )
    values = [p.pop("value") for p in parts]
    trees = TreeArrays.concatenate(parts, np.float32)
    value = np.concatenate(values)[:, 0] / n_trees
    coef = np.where(trees.left < 0, value, 0.0)[None, :]
    return Ensemble(
        trees, np.full(n_trees, -1), 1, coef, np.zeros(1), exchangeable=True
    )


def _read_boosting(model):
    n_rows = model.estimators_.shape[1]
    stages = model.estimators_[: model.n_estimators_]
    # trees in stage order, a stage's class trees side by side
    parts = _from_sklearn_trees(e.tree_ for e in stages.ravel())
    values = [p.pop("value")[:, 0] for p in parts]
    trees = TreeArrays.concatenate(parts, np.float32)
    output_of_tree = np.tile(np.arange(n_rows), len(stages))
    if n_rows == 1:
        output_of_tree[:] = -1
    value = model.learning_rate * np.concatenate(values)
    coef = _coef_by_output(trees, value, output_of_tree, n_rows)
    if model.init == "zero":
        intercept = np.zeros(n_rows)
    else:
        probe = np.zeros((1, model.n_features_in_))
        intercept = np.asarray(model._raw_predict_init(probe), dtype=float)[0]
    return Ensemble(trees, output_of_tree, n_rows, coef, intercept)


def _read_hist_boosting(model):
    if model._preprocessor is not None or (
        getattr(model, "is_categorical_", None) is not None
        and np.any(model.is_categorical_)
    ):
        raise ValueError(
            f"{type(model).__name__} with categorical features is not supported: "
            "its categorical splits are bitsets, which skprune's trees do not "
            "store. Encode the categories as numbers (OrdinalEncoder) and fit "
            "without categorical_features."
        )
    parts, output_of_tree = [], []
    for predictors in model._predictors:
        for k, predictor in enumerate(predictors):
            nodes = predictor.nodes
            leaf = nodes["is_leaf"].astype(bool)
            parts.append(
                {
                    "left": np.where(leaf, -1, nodes["left"].astype(np.int64)),
                    "right": np.where(leaf, -1, nodes["right"].astype(np.int64)),
                    "feature": np.where(leaf, 0, nodes["feature_idx"]),
                    "threshold": nodes["num_threshold"].astype(np.float64),
                    "missing_left": nodes["missing_go_to_left"].astype(bool),
                    "value": nodes["value"].astype(np.float64),
                }
            )
            output_of_tree.append(k)
    n_rows = len(model._predictors[0]) if model._predictors else 1
    values = [p.pop("value") for p in parts]
    trees = TreeArrays.concatenate(parts, np.float64)
    output_of_tree = np.asarray(output_of_tree)
    if n_rows == 1:
        output_of_tree[:] = -1
    value = np.concatenate(values) if values else np.zeros(0)
    coef = _coef_by_output(trees, value, output_of_tree, n_rows)
    intercept = np.asarray(model._baseline_prediction, dtype=float).ravel()
    return Ensemble(trees, output_of_tree, n_rows, coef, intercept)


def _coef_by_output(trees, value, output_of_tree, n_rows):
    """Leaf values as a ``(n_rows, n_nodes)`` matrix: each tree's leaves in the
    row it feeds, zero at internal nodes."""
    coef = np.zeros((n_rows, trees.n_nodes))
    rows = np.maximum(output_of_tree[trees.tree_of], 0)
    leaves = trees.left < 0
    coef[rows[leaves], np.flatnonzero(leaves)] = value[leaves]
    return coef
