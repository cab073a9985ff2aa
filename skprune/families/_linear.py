"""The linear family: how skprune prunes and quantizes a model with ``coef_``.

Everything particular to a linear model lives here or in
``families.logistic._refit``: what a pruner's parameters mean for it and the errors
when they do not apply (:class:`LinearFamily`), which refit object it gets
(the exact logistic refit where skprune reproduces the objective, else
:class:`ColumnRefit`), and what the quantizer needs (the 2-D ``coef``, the
refit of the stored values on aggregated features). The shared 2-D layout of
the linear refit objects is ``coefficients._pruning.MatrixRefit``; the criteria are
``coefficients._criteria.CRITERIA``.
"""

import math
from copy import deepcopy

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.extmath import safe_sparse_dot

from ..coefficients._criteria import LOGISTIC_CRITERIA, SECOND_ORDER
from ..coefficients._masks import GRANULARITIES
from ..coefficients._pruning import MaskedFit, MatrixRefit
from ..utils._arrays import as_float32
from ..utils._metaestimator import check_n_inputs, fit_or_copy
from ..utils._threads import blas_threads
from ..utils._validation import coef_as_2d
from .logistic._pruned_logistic import PrunedLogisticRegression
from .logistic._refit import LogisticRefit, l2_logistic_C


class ColumnRefit(MatrixRefit):
    """Refits of any linear model: a clone of ``estimator`` fit on the kept
    columns, its coefficients scattered back to full width.

    Exact when ``coef_`` has one row or whole features are pruned. With
    several rows and single weights, a feature kept in some rows is present
    in every row of the refit and its pruned weights are zeroed afterwards.
    ``MaskedFit.model`` is the fitted estimator, with full-width ``coef_``.
    """

    def __init__(self, estimator, X, y, fit_params):
        self.estimator = estimator
        self.X = X
        self.y = y
        self.fit_params = fit_params

    def dense(self, fitted):
        """The unpruned model from an already fitted estimator."""
        return self._masked_fit(fitted)

    def refit(self, previous, mask):
        columns = np.flatnonzero(mask.any(axis=0))
        estimator = clone(self.estimator).fit(
            self.X[:, columns], self.y, **self.fit_params
        )
        coef = np.zeros(mask.shape)
        coef[:, columns] = coef_as_2d(estimator)
        _set_coef(estimator, np.where(mask, coef, 0.0), previous.model.coef_)
        # The clone saw only the kept columns; it predicts on full-width X.
        estimator.n_features_in_ = self.X.shape[1]
        return self._masked_fit(estimator)

    def zero_pruned(self, previous, mask):
        estimator = deepcopy(previous.model)
        _set_coef(estimator, np.where(mask, previous.coef, 0.0), estimator.coef_)
        fit = self._masked_fit(estimator)
        fit.n_iter = 0
        return fit

    def criterion_model(self, fit, n_keep, granularity):
        return fit.model

    def pruned_estimator(self, result):
        return result.final.model

    def train_score(self, fit):
        if not hasattr(fit.model, "score"):
            return None
        return float(fit.model.score(self.X, self.y))

    @staticmethod
    def _masked_fit(estimator):
        # n_iter_ may be missing, None (Ridge's direct solvers) or per target
        n_iter = getattr(estimator, "n_iter_", None)
        n_iter = 0 if n_iter is None or np.size(n_iter) == 0 else int(np.max(n_iter))
        intercept = np.atleast_1d(getattr(estimator, "intercept_", 0.0))
        return MaskedFit(coef_as_2d(estimator), intercept, n_iter, None, estimator)


def _set_coef(estimator, coef_2d, like):
    """Store a 2-D ``coef_`` on ``estimator`` in the shape of ``like``."""
    estimator.coef_ = coef_2d.reshape(np.shape(like))


