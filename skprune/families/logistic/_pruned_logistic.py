"""PrunedLogisticRegression: a logistic regression pruned to a fixed size,
and what it shares with PrunedLogisticRegressionCV (``_pruned_logistic_cv``):
probabilities, validation, the fitted state, the fit's docstring.

The pruning path they run is in :mod:`skprune.families.logistic._path`.
"""

import numpy as np
from scipy.special import expit, log_softmax, softmax
from sklearn.base import BaseEstimator, _fit_context
from sklearn.linear_model._base import LinearClassifierMixin, SparseCoefMixin
from sklearn.utils.validation import validate_data

from ...coefficients._masks import count_prunable
from ...utils._arrays import resolve_n_keep
from ...utils._constraints import N_KEEP, PRUNE_RATIO
from ...utils._docstrings import Substitution
from ._loss import n_coef_rows
from ._path import (
    PRUNING_PARAMETERS,
    PRUNING_PARAMETERS_DOC,
    RUN_PARAMETERS_DOC,
    encode_target,
    prune_logistic,
)
from ._refit import round_schedule

# the Parameters and Returns of both estimators' fit
FIT_PARAMETERS_DOC = """Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (float64 or float32; sparse is converted to CSR,
            never densified).
        y : array-like of shape (n_samples,)
            Class labels, at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights per sample (multiplied by ``class_weight``'s); None weighs
            every sample 1.

        Returns
        -------
        self : object
            Fitted estimator."""


class _PrunedLogisticBase:
    """Probabilities of a fitted logistic model: sigmoid for two classes,
    softmax otherwise. ``decision_function``, ``predict``, ``sparsify`` and
    ``densify`` come from scikit-learn's ``LinearClassifierMixin`` and
    ``SparseCoefMixin``."""

    def predict_proba(self, X):
        """Class probabilities (sigmoid for two classes, softmax otherwise).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The class probabilities, columns in the order of ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            positive = expit(scores)
            return np.column_stack([1.0 - positive, positive])
        return softmax(scores, axis=1)

    def predict_log_proba(self, X):
        """Log of the class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log class probabilities, columns in the order of ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([np.zeros_like(scores), scores])
        return log_softmax(scores, axis=1)

    def _validate_fit_input(self, X, y, sample_weight):
        """Validated ``X``, ``y``, the classes, class codes and sample weights
        with ``class_weight`` folded in."""
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        classes, y_codes, sample_weight = encode_target(
            y, sample_weight, self.class_weight, X
        )
        return X, y, classes, y_codes, sample_weight

    def _pruning_kwargs(self):
        """The estimator's parameters that ``prune_logistic`` takes as they are."""
        names = ("criterion", "granularity", "refit", "swap", "C", "fit_intercept")
        return {name: getattr(self, name) for name in (*names, "max_iter", "tol")}

    def _set_fitted(self, result, classes):
        self.classes_ = classes
        self.coef_ = result.coef
        self.intercept_ = result.intercept
        self.coef_mask_ = result.mask
        self.support_ = result.mask.any(axis=0)
        self.n_nonzero_ = int(np.count_nonzero(result.mask))
        self.dense_coef_ = result.dense.coef
        self.dense_intercept_ = result.dense.intercept
        self.n_iter_ = np.array([result.n_iter], dtype=np.int32)
        self.history_ = result.history

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # Removing inputs by design may cost accuracy.
        tags.classifier_tags.poor_score = True
        return tags


