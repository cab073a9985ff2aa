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
from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags
from sklearn.utils.validation import check_array

from ._trees import apply

# rows per prediction block: (rows x trees x outputs) float64 values
PREDICT_VALUES = 2**22


X_PARAMETER = """X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to route; missing values (NaN) follow each split's
            recorded direction."""


def class_codes(raw):
    """The class index of each row's logits: the sign of a single logit, the
    largest of several."""
    return (raw[:, 0] > 0).astype(int) if raw.shape[1] == 1 else raw.argmax(1)


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
        """Number of nodes, internal ones and leaves."""
        return self.trees_.n_internal + self.trees_.n_leaves

    @property
    def n_bytes_(self):
        """Bytes of the arrays a prediction reads: the structure, the leaf
        values (at their stored precision) and the intercept."""
        return self.trees_.n_bytes + self.leaf_values_.nbytes + self.intercept_.nbytes

    def apply(self, X):
        """The leaf each row reaches in every tree.

        Parameters
        ----------
        %(X)s

        Returns
        -------
        leaves : ndarray of int32 of shape (n_samples, n_trees)
            Leaf numbers, ``0 .. n_leaves_ - 1`` (rows of ``leaf_values_``).
        """
        return apply(self.trees_, self._check_X(X))

    apply.__doc__ = apply.__doc__ % {"X": X_PARAMETER}

    def __sklearn_tags__(self):
        # what scikit-learn's helpers (is_classifier, scorers) read of a
        # fitted model; it is no estimator: nothing to fit
        classifier = hasattr(self, "classes_")
        return Tags(
            estimator_type="classifier" if classifier else "regressor",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags() if classifier else None,
            regressor_tags=None if classifier else RegressorTags(),
            input_tags=InputTags(sparse=True, allow_nan=True),
        )

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


ATTRIBUTES = """trees_ : object
        The trees, as a deployment stores them: arrays over the internal
        nodes (``left``, ``right``, ``feature``, ``threshold``,
        ``missing_left``) and each tree's root in ``roots``; a child or root
        coded ``~k`` (negative) is leaf ``k``.

    intercept_ : ndarray of shape (n_outputs,)
        The constant every prediction starts from.

    output_of_tree_ : ndarray of int32 of shape (n_trees,)
        The output each tree feeds (a gradient-boosted multiclass model grows
        one tree per class), -1 when it feeds all of them.

    n_trees_ : int
        Number of trees.

    n_leaves_ : int
        Number of leaves.

    n_nodes_ : int
        Number of nodes, internal ones and leaves: what the model stores.

    n_bytes_ : int
        Bytes of the arrays a prediction reads.

    n_features_in_ : int
        Number of features of the rows it predicts."""

PARAMETERS = """trees : object
        The trees (``trees_``).

    leaf_values : ndarray of shape (n_leaves, n_values)
        The value of each leaf (``leaf_values_``).

    intercept : ndarray of shape (n_outputs,)
        The constant every prediction starts from.

    output_of_tree : ndarray of int of shape (n_trees,)
        The output each tree feeds, -1 for all of them.

    n_features_in : int
        Number of features of the rows it predicts."""


class PrunedTreeEnsembleRegressor(_TreeScores):
    """A pruned tree ensemble for regression: ``intercept_`` plus the sum of
    the reached leaves' values.

    Built by :class:`~skprune.CoefficientPruner` around a
    ``RandomForestRegressor``, ``ExtraTreesRegressor``,
    ``GradientBoostingRegressor`` or ``HistGradientBoostingRegressor`` (its
    ``estimator_``). A fitted model, not an estimator: it has no ``fit``,
    and what builds it is the pruner.

    Parameters
    ----------
    %(parameters)s

    Attributes
    ----------
    leaf_values_ : ndarray of shape (n_leaves, 1)
        The value of each leaf: the refit coefficients of the leaf-indicator
        design.

    %(attributes)s

    See Also
    --------
    PrunedTreeEnsembleClassifier : The same trees with class logits.
    """

    def predict(self, X):
        """Predicted values: the intercept plus the reached leaves' values.

        Parameters
        ----------
        %(X)s

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predictions.
        """
        return self._raw(X)[:, 0]

    def score(self, X, y, sample_weight=None):
        """The coefficient of determination R^2 of the predictions.

        Parameters
        ----------
        %(X)s
        y : array-like of shape (n_samples,)
            True values.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.

        Returns
        -------
        score : float
            R^2 of ``predict(X)`` against ``y``.
        """
        return r2_score(y, self.predict(X), sample_weight=sample_weight)


class PrunedTreeEnsembleClassifier(_TreeScores):
    """A pruned tree ensemble for classification: class logits are
    ``intercept_`` plus the sum of the reached leaves' values, turned into
    probabilities by a sigmoid (two classes, one logit) or a softmax.

    Built by :class:`~skprune.CoefficientPruner` around a
    ``RandomForestClassifier``, ``ExtraTreesClassifier``,
    ``GradientBoostingClassifier`` or ``HistGradientBoostingClassifier``
    (its ``estimator_``). A fitted model, not an estimator: it has no
    ``fit``, and what builds it is the pruner.

    Parameters
    ----------
    %(parameters)s

    classes : ndarray of shape (n_classes,)
        The class labels (``classes_``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    leaf_values_ : ndarray of shape (n_leaves, n_values)
        Each leaf's logits (``n_values`` is 1 for two classes, one per class
        otherwise: a forest's trees vote for every class), or one value for
        the class its tree grows for (``output_of_tree_``).

    %(attributes)s

    See Also
    --------
    PrunedTreeEnsembleRegressor : The same trees for a continuous target.
    """

    def __init__(
        self, trees, leaf_values, intercept, output_of_tree, n_features_in, classes
    ):
        super().__init__(trees, leaf_values, intercept, output_of_tree, n_features_in)
        self.classes_ = classes

    def decision_function(self, X):
        """The logits.

        Parameters
        ----------
        %(X)s

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The second class's logit for two classes, one logit per class
            otherwise.
        """
        raw = self._raw(X)
        return raw[:, 0] if raw.shape[1] == 1 else raw

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        %(X)s

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The sigmoid (two classes) or softmax of the logits, columns in the
            order of ``classes_``.
        """
        raw = self._raw(X)
        if raw.shape[1] == 1:
            p = expit(raw[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(raw, axis=1)

    def predict_log_proba(self, X):
        """Log class probabilities.

        Parameters
        ----------
        %(X)s

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The logarithm of ``predict_proba(X)``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted class labels: the class of the largest logit.

        Parameters
        ----------
        %(X)s

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        return self.classes_[class_codes(self._raw(X))]

    def score(self, X, y, sample_weight=None):
        """Accuracy of the predictions.

        Parameters
        ----------
        %(X)s
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.

        Returns
        -------
        score : float
            The (weighted) share of rows ``predict`` labels correctly.
        """
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)


for _cls in (PrunedTreeEnsembleRegressor, PrunedTreeEnsembleClassifier):
    _cls.__doc__ = _cls.__doc__ % {"parameters": PARAMETERS, "attributes": ATTRIBUTES}
    for _name in (
        "predict",
        "score",
        "decision_function",
        "predict_proba",
        "predict_log_proba",
    ):
        _method = vars(_cls).get(_name)
        if _method is not None:
            _method.__doc__ = _method.__doc__ % {"X": X_PARAMETER}
