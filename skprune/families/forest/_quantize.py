"""What :class:`~skprune.CoefficientQuantizer` needs of a pruned tree
ensemble (a ``CoefficientPruner``'s ``estimator_`` around a forest or a
boosted model): its weights are the leaf values, one column per output, and
what it stores beyond them is its tree structure."""

import numpy as np

from ...utils._arrays import as_float32
from ._model import _TreeScores


class PrunedEnsembleFamily:
    """A :class:`~skprune.PrunedTreeEnsembleClassifier` or ``Regressor``, as
    the quantizer sees it: one matrix of leaf values (leaves x outputs)."""

    # it is no estimator a pruner fits: no criteria, no granularity
    criteria = ()
    granularities = ()
    multi_output = False
    default_criterion = "magnitude"
    default_n_iter = 1
    # the quantizer's groups: an output's leaf values are a column
    row_axis = 1
    default_share = "layer"
    # its dense size is its own (the pruned structure stays as it is)
    counts_pruned_shapes = False

    @staticmethod
    def accepts(estimator):
        return isinstance(estimator, _TreeScores)

    @staticmethod
    def refit_object(pruner, X, y, fit_params, criterion):
        raise TypeError(
            f"{type(pruner.estimator).__name__} is a pruned model, not an "
            "estimator: pass the ensemble it came from (RandomForestClassifier, "
            "...) to CoefficientPruner."
        )

    @staticmethod
    def weights(model):
        return [np.asarray(model.leaf_values_, dtype=np.float64)]

    @staticmethod
    def n_inputs(weights, model):
        return model.n_features_in_

    @staticmethod
    def n_intercepts(model):
        return np.size(model.intercept_)

    @staticmethod
    def structure_bytes(model):
        """The bytes of the trees' arrays, stored as they are."""
        return model.trees_.n_bytes

    @staticmethod
    def dense_size(shapes, model):
        """Leaf values and intercepts of a model of these leaf-value shapes."""
        return sum(int(np.prod(s)) for s in shapes) + np.size(model.intercept_)

    @staticmethod
    def refit_stored_values(model, estimator, quantized, X, y, fit_params):
        raise ValueError(
            "refit=True refits the shared values of a linear model or a "
            "network; a pruned tree ensemble's leaf values are quantized as "
            "refit by the pruner (refit=False)."
        )

    @staticmethod
    def store(estimator, dequantized, like):
        """Give ``estimator`` its dequantized leaf values and a float32
        intercept; returns the intercept (stored floats)."""
        estimator.leaf_values_ = dequantized[0].reshape(np.shape(like.leaf_values_))
        estimator.intercept_ = as_float32(estimator.intercept_).astype(np.float64)
        return [estimator.intercept_]