@Substitution(
    pruning_parameters=PRUNING_PARAMETERS_DOC, run_parameters=RUN_PARAMETERS_DOC
)
class PrunedLogisticRegression(
    _PrunedLogisticBase, LinearClassifierMixin, SparseCoefMixin, BaseEstimator
):
    """Logistic regression that prunes itself to an exact size and refits.

    Fits an L2-regularised logistic regression (binary, or multinomial with
    one coefficient row per class), then removes coefficients or whole
    features in ``n_iter`` rounds, each followed by an exact refit of the
    survivors with the pruned coefficients held at zero.

    Parameters
    ----------
    prune_ratio : float in [0, 1), default=0.5
        Fraction of coefficients (or features) removed:
        ``floor(prune_ratio * n_total)``, leaving at least one.

    n_keep : int >= 1, default=None
        Exact count kept; overrides ``prune_ratio``.

    %(pruning_parameters)s

    warm_start : bool, default=False
        Start the dense fit from the previous call's dense solution.

    %(run_parameters)s

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Exact zeros where pruned.
    intercept_ : ndarray of shape (1,) or (n_classes,)
    classes_ : ndarray of shape (n_classes,)
    coef_mask_ : ndarray of bool of the shape of ``coef_``
    support_ : ndarray of bool of shape (``n_features_in_``,)
        Features with at least one kept coefficient.
    n_nonzero_ : int
        Number of kept coefficients.
    dense_coef_, dense_intercept_ : ndarray
        The unpruned fit.
    n_iter_ : ndarray of shape (1,)
        Solver iterations over all fits (dense fit and every refit).
    history_ : list of dict
        Per round (0 is the dense fit): ``round``, ``n_nonzero``,
        ``n_features``, ``n_iter`` (solver iterations), ``train_loss`` (the
        objective) and ``train_score`` (training accuracy); the same keys as
        :class:`CoefficientPruner`'s.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Only when ``X`` has string column names.

    See Also
    --------
    PrunedLogisticRegressionCV : Chooses the kept count by cross-validation.
    logistic_pruning_path : Every level of pruning in one pass.
    CoefficientPruner : The same pruning around any linear model.

    Notes
    -----
    Sparse ``X`` is never densified and no ``n x n`` or ``p x p`` matrix is
    built (except OBS's inverse Hessian, bounded as described). Kept counts
    are exact; ties go to the lower index.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from skprune import PrunedLogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = PrunedLogisticRegression(n_keep=5).fit(scale(X), y)
    >>> model.n_nonzero_, int((model.coef_ != 0).sum())
    (5, 5)
    >>> model.score(scale(X), y) > 0.95
    True
    """

    _parameter_constraints: dict = {
        "prune_ratio": PRUNE_RATIO,
        "n_keep": N_KEEP,
        "warm_start": ["boolean"],
        **PRUNING_PARAMETERS,
    }

    def __init__(
        self,
        *,
        prune_ratio=0.5,
        n_keep=None,
        criterion="magnitude",
        granularity="weight",
        n_iter=10,
        refit=True,
        swap="auto",
        C=1.0,
        fit_intercept=True,
        class_weight=None,
        max_iter=100,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.prune_ratio = prune_ratio
        self.n_keep = n_keep
        self.criterion = criterion
        self.granularity = granularity
        self.n_iter = n_iter
        self.refit = refit
        self.swap = swap
        self.C = C
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    @Substitution(fit_parameters=FIT_PARAMETERS_DOC)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit, prune and refit.

        %(fit_parameters)s
        """
        X, y, classes, y_codes, sample_weight = self._validate_fit_input(
            X, y, sample_weight
        )
        n_rows = n_coef_rows(len(classes))
        n_total, item_name = count_prunable((n_rows, X.shape[1]), self.granularity)
        n_keep = resolve_n_keep(
            n_total,
            prune_ratio=self.prune_ratio,
            n_keep=self.n_keep,
            item_name=item_name,
            n_features=X.shape[1],
        )
        coef_init = intercept_init = None
        if (
            self.warm_start
            and hasattr(self, "dense_coef_")
            and self.dense_coef_.shape == (n_rows, X.shape[1])
        ):
            coef_init, intercept_init = self.dense_coef_, self.dense_intercept_
        result = prune_logistic(
            X,
            y,
            y_codes,
            classes,
            schedule=round_schedule(X, n_total, n_keep, self.n_iter),
            sample_weight=sample_weight,
            random_state=self.random_state,
            coef_init=coef_init,
            intercept_init=intercept_init,
            verbose=self.verbose,
            **self._pruning_kwargs(),
        )
        self._set_fitted(result, classes)
        return self
