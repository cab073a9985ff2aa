"""The exact masked refit of scikit-learn's L2 logistic objective.

One room for "a logistic regression skprune refits exactly": which
``LogisticRegression`` settings it reproduces (:func:`l2_logistic_C`), how
the refit object is built from a user's fitted estimator
(:meth:`LogisticRefit.from_estimator`, with its errors), and the refit object
itself, which ``PrunedLogisticRegression``, its path and CV estimator, and
``CoefficientPruner`` around such a ``LogisticRegression`` all use. The
objective and its solver are in ``_loss``; the second-order criteria
(OBD, OBS) in ``coefficients._criteria``.
"""

import warnings
from copy import deepcopy

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import _check_sample_weight

from ...coefficients._criteria import LOGISTIC_CRITERIA, LogisticState
from ...coefficients._masks import count_alive, count_prunable, geometric_schedule
from ...coefficients._pruning import MaskedFit, MatrixRefit
from ...utils._arrays import stored_values
from ...utils._validation import coef_as_2d, fold_class_weight, is_softmax_logistic
from ._loss import SLICE_BELOW_SPARSE, logistic_problem, minimize_logistic, n_coef_rows
from ._swaps import (
    AUTO_SWAP_MAX_PARAMS,
    SWAP_MAX,
    SWAP_MAX_PARAMS,
    SWAP_MIN_GAIN,
    SWAP_ROUNDS,
    exchange,
    exchange_orders,
    exchange_scores,
)

# Swap rounds keep a squared copy of X up to this many stored values (128 MB).
KEEP_SQUARED_BELOW = 2**24


def l2_logistic_C(estimator):
    """``C`` of a ``LogisticRegression`` whose objective skprune's masked solver
    reproduces exactly (L2 or no penalty, unpenalised intercept, multinomial or
    binary); ``None`` for any other estimator or setting."""
    if type(estimator) is not LogisticRegression or estimator.solver == "liblinear":
        return None
    # two classes make one sigmoid model whatever multi_class says
    n_classes = len(estimator.classes_)
    if n_classes > 2 and not is_softmax_logistic(estimator, n_classes):
        return None
    penalty, l1_ratio = estimator.penalty, estimator.l1_ratio
    if penalty is None:
        return np.inf
    if (
        penalty == "l2"
        or (penalty == "deprecated" and not l1_ratio)
        or (penalty == "elasticnet" and l1_ratio == 0)
    ):
        return estimator.C
    return None


def round_schedule(X, n_total, n_final, n_iter):
    """The kept counts of ``n_iter`` rounds: geometric, except on a sparse
    ``X`` pruned below ``SLICE_BELOW_SPARSE`` of its items whose first
    geometric round would keep more. A round above that share works on the
    whole of ``X`` (a copy of its live columns would cost more memory than
    the fit), so there the first round prunes straight to the share and the
    other ``n_iter - 1`` go geometrically from it, each on a copy of its live
    columns only: the rounds cost about one refit on the survivors, not
    ``n_iter`` passes over every stored value.

    >>> from scipy import sparse
    >>> round_schedule(sparse.eye(4, format="csr"), 1000, 10, 3)
    [50, 22, 10]
    >>> round_schedule(sparse.eye(4).toarray(), 1000, 10, 3)
    [215, 46, 10]
    """
    schedule = geometric_schedule(n_total, n_final, n_iter)
    first = int(SLICE_BELOW_SPARSE * n_total)
    if not sparse.issparse(X) or n_iter == 1 or not n_final < first < schedule[0]:
        return schedule
    return [first, *geometric_schedule(first, n_final, n_iter - 1)]