class LinearFamily:
    """Models with ``coef_`` of shape ``(n_features,)`` or
    ``(n_rows, n_features)``: one weight matrix, handled as 2-D."""

    granularities = GRANULARITIES
    multi_output = True
    criteria = LOGISTIC_CRITERIA  # the second-order ones for the exact refit only
    # the quantizer's groups: a row of coef_ (a class or a target)
    row_axis = 0
    default_share = "row"

    @staticmethod
    def accepts(estimator):
        return True

    # pruning -----------------------------------------------------------------

    default_criterion = "magnitude"
    default_n_iter = 1

    @staticmethod
    def refit_object(pruner, X, y, fit_params, criterion):
        """The refit object for ``pruner`` (a ``CoefficientPruner``) and the
        dense model it starts from: the exact logistic refit for a
        ``LogisticRegression`` whose objective it reproduces (and only there
        the second-order criteria), the column refit for any other."""
        for name, value, allowed in (
            ("granularity", pruner.granularity, GRANULARITIES),
            ("rewind", pruner.rewind, (False,)),
        ):
            if value not in allowed:
                owner = (
                    "tree ensembles"
                    if value in ("leaf", "tree")
                    else ("MLPClassifier / MLPRegressor")
                )
                raise ValueError(
                    f"{name}={value!r} applies to {owner}; "
                    f"for {type(pruner.estimator).__name__} use {name} in "
                    f"{allowed}."
                )
        estimator = fit_or_copy(
            pruner.estimator, X, y, fit_params, prefit=pruner.prefit
        )
        dense_coef = coef_as_2d(estimator)
        check_n_inputs(dense_coef.shape[1], X, inputs="coefficients per row")
        C = l2_logistic_C(estimator)
        if C is None:
            if not callable(criterion) and criterion in SECOND_ORDER:
                raise ValueError(
                    f"criterion={criterion!r} needs the exact logistic "
                    "objective: a LogisticRegression with an L2 penalty (or none) "
                    "and a solver other than 'liblinear'; got "
                    f"{type(estimator).__name__}. Use 'magnitude' or "
                    "'scaled_magnitude' for other models."
                )
            refitter = ColumnRefit(pruner.estimator, X, y, fit_params)
            dense = refitter.dense(estimator)
        else:
            # the dense model's evaluation is one of the run's small products
            with blas_threads(X, dense_coef.shape[0]):
                refitter, dense = LogisticRefit.from_estimator(
                    estimator, X, y, fit_params, C=C, prefit=pruner.prefit
                )
        refitter.fitted, refitter.prefit = estimator, pruner.prefit
        refitter.dense_coef = dense_coef
        return refitter, dense

    # quantization ------------------------------------------------------------

    @staticmethod
    def weights(model):
        """The one weight matrix, ``coef_`` as 2-D float64."""
        return [coef_as_2d(model)]

    @staticmethod
    def n_inputs(weights, model=None):
        return weights[0].shape[1]

    @staticmethod
    def n_intercepts(model):
        return np.size(getattr(model, "intercept_", ()))

    @staticmethod
    def matrix_shapes(coef):
        """The shape of the one matrix, ``coef`` (``coef_``-like)."""
        return [np.shape(coef)]

    @staticmethod
    def dense_size(shapes, model):
        """Weights and intercepts of a model whose ``coef_`` has ``shapes``."""
        return sum(math.prod(s) for s in shapes) + LinearFamily.n_intercepts(model)

    @staticmethod
    def refit_stored_values(model, estimator, quantized, X, y, fit_params):
        """Refit the shared values of a one-row linear model: a clone of its
        estimator (a ``LogisticRegression`` of the same objective for a
        ``PrunedLogisticRegression``) fit on the aggregated features
        ``X[:, kept] @ design``; ``estimator`` is changed in place."""
        (quantized,) = quantized
        if quantized.shape[0] != 1:
            raise ValueError(
                "refit=True refits a linear model's shared values on aggregated "
                "features, which needs a single row of coef_ (a binary classifier "
                f"or one target); this model has {quantized.shape[0]} rows."
            )
        if isinstance(model, PrunedLogisticRegression):
            solver = LogisticRegression(
                C=model.C,
                fit_intercept=model.fit_intercept,
                class_weight=model.class_weight,
                max_iter=model.max_iter,
                tol=model.tol,
            )
        else:
            solver = clone(estimator)
        solver.fit(aggregate_features(X, quantized), y, **fit_params)
        quantized.set_params(coef_as_2d(solver).ravel())
        if hasattr(estimator, "intercept_"):
            estimator.intercept_ = as_float32(solver.intercept_).reshape(
                np.shape(estimator.intercept_)
            )

    @staticmethod
    def store(estimator, dequantized, like):
        """Give ``estimator`` its dequantized ``coef_`` (in the shape of
        ``like.coef_``) and float32-rounded intercepts; returns the
        intercepts (what the quantizer counts as stored floats)."""
        estimator.coef_ = dequantized[0].reshape(np.shape(like.coef_))
        if not hasattr(estimator, "intercept_"):
            return []
        estimator.intercept_ = as_float32(estimator.intercept_).reshape(
            np.shape(estimator.intercept_)
        )
        return [np.atleast_1d(estimator.intercept_)]


def aggregate_features(X, quantized):
    """``X[:, kept] @ design`` for a one-row matrix: with the codes fixed, the
    model is linear in the stored parameters, on these features (for k-means
    column ``m`` sums the features whose weight has shared value ``m``).
    Sparse ``X`` stays sparse."""
    columns = np.flatnonzero(quantized.mask[0])
    product = safe_sparse_dot(X[:, columns], quantized.design())
    return product.tocsr() if sparse.issparse(product) else np.asarray(product)
