"""The pruned tree ensemble skprune hands back: trees of leaf scores.

A pruned ensemble is a sum of trees plus an intercept: ``raw = intercept +
sum over trees of the reached leaf's value``, the regression value itself or
class logits turned into probabilities by a sigmoid (one logit, two classes)
or a softmax. It is one class for every ensemble skprune prunes, rather than
the user's own scikit-learn class, because

- a random-forest classifier's refit leaf values are logits, which
  scikit-learn's per-leaf class fractions (averaged, not summed) cannot hold;
- what it stores is what a deployment needs, arrays over the internal nodes
  (children, feature, threshold, missing-value direction) and one value per
  leaf and output, where a scikit-learn ``Tree`` stores a 64-byte record and
  a value row for every node, leaves and internal nodes alike: the pickle of
  the pruned model is its ``n_bytes_`` plus a small fixed overhead;
- one model means one routing code and one ONNX converter.

The objects are fitted models, not estimators: ``CoefficientPruner`` builds
them (its ``estimator_``) and they cannot be fit again.
"""

import numpy as np
from scipy.special import expit, softmax
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.validation import check_array

from ._trees import apply

# rows per prediction block: (rows x trees x outputs) float64 values
PREDICT_VALUES = 2**22


class _TreeScores:
    """What both pruned models share (see the module docstring)."""

    def __init__(self, trees, leaf_values, intercept, output_of_tree, n_features_in):
        self.trees_ = trees
        self.leaf_values_ = np.asarray(leaf_values)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.output_of_tree_ = np.asarray(output_of_tree, dtype=np.int32)
        self.n_features_in_ = n_features_in

    @property
    def n_trees_(self):
        """Number of trees."""
        return self.trees_.n_trees

    @property
    def n_leaves_(self):
        """Number of leaves."""
        return self.trees_.n_leaves

    @property
    def n_nodes_(self):
        """Number of nodes, internal and leaves."""
        return self.trees_.n_internal + self.trees_.n_leaves

    @property
    def n_bytes_(self):
        """Bytes of the arrays a prediction reads: the structure, the leaf
        values (at their stored precision) and the intercept."""
        return self.trees_.n_bytes + self.leaf_values_.nbytes + self.intercept_.nbytes

    def apply(self, X):
        """The leaf (numbered ``0 .. n_leaves_ - 1``) each row reaches in
        every tree, ``(n_samples, n_trees_)``."""
        return apply(self.trees_, self._check_X(X))

    def _check_X(self, X):
        X = check_array(
            X,
            accept_sparse=["csr", "csc"],
            ensure_all_finite="allow-nan",
            dtype=(np.float64, np.float32),
        )
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but the pruned ensemble was fit "
                f"on {self.n_features_in_}."
            )
        return X

    def _raw(self, X):
        """``intercept + sum of the reached leaves' values``,
        ``(n_samples, n_outputs)``."""
        X = self._check_X(X)
        n_outputs = len(self.intercept_)
        raw = np.tile(self.intercept_, (X.shape[0], 1))
        values = np.asarray(self.leaf_values_, dtype=np.float64)
        per_output = values.shape[1] == 1 and n_outputs > 1
        block = max(1, PREDICT_VALUES // max(self.n_trees_ * values.shape[1], 1))
        for start in range(0, X.shape[0], block):
            leaves = apply(self.trees_, X[start : start + block])
            if per_output:
                # each tree feeds one output: sum its leaves into that column
                contribution = values[leaves, 0]
                for k in range(n_outputs):
                    trees = self.output_of_tree_ == k
                    raw[start : start + block, k] += contribution[:, trees].sum(axis=1)
            else:
                raw[start : start + block] += values[leaves].sum(axis=1)
        return raw


class PrunedTreeEnsembleRegressor(_TreeScores):
    """A pruned tree ensemble for regression: ``intercept_`` plus the sum of
    the reached leaves' values.

    Built by :class:`~skprune.CoefficientPruner` around a
    ``RandomForestRegressor``, ``ExtraTreesRegressor``,
    ``GradientBoostingRegressor`` or ``HistGradientBoostingRegressor`` (its
    ``estimator_``); a fitted model, it has no ``fit``.

    Attributes
    ----------
    trees_ : CompactTrees
        The trees: arrays over the internal nodes (``left``, ``right``,
        ``feature``, ``threshold``, ``missing_left``) and ``roots``; a child
        coded ``~k`` is leaf ``k``.
    leaf_values_ : ndarray of shape (n_leaves_, 1)
        The value of each leaf (the refit coefficients of the leaf-indicator
        design).
    intercept_ : ndarray of shape (1,)
    n_trees_, n_leaves_, n_nodes_, n_bytes_ : int
        Trees, leaves, nodes (internal and leaves) and the bytes of the
        arrays a prediction reads.
    n_features_in_ : int
    """

    def predict(self, X):
        """Predicted values, ``(n_samples,)``."""
        return self._raw(X)[:, 0]

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions."""
        return r2_score(y, self.predict(X), sample_weight=sample_weight)


class PrunedTreeEnsembleClassifier(_TreeScores):
    """A pruned tree ensemble for classification: class logits are
    ``intercept_`` plus the sum of the reached leaves' values, turned into
    probabilities by a sigmoid (two classes, one logit) or a softmax.

    Built by :class:`~skprune.CoefficientPruner` around a
    ``RandomForestClassifier``, ``ExtraTreesClassifier``,
    ``GradientBoostingClassifier`` or ``HistGradientBoostingClassifier``
    (its ``estimator_``); a fitted model, it has no ``fit``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    trees_ : CompactTrees
        See :class:`PrunedTreeEnsembleRegressor`.
    leaf_values_ : ndarray of shape (n_leaves_, n_logits) or (n_leaves_, 1)
        Each leaf's logits (a forest's trees vote for every class), or one
        value for the class its tree grows for (``output_of_tree_``: a
        gradient-boosted multiclass model grows one tree per class).
    intercept_ : ndarray of shape (n_logits,)
        One logit for two classes, one per class otherwise.
    output_of_tree_ : ndarray of shape (n_trees_,)
        The logit each tree feeds, -1 for all of them.
    n_trees_, n_leaves_, n_nodes_, n_bytes_ : int
    n_features_in_ : int
    """

    def __init__(
        self, trees, leaf_values, intercept, output_of_tree, n_features_in, classes
    ):
        super().__init__(trees, leaf_values, intercept, output_of_tree, n_features_in)
        self.classes_ = classes

    def decision_function(self, X):
        """Logits: ``(n_samples,)`` for two classes (the second class's),
        ``(n_samples, n_classes)`` otherwise."""
        raw = self._raw(X)
        return raw[:, 0] if raw.shape[1] == 1 else raw

    def predict_proba(self, X):
        """Class probabilities, ``(n_samples, n_classes)``."""
        raw = self._raw(X)
        if raw.shape[1] == 1:
            p = expit(raw[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(raw, axis=1)

    def predict_log_proba(self, X):
        """Log class probabilities."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted class labels."""
        raw = self._raw(X)
        codes = (raw[:, 0] > 0).astype(int) if raw.shape[1] == 1 else raw.argmax(1)
        return self.classes_[codes]

    def score(self, X, y, sample_weight=None):
        """Accuracy of the predictions."""
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)