class LogisticRefit(MatrixRefit):
    """Exact refits of the L2 logistic objective under a mask.

    Each refit minimises scikit-learn's objective (same ``C``, sample and
    class weights, intercept unpenalised) over the kept coefficients only,
    warm-started, with the products restricted to the live columns. A solve
    that misses ``tol`` warns with a ``ConvergenceWarning``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y_codes : ndarray of int of shape (n_samples,)
        Class codes in ``range(len(classes))``.
    classes : ndarray
    C, fit_intercept, sample_weight, max_iter, tol
        As in ``LogisticRegression`` (``C=np.inf`` for no penalty).
    """

    criteria = LOGISTIC_CRITERIA

    def __init__(
        self, X, y_codes, classes, *, C, fit_intercept, sample_weight, max_iter, tol
    ):
        self.X = X
        self.y_codes = y_codes
        self.classes = classes
        self.max_iter = max_iter
        self.tol = tol
        self.full_problem = logistic_problem(
            X, y_codes, len(classes), None, C, sample_weight, fit_intercept
        )
        self._problem = self.full_problem

    @classmethod
    def from_estimator(cls, estimator, X, y, fit_params, *, C, prefit):
        """The refit object of a fitted ``LogisticRegression`` whose
        objective it reproduces (``C`` from :func:`l2_logistic_C`), and the
        dense model taken as fitted. Its class and sample weights are folded
        into one weight per row; a prefit model must know every label."""
        if prefit and not np.isin(y, estimator.classes_).all():
            raise ValueError(
                "y has labels the prefit LogisticRegression was not fitted on; "
                f"its classes_ are {estimator.classes_.tolist()}."
            )
        sample_weight = fold_class_weight(
            estimator.class_weight,
            estimator.classes_,
            y,
            _check_sample_weight(fit_params.get("sample_weight"), X),
        )
        refitter = cls(
            X,
            np.searchsorted(estimator.classes_, y),
            estimator.classes_,
            C=C,
            fit_intercept=estimator.fit_intercept,
            sample_weight=sample_weight,
            max_iter=estimator.max_iter,
            tol=estimator.tol,
        )
        coef = coef_as_2d(estimator)
        intercept = np.broadcast_to(estimator.intercept_, coef.shape[:1])
        return refitter, refitter.dense(coef, intercept, solve=False)

    def pruned_estimator(self, result):
        """The fitted ``LogisticRegression`` with the pruned coefficients
        (on a copy when the user's estimator was prefit)."""
        estimator = deepcopy(self.fitted) if self.prefit else self.fitted
        estimator.coef_ = result.coef.reshape(np.shape(self.fitted.coef_))
        estimator.intercept_ = result.intercept
        estimator.n_iter_ = np.array([result.final.n_iter], dtype=np.int32)
        return estimator

    @property
    def n_rows(self):
        return n_coef_rows(len(self.classes))

    def schedule(self, n_total, n_final, n_iter):
        """The kept count of each round (:func:`round_schedule`)."""
        return round_schedule(self.X, n_total, n_final, n_iter)

    def dense(self, coef=None, intercept=None, *, solve=True):
        """The unpruned model: solved from ``coef``/``intercept`` (zeros when
        None), or taken as it is with ``solve=False``."""
        n_rows, n_features = self.n_rows, self.X.shape[1]
        coef = np.zeros((n_rows, n_features)) if coef is None else coef
        intercept = np.zeros(n_rows) if intercept is None else intercept
        self._problem = self.full_problem
        if solve:
            return self._solve(self.full_problem, coef, intercept)
        return self._evaluate(self.full_problem, coef, intercept)

    def refit(self, previous, mask):
        """The masked optimum, warm-started from ``previous``."""
        # nested masks cut their columns from the previous problem's copy
        self._problem = self._problem.restrict(mask)
        return self._solve(self._problem, previous.coef, previous.intercept)

    def zero_pruned(self, previous, mask):
        """``previous`` with the pruned coefficients set to zero, not refit."""
        self._problem = self._problem.restrict(mask)
        coef = np.where(mask, previous.coef, 0.0)
        return self._evaluate(self._problem, coef, previous.intercept)

    def swap(self, fit, mask, granularity, auto=False):
        """Swap refinement at the size of ``mask`` (see ``_swaps``): returns
        the refined fit and mask. Every kept exchange lowered the exactly
        refit objective; the returned fit's ``n_iter`` counts every refit
        tried, kept or not."""
        n_alive = count_alive(mask, granularity)
        n_dead = count_prunable(mask.shape, granularity)[0] - n_alive
        problem, spent = self._problem, 0
        # exchanges keep the size, so the parameter count is checked once
        limit = AUTO_SWAP_MAX_PARAMS if auto else SWAP_MAX_PARAMS
        if problem.n_free + problem.n_rows > limit or n_dead == 0:
            return fit, mask
        for _ in range(SWAP_ROUNDS):
            theta = problem.pack(fit.coef, fit.intercept)
            backward, forward = exchange_scores(
                problem, theta, self.X, granularity, self._squared_X()
            )
            orders = exchange_orders(mask, backward, forward, granularity)
            for n_swap in range(min(SWAP_MAX, n_alive, n_dead), 0, -1):
                new_mask = exchange(mask, orders, n_swap, granularity)
                new_problem = self.full_problem.restrict(new_mask)
                coef = np.where(new_mask, fit.coef, 0.0)
                new_fit = self._solve(new_problem, coef, fit.intercept)
                spent += new_fit.n_iter
                if new_fit.loss < fit.loss - SWAP_MIN_GAIN * abs(fit.loss):
                    fit, mask, problem = new_fit, new_mask, new_problem
                    break
            else:
                break
        self._problem = problem
        fit.n_iter = spent
        return fit, mask

    def _squared_X(self):
        """``X`` squared elementwise, kept for the swap rounds while it is
        small (``KEEP_SQUARED_BELOW`` stored values); None above."""
        if not hasattr(self, "_squared"):
            X = self.X
            self._squared = None
            if stored_values(X) <= KEEP_SQUARED_BELOW:
                self._squared = X.multiply(X).tocsr() if sparse.issparse(X) else X * X
        return self._squared

    def criterion_model(self, fit, n_keep, granularity):
        return LogisticState(
            fit.coef, fit.intercept, self.classes, n_keep, granularity, self._problem
        )

    def train_score(self, fit):
        """Training accuracy (unweighted, as ``LogisticRegression.score``)."""
        # the probabilities of the solver's last evaluation, which is
        # almost always at the fit: no product with X
        problem = self._problem
        proba = problem._proba(problem.pack(fit.coef, fit.intercept))
        if proba.ndim == 1:
            predicted = (proba > 0.5).astype(int)
        else:
            predicted = proba.argmax(axis=1)
        return float(np.mean(predicted == self.y_codes))

    def _solve(self, problem, coef, intercept):
        theta, value, n_iter, converged = minimize_logistic(
            problem, problem.pack(coef, intercept), self.max_iter, self.tol
        )
        if not converged:
            warnings.warn(
                f"The logistic solver did not converge in max_iter={self.max_iter} "
                "iterations; increase max_iter or scale the data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        coef, intercept = problem.unpack(theta)
        return MaskedFit(coef, intercept, n_iter, value, None)

    @staticmethod
    def _evaluate(problem, coef, intercept):
        value = problem.loss_gradient(problem.pack(coef, intercept))[0]
        return MaskedFit(
            np.array(coef, dtype=np.float64), np.array(intercept), 0, value, None
        )
